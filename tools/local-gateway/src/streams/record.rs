//! A DynamoDB stream record as Lambda hands it to a function: the JSON of one element of the
//! event's `Records`, the item's images in DynamoDB JSON (`{"S": ...}`, `{"M": {...}}`,
//! binary as base64), exactly what `aws_lambda_events`' DynamoDB event reads.

use anyhow::{anyhow, bail, Context, Result};
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// One record of a shard, converted, with what delivery needs of it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    pub sequence_number: String,
    /// When the change was made, in epoch seconds (DynamoDB rounds down to the second).
    pub created: i64,
    /// The record as it appears in the event's `Records`.
    pub json: Value,
}

/// The event of one invocation: `{"Records": [...]}`.
pub fn event(records: &[StreamRecord]) -> Value {
    json!({ "Records": records.iter().map(|r| &r.json).collect::<Vec<_>>() })
}

/// `record` as Lambda delivers it from the stream `stream_arn`. Lambda's own fields replace
/// what the server says of itself (`eventVersion`, `eventSource`), as Lambda does.
pub fn lambda_record(record: &Record, stream_arn: &str, region: &str) -> Result<StreamRecord> {
    let change = record
        .dynamodb
        .as_ref()
        .ok_or_else(|| anyhow!("a stream record without its change"))?;
    let sequence_number = change
        .sequence_number
        .clone()
        .ok_or_else(|| anyhow!("a stream record without a sequence number"))?;
    let created = change
        .approximate_creation_date_time
        .map(|time| time.secs())
        .unwrap_or_default();
    let mut dynamodb = Map::new();
    dynamodb.insert("ApproximateCreationDateTime".into(), json!(created));
    if let Some(keys) = &change.keys {
        dynamodb.insert("Keys".into(), image(keys)?);
    }
    if let Some(new) = &change.new_image {
        dynamodb.insert("NewImage".into(), image(new)?);
    }
    if let Some(old) = &change.old_image {
        dynamodb.insert("OldImage".into(), image(old)?);
    }
    dynamodb.insert("SequenceNumber".into(), json!(sequence_number));
    if let Some(size) = change.size_bytes {
        dynamodb.insert("SizeBytes".into(), json!(size));
    }
    if let Some(view) = &change.stream_view_type {
        dynamodb.insert("StreamViewType".into(), json!(view.as_str()));
    }
    let mut json = json!({
        "eventID": record.event_id.clone().unwrap_or_default(),
        "eventName": record.event_name.as_ref().map(|n| n.as_str()).unwrap_or_default(),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region.clone().unwrap_or_else(|| region.to_owned()),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    });
    // Only deletions by TTL carry an identity (the DynamoDB service).
    if let Some(identity) = &record.user_identity {
        json["userIdentity"] = json!({
            "type": identity.r#type.clone().unwrap_or_default(),
            "principalId": identity.principal_id.clone().unwrap_or_default(),
        });
    }
    Ok(StreamRecord {
        sequence_number,
        created,
        json,
    })
}

fn image(attributes: &HashMap<String, AttributeValue>) -> Result<Value> {
    attributes
        .iter()
        .map(|(name, value)| {
            Ok((
                name.clone(),
                attribute(value).with_context(|| name.clone())?,
            ))
        })
        .collect::<Result<Map<_, _>>>()
        .map(Value::Object)
}

fn attribute(value: &AttributeValue) -> Result<Value> {
    Ok(match value {
        AttributeValue::S(text) => json!({ "S": text }),
        AttributeValue::N(number) => json!({ "N": number }),
        AttributeValue::B(bytes) => json!({ "B": BASE64.encode(bytes.as_ref()) }),
        AttributeValue::Ss(texts) => json!({ "SS": texts }),
        AttributeValue::Ns(numbers) => json!({ "NS": numbers }),
        AttributeValue::Bs(blobs) => {
            json!({ "BS": blobs.iter().map(|b| BASE64.encode(b.as_ref())).collect::<Vec<_>>() })
        }
        AttributeValue::M(members) => json!({ "M": image(members)? }),
        AttributeValue::L(items) => {
            json!({ "L": items.iter().map(attribute).collect::<Result<Vec<_>>>()? })
        }
        AttributeValue::Bool(flag) => json!({ "BOOL": flag }),
        AttributeValue::Null(flag) => json!({ "NULL": flag }),
        other => bail!("an attribute of a type this emulation does not know: {other:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodbstreams::primitives::{Blob, DateTime};
    use aws_sdk_dynamodbstreams::types::{
        Identity, OperationType, StreamRecord as Change, StreamViewType,
    };

    const STREAM: &str =
        "arn:aws:dynamodb:us-east-1:123456789012:table/customers/stream/2026-01-01T00:00:00.000";

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.into())
    }

    #[test]
    fn a_modify_with_both_images_and_every_attribute_type() {
        let keys = HashMap::from([
            ("pk".to_owned(), s("TENANT#t")),
            ("sk".to_owned(), s("PROFILE")),
        ]);
        let mut new = keys.clone();
        new.extend([
            ("n".to_owned(), AttributeValue::N("12.50".into())),
            (
                "b".to_owned(),
                AttributeValue::B(Blob::new(vec![0, 1, 255])),
            ),
            (
                "ss".to_owned(),
                AttributeValue::Ss(vec!["a".into(), "b".into()]),
            ),
            (
                "ns".to_owned(),
                AttributeValue::Ns(vec!["1".into(), "2".into()]),
            ),
            (
                "bs".to_owned(),
                AttributeValue::Bs(vec![Blob::new(b"hi".to_vec())]),
            ),
            ("flag".to_owned(), AttributeValue::Bool(true)),
            ("none".to_owned(), AttributeValue::Null(true)),
            (
                "m".to_owned(),
                AttributeValue::M(HashMap::from([(
                    "l".to_owned(),
                    AttributeValue::L(vec![s("x"), AttributeValue::N("3".into())]),
                )])),
            ),
        ]);
        let mut old = keys.clone();
        old.insert("n".to_owned(), AttributeValue::N("1".into()));
        let record = Record::builder()
            .event_id("e1")
            .event_name(OperationType::Modify)
            .event_version("1.0")
            .event_source("moto")
            .aws_region("eu-west-1")
            .dynamodb(
                Change::builder()
                    .approximate_creation_date_time(DateTime::from_fractional_secs(
                        1_767_225_600,
                        0.9,
                    ))
                    .set_keys(Some(keys))
                    .set_new_image(Some(new))
                    .set_old_image(Some(old))
                    .sequence_number("1100000000017454423010")
                    .size_bytes(120)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build(),
            )
            .build();
        let converted = lambda_record(&record, STREAM, "us-east-1").unwrap();
        assert_eq!(converted.sequence_number, "1100000000017454423010");
        assert_eq!(converted.created, 1_767_225_600);
        assert_eq!(
            converted.json,
            json!({
                "eventID": "e1",
                "eventName": "MODIFY",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "eu-west-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1_767_225_600,
                    "Keys": {"pk": {"S": "TENANT#t"}, "sk": {"S": "PROFILE"}},
                    "NewImage": {
                        "pk": {"S": "TENANT#t"}, "sk": {"S": "PROFILE"},
                        "n": {"N": "12.50"},
                        "b": {"B": "AAH/"},
                        "ss": {"SS": ["a", "b"]},
                        "ns": {"NS": ["1", "2"]},
                        "bs": {"BS": ["aGk="]},
                        "flag": {"BOOL": true},
                        "none": {"NULL": true},
                        "m": {"M": {"l": {"L": [{"S": "x"}, {"N": "3"}]}}},
                    },
                    "OldImage": {"pk": {"S": "TENANT#t"}, "sk": {"S": "PROFILE"}, "n": {"N": "1"}},
                    "SequenceNumber": "1100000000017454423010",
                    "SizeBytes": 120,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": STREAM,
            })
        );
    }

    #[test]
    fn the_event_is_what_aws_lambda_events_reads() {
        let keys = HashMap::from([("pk".to_owned(), s("a")), ("sk".to_owned(), s("PROFILE"))]);
        let mut new = keys.clone();
        new.insert("b".to_owned(), AttributeValue::B(Blob::new(vec![7, 8])));
        let record = Record::builder()
            .event_id("e1")
            .event_name(OperationType::Insert)
            .dynamodb(
                Change::builder()
                    .approximate_creation_date_time(DateTime::from_secs(1_767_225_600))
                    .set_keys(Some(keys))
                    .set_new_image(Some(new))
                    .sequence_number("7")
                    .size_bytes(10)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build(),
            )
            .build();
        let converted = lambda_record(&record, STREAM, "us-east-1").unwrap();
        let parsed: aws_lambda_events::event::dynamodb::Event =
            serde_json::from_value(event(&[converted])).unwrap();
        let parsed = &parsed.records[0];
        assert_eq!(parsed.event_name, "INSERT");
        assert_eq!(parsed.event_source_arn.as_deref(), Some(STREAM));
        assert_eq!(parsed.change.sequence_number.as_deref(), Some("7"));
        assert_eq!(
            parsed.change.approximate_creation_date_time.timestamp(),
            1_767_225_600
        );
        let item = parsed.change.new_image.inner();
        assert_eq!(
            item["sk"],
            serde_dynamo::AttributeValue::S("PROFILE".into())
        );
        assert_eq!(item["b"], serde_dynamo::AttributeValue::B(vec![7, 8]));
    }

    #[test]
    fn an_insert_has_no_old_image_and_a_ttl_deletion_names_the_service() {
        let keys = HashMap::from([("pk".to_owned(), s("a"))]);
        let insert = Record::builder()
            .event_name(OperationType::Insert)
            .dynamodb(
                Change::builder()
                    .set_keys(Some(keys.clone()))
                    .set_new_image(Some(keys.clone()))
                    .sequence_number("1")
                    .build(),
            )
            .build();
        let json = lambda_record(&insert, STREAM, "us-east-1").unwrap().json;
        assert_eq!(json["awsRegion"], "us-east-1");
        assert!(json["dynamodb"].get("OldImage").is_none());
        assert!(json.get("userIdentity").is_none());

        let expiry = Record::builder()
            .event_name(OperationType::Remove)
            .user_identity(
                Identity::builder()
                    .r#type("Service")
                    .principal_id("dynamodb.amazonaws.com")
                    .build(),
            )
            .dynamodb(
                Change::builder()
                    .set_keys(Some(keys.clone()))
                    .set_old_image(Some(keys))
                    .sequence_number("2")
                    .build(),
            )
            .build();
        let json = lambda_record(&expiry, STREAM, "us-east-1").unwrap().json;
        assert_eq!(json["eventName"], "REMOVE");
        assert_eq!(
            json["userIdentity"],
            json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"})
        );
    }

    #[test]
    fn the_event_lists_the_records_in_order() {
        let record = |seq: &str| StreamRecord {
            sequence_number: seq.into(),
            created: 0,
            json: json!({ "dynamodb": { "SequenceNumber": seq } }),
        };
        assert_eq!(
            event(&[record("1"), record("2")]),
            json!({"Records": [
                {"dynamodb": {"SequenceNumber": "1"}},
                {"dynamodb": {"SequenceNumber": "2"}},
            ]})
        );
    }

    #[test]
    fn a_record_without_a_sequence_number_is_refused() {
        let record = Record::builder()
            .dynamodb(Change::builder().build())
            .build();
        assert!(lambda_record(&record, STREAM, "us-east-1").is_err());
    }
}
