//! What the stub answers for change events: their writes (`BatchWriteItem`, every put
//! processed, with the capacity DynamoDB reports when asked), pages of the events index (copies
//! of the one event item it holds), and the bus (EventBridge `PutEvents`). Each request is
//! checked against the service's limits and what the publisher must send, and refused as the
//! service would refuse it otherwise: the function then fails, and so does the bench.

use crate::capacity::Tables;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};
use time::format_description::well_known::Rfc3339;

/// The index a tenant's events are listed through (template.yaml: `EventsByTenant`).
pub const EVENTS_INDEX: &str = "EventsByTenant";
/// `BatchWriteItem`'s limit of requests per call.
const WRITES_PER_CALL: usize = 25;
/// DynamoDB's item size limit.
const ITEM_LIMIT: usize = 400 * 1024;
/// `PutEvents`' limits: entries per call, and their summed size.
const ENTRIES_PER_CALL: usize = 10;
const PUT_EVENTS_LIMIT: usize = 256 * 1024;
/// When the newest event of a page was made (the fixtures' request time).
const NEWEST_MILLIS: u64 = 1_795_601_702_000;

/// `BatchWriteItem` of puts: none left unprocessed (throttling is not what the bench measures).
pub fn batch_write(request: &Value, tables: &Tables) -> Result<Value, String> {
    let requests = request["RequestItems"]
        .as_object()
        .ok_or("BatchWriteItem without RequestItems")?;
    let count: usize = requests
        .values()
        .map(|writes| writes.as_array().map_or(0, Vec::len))
        .sum();
    if !(1..=WRITES_PER_CALL).contains(&count) {
        return Err(format!(
            "{count} write requests: BatchWriteItem takes 1 to {WRITES_PER_CALL}"
        ));
    }
    let mode = request["ReturnConsumedCapacity"].as_str().unwrap_or("NONE");
    let mut consumed = Vec::new();
    for (table, writes) in requests {
        let mut keys = HashSet::new();
        let mut table_units = 0;
        let mut index_units: BTreeMap<String, usize> = BTreeMap::new();
        for write in writes.as_array().into_iter().flatten() {
            let item = write["PutRequest"]["Item"]
                .as_object()
                .ok_or("the bench's stub takes PutRequests with an Item only")?;
            let put = tables.put(table, item).map_err(|e| e.to_string())?;
            if put.size > ITEM_LIMIT {
                return Err("Item size has exceeded the maximum allowed size".into());
            }
            if !keys.insert(put.key.clone()) {
                return Err("Provided list of item keys contains duplicates".into());
            }
            table_units += put.table;
            for (index, units) in put.indexes {
                *index_units.entry(index).or_default() += units;
            }
        }
        let total = table_units + index_units.values().sum::<usize>();
        let mut capacity = json!({ "TableName": table, "CapacityUnits": total });
        if mode == "INDEXES" {
            capacity["Table"] = json!({ "CapacityUnits": table_units });
            capacity["GlobalSecondaryIndexes"] = index_units
                .into_iter()
                .map(|(index, units)| (index, json!({ "CapacityUnits": units })))
                .collect::<Map<_, _>>()
                .into();
        }
        consumed.push(capacity);
    }
    let mut answer = json!({ "UnprocessedItems": {} });
    if mode != "NONE" {
        answer["ConsumedCapacity"] = consumed.into();
    }
    Ok(answer)
}

/// A shard's newest `Limit` events: the held event under subjects of that shard (a subject's
/// shard is its last hex digit, mod 8), newest first, the shards interleaved in time; each
/// shard has more (its last evaluated key), as a busy tenant's would.
pub fn events_page(request: &Value, event: Option<&Value>) -> Value {
    let Some(event) = event else {
        return json!({ "Items": [], "Count": 0, "ScannedCount": 0 });
    };
    let limit = request["Limit"].as_u64().unwrap_or(20);
    let partition = request["ExpressionAttributeValues"][":partition"]["S"]
        .as_str()
        .unwrap_or_default();
    let shard: u64 = partition
        .rsplit('#')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let tenant = event["tenant_id"]["S"].as_str().unwrap_or_default();
    let version: u64 = event["version"]["N"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let items: Vec<Value> = (0..limit)
        .map(|i| {
            let subject = format!("00000000-0000-4000-b000-{i:011x}{shard:x}");
            let millis = NEWEST_MILLIS - i * 1_000 - shard;
            let time = rfc3339(millis);
            let mut item = event.clone();
            item["pk"] = json!({ "S": format!("TENANT#{tenant}#SUBJECT#{subject}") });
            item["gsi1pk"] = json!({ "S": partition });
            item["gsi1sk"] = json!({ "S": format!("{millis:015}#{subject}#{version:020}") });
            item["id"] = json!({ "S": format!("00000000-0000-8000-8000-{shard:04x}{i:08x}") });
            item["subject"] = json!({ "S": subject });
            item["time"] = json!({ "S": time });
            item
        })
        .collect();
    let mut answer = json!({ "Count": limit, "ScannedCount": limit });
    if let Some(last) = items.last() {
        let key: Map<String, Value> = ["pk", "sk", "gsi1pk", "gsi1sk"]
            .into_iter()
            .map(|name| (name.to_owned(), last[name].clone()))
            .collect();
        answer["LastEvaluatedKey"] = key.into();
    }
    answer["Items"] = items.into();
    answer
}

fn rfc3339(millis: u64) -> String {
    let nanos = i128::from(millis) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// `PutEvents`: every entry accepted, each with an id of its own from `next_id` on, once it is
/// the CloudEvent of its `detail-type` and `source` (the publisher's contract with subscribers).
pub fn put_events(request: &Value, next_id: u64) -> Result<Value, String> {
    let entries = request["Entries"]
        .as_array()
        .filter(|entries| (1..=ENTRIES_PER_CALL).contains(&entries.len()))
        .ok_or(format!("PutEvents takes 1 to {ENTRIES_PER_CALL} entries"))?;
    let mut size = 0;
    for entry in entries {
        let text = |name: &str| {
            entry[name]
                .as_str()
                .filter(|text| !text.is_empty())
                .ok_or(format!("an entry without {name}"))
        };
        let (source, detail_type, detail) = (text("Source")?, text("DetailType")?, text("Detail")?);
        text("EventBusName")?;
        let event: Value =
            serde_json::from_str(detail).map_err(|_| "an entry's Detail is not JSON")?;
        let is_its_cloud_event = event["specversion"] == "1.0"
            && event["type"] == detail_type
            && event["source"] == source
            && event["id"].as_str().is_some_and(|id| !id.is_empty());
        if !is_its_cloud_event {
            return Err(format!(
                "an entry's Detail is not its CloudEvent ({detail_type})"
            ));
        }
        // EventBridge's entry size: 14 bytes for a time, and the text of what is given.
        size += source.len() + detail_type.len() + detail.len();
        size += if entry["Time"].is_null() { 0 } else { 14 };
    }
    if size > PUT_EVENTS_LIMIT {
        return Err(format!("the entries are {size} B, over {PUT_EVENTS_LIMIT}"));
    }
    let ids: Vec<Value> = (0..entries.len() as u64)
        .map(|i| json!({ "EventId": format!("00000000-0000-4000-8000-{:012x}", next_id + i) }))
        .collect();
    Ok(json!({ "FailedEntryCount": 0, "Entries": ids }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use local_gateway::template::Template;

    const TEMPLATE: &str = r#"
Resources:
  Events:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: events
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      GlobalSecondaryIndexes:
        - IndexName: EventsByTenant
          KeySchema: [{AttributeName: gsi1pk, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
"#;

    fn put(pk: &str) -> Value {
        json!({"PutRequest": {"Item": {"pk": {"S": pk}, "gsi1pk": {"S": "t"}}}})
    }

    #[test]
    fn writes_report_the_table_and_its_index_and_refuse_what_dynamodb_refuses() {
        let tables = Tables::of(&Template::parse(TEMPLATE).unwrap()).unwrap();
        let request = |puts: Vec<Value>, mode: &str| json!({"RequestItems": {"events": puts}, "ReturnConsumedCapacity": mode});
        let answer = batch_write(&request(vec![put("a"), put("b")], "INDEXES"), &tables).unwrap();
        assert_eq!(answer["UnprocessedItems"], json!({}));
        let consumed = &answer["ConsumedCapacity"][0];
        assert_eq!(consumed["CapacityUnits"], 4);
        assert_eq!(consumed["Table"]["CapacityUnits"], 2);
        assert_eq!(
            consumed["GlobalSecondaryIndexes"]["EventsByTenant"]["CapacityUnits"],
            2
        );
        let quiet = batch_write(&request(vec![put("a")], "NONE"), &tables).unwrap();
        assert!(quiet.get("ConsumedCapacity").is_none());
        assert!(batch_write(&request(vec![put("a"), put("a")], "TOTAL"), &tables).is_err());
        let too_many = (0..26).map(|i| put(&i.to_string())).collect();
        assert!(batch_write(&request(too_many, "TOTAL"), &tables).is_err());
    }

    #[test]
    fn a_page_lists_the_held_event_under_subjects_of_the_shard_newest_first() {
        let event = json!({"pk": {"S": "x"}, "sk": {"S": "VERSION#00000000000000000001"},
            "tenant_id": {"S": "acme"}, "version": {"N": "1"}, "subject": {"S": "s"}});
        let request = json!({"Limit": 3, "ExpressionAttributeValues": {":partition": {"S": "TENANT#acme#EVENTS#5"}}});
        let page = events_page(&request, Some(&event));
        let items = page["Items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert!(items
            .iter()
            .all(|i| i["subject"]["S"].as_str().unwrap().ends_with('5')));
        assert!(items[0]["gsi1sk"]["S"].as_str() > items[1]["gsi1sk"]["S"].as_str());
        assert_eq!(page["LastEvaluatedKey"]["gsi1sk"], items[2]["gsi1sk"]);
        assert_eq!(events_page(&request, None)["Count"], 0);
    }

    #[test]
    fn entries_must_be_their_cloud_events() {
        let detail =
            json!({"specversion": "1.0", "id": "e1", "type": "customer.created", "source": "api"});
        let entry = |detail: &Value| {
            json!({"Source": "api", "DetailType": "customer.created",
            "Detail": detail.to_string(), "EventBusName": "bus"})
        };
        let answer = put_events(&json!({"Entries": [entry(&detail), entry(&detail)]}), 7).unwrap();
        assert_eq!(answer["FailedEntryCount"], 0);
        assert_eq!(answer["Entries"].as_array().unwrap().len(), 2);
        let mut other = detail.clone();
        other["type"] = json!("customer.updated");
        assert!(put_events(&json!({"Entries": [entry(&other)]}), 0).is_err());
        assert!(put_events(&json!({"Entries": []}), 0).is_err());
    }
}
