//! What the stub answers for reading customers, given the one customer item it holds: the item
//! itself, its claims (lookups), a shard of the listing index, and a page's batch read. Each
//! answer has the shape and sizes DynamoDB's would, so that the function does its real work
//! and the capacity figures are those of real items.

use serde_json::{json, Map, Value};

pub const INDEX: &str = "CustomersByTenant";
/// The index a tenant's groups are listed through (full items, oldest first).
pub const GROUPS_INDEX: &str = "TenantCollections";

/// GetItem: a claim item (any `CLAIM` key) names the held customer; an idempotency record is
/// never there (each keyed request is a first one); any other key is the customer.
pub fn get(request: &Value, customer: &Value) -> Option<Value> {
    let sort_key = &request["Key"]["sk"]["S"];
    if sort_key == "IDEMPOTENCY" {
        return None;
    }
    if sort_key == "CLAIM" {
        let field = request["Key"]["pk"]["S"]
            .as_str()
            .and_then(|pk| pk.split('#').nth(2))
            .unwrap_or("EMAIL")
            .to_lowercase();
        return Some(json!({
            "pk": request["Key"]["pk"], "sk": {"S": "CLAIM"}, "entity": {"S": "claim"},
            "tenant_id": customer["tenant_id"], "field": {"S": field},
            "customer_id": customer["id"],
        }));
    }
    Some(customer.clone())
}

/// A shard's newest `Limit` entries: keys only, as the keys-only index holds them, newest first,
/// with their own ids so that a page reads as many customers as it takes.
pub fn shard_page(request: &Value, customer: &Value) -> Value {
    let limit = request["Limit"].as_u64().unwrap_or(20);
    let shard = request["ExpressionAttributeValues"][":shard"]["S"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let tenant = customer["tenant_id"]["S"].as_str().unwrap_or_default();
    let shard_number: u64 = shard
        .rsplit('#')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let items: Vec<Value> = (0..limit)
        .map(|i| {
            let id = format!("00000000-0000-4000-8000-{:06x}{:06x}", shard_number, i);
            let created = 1_795_600_000_000_u64 - i * 1_000 - shard_number;
            json!({
                "pk": {"S": format!("TENANT#{tenant}#CUSTOMER#{id}")},
                "sk": {"S": "PROFILE"},
                "gsi2pk": {"S": shard},
                "gsi2sk": {"S": format!("{created:015}#{id}")},
            })
        })
        .collect();
    json!({ "Items": items, "Count": limit, "ScannedCount": limit })
}

/// A page of `Limit` groups, each the held group under an id of its own; none without one.
pub fn group_page(request: &Value, group: Option<&Value>) -> Value {
    let Some(group) = group else {
        return json!({ "Items": [], "Count": 0, "ScannedCount": 0 });
    };
    let limit = request["Limit"].as_u64().unwrap_or(20);
    let held_id = group["id"]["S"].as_str().unwrap_or("no id");
    let items: Vec<Value> = (0..limit)
        .map(|i| {
            let mut item = group.clone();
            let id = format!("00000000-0000-4000-9000-{i:012x}");
            let swap = |text: &Value| json!({ "S": text.as_str().unwrap_or_default().replace(held_id, &id) });
            item["pk"] = swap(&group["pk"]);
            item["gsi1sk"] = swap(&group["gsi1sk"]);
            item["id"] = json!({ "S": id });
            item
        })
        .collect();
    json!({ "Items": items, "Count": limit, "ScannedCount": limit })
}

/// BatchGetItem: the held customer under each requested key (its id and key swapped in).
pub fn batch(request: &Value, customer: &Value) -> Value {
    let Some(tables) = request["RequestItems"].as_object() else {
        return json!({ "Responses": {} });
    };
    let mut responses = Map::new();
    for (table, wanted) in tables {
        let items: Vec<Value> = wanted["Keys"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|key| {
                let mut item = customer.clone();
                let pk = key["pk"]["S"].as_str().unwrap_or_default();
                let id = pk.rsplit('#').next().unwrap_or_default();
                item["pk"] = key["pk"].clone();
                item["id"] = json!({ "S": id });
                item
            })
            .collect();
        responses.insert(table.clone(), Value::Array(items));
    }
    json!({ "Responses": responses })
}
