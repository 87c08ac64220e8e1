//! DynamoDB's JSON form of items (`{"S": "..."}`, as the console and the CLI show them), for
//! items kept as files: the stored layouts the tests read back.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The item a DynamoDB-JSON object describes.
pub fn item(json: &str) -> HashMap<String, AttributeValue> {
    let Ok(Value::Object(attributes)) = serde_json::from_str::<Value>(json) else {
        panic!("not a JSON object: {json}");
    };
    attributes
        .into_iter()
        .map(|(name, value)| (name, attribute(value)))
        .collect()
}

fn attribute(value: Value) -> AttributeValue {
    let Value::Object(typed) = value else {
        panic!("not a typed attribute: {value}");
    };
    let Some((kind, value)) = typed.into_iter().next() else {
        panic!("an attribute without a type");
    };
    match (kind.as_str(), value) {
        ("S", Value::String(text)) => AttributeValue::S(text),
        ("N", Value::String(number)) => AttributeValue::N(number),
        ("BOOL", Value::Bool(flag)) => AttributeValue::Bool(flag),
        ("B", Value::String(encoded)) => match STANDARD.decode(&encoded) {
            Ok(bytes) => AttributeValue::B(Blob::new(bytes)),
            Err(_) => panic!("not base64: {encoded}"),
        },
        ("NULL", _) => AttributeValue::Null(true),
        ("L", Value::Array(items)) => AttributeValue::L(items.into_iter().map(attribute).collect()),
        ("M", Value::Object(members)) => AttributeValue::M(
            members
                .into_iter()
                .map(|(name, value)| (name, attribute(value)))
                .collect(),
        ),
        (kind, value) => panic!("unsupported attribute {kind}: {value}"),
    }
}

/// `item` in DynamoDB's JSON form, members sorted by name.
pub fn json(item: &HashMap<String, AttributeValue>) -> Value {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    Value::Object(
        names
            .into_iter()
            .map(|name| (name.clone(), typed(&item[name])))
            .collect::<Map<String, Value>>(),
    )
}

fn typed(value: &AttributeValue) -> Value {
    let (kind, value) = match value {
        AttributeValue::S(text) => ("S", Value::String(text.clone())),
        AttributeValue::N(number) => ("N", Value::String(number.clone())),
        AttributeValue::Bool(flag) => ("BOOL", Value::Bool(*flag)),
        // Base64, as the console and the CLI show binary attributes.
        AttributeValue::B(bytes) => ("B", Value::String(STANDARD.encode(bytes.as_ref()))),
        AttributeValue::Null(_) => ("NULL", Value::Bool(true)),
        AttributeValue::L(items) => ("L", Value::Array(items.iter().map(typed).collect())),
        AttributeValue::M(members) => ("M", json(members)),
        other => panic!("unsupported attribute {other:?}"),
    };
    Value::Object(Map::from_iter([(kind.to_owned(), value)]))
}
