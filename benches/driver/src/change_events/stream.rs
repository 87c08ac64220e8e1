//! A DynamoDB stream batch as Lambda hands it to the publisher (`{"Records": [...]}`, images in
//! DynamoDB JSON), made of real items: the customer a create wrote, as inserted, and the same
//! customer as a patch rewrote it, as modified (its old image and its new one). Each pair is
//! under a customer id of its own, so that every record is a change of its own: one event
//! each, none the redelivery of another.

use crate::capacity::item_size;
use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `records` records (an even number): a customer created, then updated, and the next.
pub fn batch(created: &Value, updated: &Value, records: usize, table: &str) -> Result<Value> {
    if records == 0 || records % 2 != 0 {
        bail!("a batch of created and updated pairs: {records} records");
    }
    let held = created["id"]["S"]
        .as_str()
        .context("the customer has no id")?;
    let version = |item: &Value| {
        item["version"]["N"]
            .as_str()
            .and_then(|v| v.parse::<u64>().ok())
    };
    let is_next = updated["id"]["S"] == held
        && updated["sk"]["S"] == "PROFILE"
        && created["sk"]["S"] == "PROFILE"
        && version(created).is_some_and(|v| version(updated) == Some(v + 1));
    if !is_next {
        bail!("the updated item is not the next version of the created customer");
    }
    // Its last digit names the customer's listing shard, which the other ids keep.
    let shard_digit = held.chars().last().context("an empty id")?;
    let stream_arn = format!(
        "arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-11-25T10:15:02.000"
    );
    let mut out = Vec::with_capacity(records);
    for pair in 0..records / 2 {
        let id = format!("00000000-0000-4000-a000-{pair:011x}{shard_digit}");
        let created = with_id(created, held, &id);
        let updated = with_id(updated, held, &id);
        for (name, old, new) in [
            ("INSERT", None, &created),
            ("MODIFY", Some(&created), &updated),
        ] {
            out.push(record(out.len(), name, old, new, &stream_arn)?);
        }
    }
    Ok(json!({ "Records": out }))
}

fn record(
    position: usize,
    name: &str,
    old: Option<&Value>,
    new: &Value,
    stream_arn: &str,
) -> Result<Value> {
    let object = |image: &Value| image.as_object().cloned().context("an image is an object");
    let keys: Map<String, Value> = ["pk", "sk"]
        .into_iter()
        .map(|key| (key.to_owned(), new[key].clone()))
        .collect();
    let mut size = item_size(&keys)? + item_size(&object(new)?)?;
    let changed_at = new["updated_at"]["S"]
        .as_str()
        .and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok())
        .context("the item has no updated_at")?;
    let mut change = json!({
        "ApproximateCreationDateTime": changed_at.unix_timestamp(),
        "Keys": keys,
        "NewImage": new,
        "SequenceNumber": format!("{}", 100_000_000_000_000_000_000_u128 + position as u128),
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    });
    if let Some(old) = old {
        size += item_size(&object(old)?)?;
        change["OldImage"] = old.clone();
    }
    change["SizeBytes"] = json!(size);
    Ok(json!({
        "eventID": format!("{:032x}", position + 1),
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }))
}

/// The item with every occurrence of the customer id `held` (its key, its listing position,
/// its id) replaced by `id`.
fn with_id(value: &Value, held: &str, id: &str) -> Value {
    match value {
        Value::String(text) => Value::String(text.replace(held, id)),
        Value::Array(values) => values.iter().map(|v| with_id(v, held, id)).collect(),
        Value::Object(members) => members
            .iter()
            .map(|(name, v)| (name.clone(), with_id(v, held, id)))
            .collect(),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(version: u64, company: &str) -> Value {
        let id = "6f9619ff-8b86-4011-b42d-00c04fc964f3";
        json!({
            "pk": {"S": format!("TENANT#acme#CUSTOMER#{id}")}, "sk": {"S": "PROFILE"},
            "id": {"S": id}, "company": {"S": company}, "version": {"N": version.to_string()},
            "updated_at": {"S": "2026-11-25T10:15:02Z"},
        })
    }

    #[test]
    fn pairs_of_created_and_updated_records_each_of_a_customer_of_its_own() {
        let batch = batch(&customer(1, "A"), &customer(2, "B"), 4, "Customers").unwrap();
        let records = batch["Records"].as_array().unwrap();
        let names: Vec<_> = records
            .iter()
            .map(|r| r["eventName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["INSERT", "MODIFY", "INSERT", "MODIFY"]);
        let id = |r: &Value| {
            r["dynamodb"]["NewImage"]["id"]["S"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(id(&records[0]), id(&records[1]));
        assert_ne!(id(&records[1]), id(&records[2]));
        assert!(id(&records[2]).ends_with('3'), "the listing shard is kept");
        let pk = records[2]["dynamodb"]["Keys"]["pk"]["S"].as_str().unwrap();
        assert!(pk.ends_with(&id(&records[2])), "{pk}");
        assert_eq!(records[1]["dynamodb"]["OldImage"]["company"]["S"], "A");
        assert!(records[0]["dynamodb"].get("OldImage").is_none());
        let sequence = |r: &Value| r["dynamodb"]["SequenceNumber"].as_str().unwrap().to_owned();
        assert!(sequence(&records[0]) < sequence(&records[3]));
        assert!(super::batch(&customer(1, "A"), &customer(3, "B"), 4, "Customers").is_err());
        assert!(super::batch(&customer(1, "A"), &customer(2, "B"), 3, "Customers").is_err());
    }
}
