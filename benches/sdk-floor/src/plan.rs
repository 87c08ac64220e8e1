//! The calls to replay, rebuilt as SDK inputs from the requests one of our functions sent (the
//! bench captures them from its stub and writes them to `SDK_FLOOR_PLAN`). A request field
//! this does not know is an error, never dropped: the floor must not get cheaper by sending
//! less than the function it stands for.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, ReturnConsumedCapacity,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use base64::Engine;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
type Item = HashMap<String, AttributeValue>;

/// What the floor answers and the calls it makes for it, in the function's order.
pub struct Plan {
    pub status: u16,
    /// A body of the length the function answered with.
    pub body: String,
    pub calls: Vec<Call>,
}

pub enum Call {
    GetItem {
        table: String,
        key: Item,
        consistent: Option<bool>,
        capacity: Option<ReturnConsumedCapacity>,
    },
    TransactWriteItems {
        items: Vec<TransactWriteItem>,
        capacity: Option<ReturnConsumedCapacity>,
    },
    Query {
        table: String,
        index: Option<String>,
        condition: Option<String>,
        names: Option<HashMap<String, String>>,
        values: Option<Item>,
        forward: Option<bool>,
        limit: Option<i32>,
        start: Option<Item>,
        capacity: Option<ReturnConsumedCapacity>,
    },
    BatchGetItem {
        requests: HashMap<String, KeysAndAttributes>,
        capacity: Option<ReturnConsumedCapacity>,
    },
}

impl Plan {
    /// `{"status": 201, "body_bytes": 1234, "calls": [{"operation": "GetItem", "request": {..}}]}`
    pub fn parse(text: &str) -> Result<Self, Error> {
        let plan: Value = serde_json::from_str(text)?;
        let status = plan["status"].as_u64().ok_or("the plan has no status")?;
        let body_bytes = plan["body_bytes"]
            .as_u64()
            .ok_or("the plan has no body_bytes")?;
        let calls = plan["calls"]
            .as_array()
            .ok_or("the plan has no calls")?
            .iter()
            .map(|call| {
                let operation = call["operation"]
                    .as_str()
                    .ok_or("a call has no operation")?;
                Call::parse(operation, object(&call["request"])?)
            })
            .collect::<Result<_, Error>>()?;
        Ok(Self {
            status: u16::try_from(status)?,
            body: body(usize::try_from(body_bytes)?),
            calls,
        })
    }
}

/// A JSON string of `len` bytes.
fn body(len: usize) -> String {
    match len {
        0 => String::new(),
        1 => "0".to_owned(),
        n => format!("\"{}\"", "x".repeat(n - 2)),
    }
}

impl Call {
    pub fn is_query(&self) -> bool {
        matches!(self, Call::Query { .. })
    }

    fn parse(operation: &str, request: &Map<String, Value>) -> Result<Self, Error> {
        let mut fields = Fields::new(operation, request);
        let call = match operation {
            "GetItem" => Call::GetItem {
                table: fields
                    .string("TableName")?
                    .ok_or("GetItem without a table")?,
                key: fields.item("Key")?.ok_or("GetItem without a key")?,
                consistent: fields.boolean("ConsistentRead")?,
                capacity: fields.capacity()?,
            },
            "TransactWriteItems" => Call::TransactWriteItems {
                items: fields
                    .take("TransactItems")
                    .and_then(Value::as_array)
                    .ok_or("TransactWriteItems without items")?
                    .iter()
                    .map(transact_item)
                    .collect::<Result<_, _>>()?,
                capacity: fields.capacity()?,
            },
            "Query" => Call::Query {
                table: fields.string("TableName")?.ok_or("Query without a table")?,
                index: fields.string("IndexName")?,
                condition: fields.string("KeyConditionExpression")?,
                names: fields.names()?,
                values: fields.item("ExpressionAttributeValues")?,
                forward: fields.boolean("ScanIndexForward")?,
                limit: fields
                    .take("Limit")
                    .map(|v| v.as_i64().ok_or("Limit is not a number"))
                    .transpose()?
                    .map(i32::try_from)
                    .transpose()?,
                start: fields.item("ExclusiveStartKey")?,
                capacity: fields.capacity()?,
            },
            "BatchGetItem" => Call::BatchGetItem {
                requests: object(
                    fields
                        .take("RequestItems")
                        .ok_or("BatchGetItem without items")?,
                )?
                .iter()
                .map(|(table, wanted)| Ok((table.clone(), keys_and_attributes(wanted)?)))
                .collect::<Result<_, Error>>()?,
                capacity: fields.capacity()?,
            },
            other => return Err(format!("the floor does not replay {other}").into()),
        };
        fields.all_used()?;
        Ok(call)
    }
}

/// The members every kind of transaction item has, set on its builder.
macro_rules! conditional {
    ($builder:expr, $f:ident) => {
        $builder
            .set_table_name($f.string("TableName")?)
            .set_condition_expression($f.string("ConditionExpression")?)
            .set_expression_attribute_names($f.names()?)
            .set_expression_attribute_values($f.item("ExpressionAttributeValues")?)
            .set_return_values_on_condition_check_failure(
                $f.string("ReturnValuesOnConditionCheckFailure")?
                    .map(|v| ReturnValuesOnConditionCheckFailure::from(v.as_str())),
            )
    };
}

fn transact_item(entry: &Value) -> Result<TransactWriteItem, Error> {
    let (kind, body) = single(entry)?;
    let mut f = Fields::new(kind, object(body)?);
    let item = TransactWriteItem::builder();
    let item = match kind {
        "Put" => item.put(conditional!(Put::builder().set_item(f.item("Item")?), f).build()?),
        "Delete" => {
            item.delete(conditional!(Delete::builder().set_key(f.item("Key")?), f).build()?)
        }
        "Update" => item.update(
            conditional!(
                Update::builder()
                    .set_key(f.item("Key")?)
                    .set_update_expression(f.string("UpdateExpression")?),
                f
            )
            .build()?,
        ),
        "ConditionCheck" => item.condition_check(
            conditional!(ConditionCheck::builder().set_key(f.item("Key")?), f).build()?,
        ),
        other => return Err(format!("unknown transaction item {other}").into()),
    };
    f.all_used()?;
    Ok(item.build())
}

fn keys_and_attributes(wanted: &Value) -> Result<KeysAndAttributes, Error> {
    let mut f = Fields::new("RequestItems", object(wanted)?);
    let keys = f
        .take("Keys")
        .and_then(Value::as_array)
        .ok_or("RequestItems without keys")?
        .iter()
        .map(item)
        .collect::<Result<Vec<_>, _>>()?;
    let built = KeysAndAttributes::builder()
        .set_keys(Some(keys))
        .set_consistent_read(f.boolean("ConsistentRead")?)
        .set_projection_expression(f.string("ProjectionExpression")?)
        .set_expression_attribute_names(f.names()?)
        .build()?;
    f.all_used()?;
    Ok(built)
}

/// A request's members, each taken once; what is left at the end was not understood.
struct Fields<'a> {
    context: &'a str,
    left: Map<String, Value>,
    request: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn new(context: &'a str, request: &'a Map<String, Value>) -> Self {
        Self {
            context,
            left: request.clone(),
            request,
        }
    }

    fn take(&mut self, name: &str) -> Option<&'a Value> {
        self.left.remove(name);
        self.request.get(name)
    }

    fn string(&mut self, name: &str) -> Result<Option<String>, Error> {
        self.take(name)
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| not(name, "a string"))
            })
            .transpose()
    }

    fn boolean(&mut self, name: &str) -> Result<Option<bool>, Error> {
        self.take(name)
            .map(|v| v.as_bool().ok_or_else(|| not(name, "a boolean")))
            .transpose()
    }

    fn item(&mut self, name: &str) -> Result<Option<Item>, Error> {
        self.take(name).map(item).transpose()
    }

    fn names(&mut self) -> Result<Option<HashMap<String, String>>, Error> {
        self.take("ExpressionAttributeNames")
            .map(|names| {
                object(names)?
                    .iter()
                    .map(|(k, v)| {
                        let v = v.as_str().ok_or_else(|| not(k, "a string"))?;
                        Ok((k.clone(), v.to_owned()))
                    })
                    .collect()
            })
            .transpose()
    }

    fn capacity(&mut self) -> Result<Option<ReturnConsumedCapacity>, Error> {
        Ok(self
            .string("ReturnConsumedCapacity")?
            .map(|v| ReturnConsumedCapacity::from(v.as_str())))
    }

    fn all_used(self) -> Result<(), Error> {
        match self.left.keys().next() {
            None => Ok(()),
            Some(name) => Err(format!("{}: the floor does not replay {name}", self.context).into()),
        }
    }
}

fn item(value: &Value) -> Result<Item, Error> {
    object(value)?
        .iter()
        .map(|(name, value)| Ok((name.clone(), attribute(value)?)))
        .collect()
}

/// DynamoDB's JSON form of one attribute value (`{"S": "..."}`, `{"M": {...}}`, ...).
fn attribute(value: &Value) -> Result<AttributeValue, Error> {
    let (kind, inner) = single(value)?;
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| not(kind, "a string"))
    };
    let texts = |v: &Value| -> Result<Vec<String>, Error> {
        v.as_array()
            .ok_or_else(|| not(kind, "a list"))?
            .iter()
            .map(text)
            .collect()
    };
    let blob = |v: &Value| -> Result<Blob, Error> {
        Ok(Blob::new(
            base64::engine::general_purpose::STANDARD.decode(text(v)?)?,
        ))
    };
    Ok(match kind {
        "S" => AttributeValue::S(text(inner)?),
        "N" => AttributeValue::N(text(inner)?),
        "B" => AttributeValue::B(blob(inner)?),
        "BOOL" => AttributeValue::Bool(inner.as_bool().ok_or_else(|| not(kind, "a boolean"))?),
        "NULL" => AttributeValue::Null(true),
        "SS" => AttributeValue::Ss(texts(inner)?),
        "NS" => AttributeValue::Ns(texts(inner)?),
        "BS" => AttributeValue::Bs(
            inner
                .as_array()
                .ok_or_else(|| not(kind, "a list"))?
                .iter()
                .map(blob)
                .collect::<Result<_, _>>()?,
        ),
        "M" => AttributeValue::M(item(inner)?),
        "L" => AttributeValue::L(
            inner
                .as_array()
                .ok_or_else(|| not(kind, "a list"))?
                .iter()
                .map(attribute)
                .collect::<Result<_, _>>()?,
        ),
        other => return Err(format!("unknown attribute type {other}").into()),
    })
}

fn object(value: &Value) -> Result<&Map<String, Value>, Error> {
    value.as_object().ok_or_else(|| "expected an object".into())
}

/// The one member of a tagged object (`{"Put": {...}}`, `{"S": "..."}`).
fn single(value: &Value) -> Result<(&str, &Value), Error> {
    let map = object(value)?;
    match (map.iter().next(), map.len()) {
        (Some((kind, inner)), 1) => Ok((kind.as_str(), inner)),
        _ => Err("expected an object of one member".into()),
    }
}

fn not(name: &str, what: &str) -> Error {
    format!("{name} is not {what}").into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_transaction_becomes_the_same_items() {
        let plan = Plan::parse(
            r##"{"status": 201, "body_bytes": 12, "calls": [{"operation": "TransactWriteItems",
              "request": {"ReturnConsumedCapacity": "TOTAL", "TransactItems": [
                {"Put": {"TableName": "t", "ConditionExpression": "attribute_not_exists(pk)",
                         "Item": {"pk": {"S": "a"}, "n": {"N": "1"}, "m": {"M": {"l": {"L": [{"BOOL": true}, {"NULL": true}]}}}}}},
                {"Delete": {"TableName": "t", "Key": {"pk": {"S": "b"}, "sk": {"S": "c"}}}}]}}]}"##,
        )
        .unwrap();
        assert_eq!((plan.status, plan.body.len()), (201, 12));
        let Call::TransactWriteItems { items, capacity } = &plan.calls[0] else {
            panic!("not a transaction");
        };
        assert_eq!(capacity, &Some(ReturnConsumedCapacity::Total));
        let put = items[0].put().unwrap();
        assert_eq!(put.item()["n"], AttributeValue::N("1".into()));
        assert_eq!(
            put.item()["m"],
            AttributeValue::M(HashMap::from([(
                "l".to_owned(),
                AttributeValue::L(vec![AttributeValue::Bool(true), AttributeValue::Null(true)])
            )]))
        );
        assert_eq!(items[1].delete().unwrap().key().len(), 2);
    }

    #[test]
    fn a_member_the_floor_would_not_send_is_refused() {
        for request in [
            r#"{"TableName": "t", "Key": {"pk": {"S": "a"}}, "ProjectionExpression": "pk"}"#,
            r#"{"TableName": "t", "Key": {"pk": {"SX": "a"}}}"#,
        ] {
            let request: Value = serde_json::from_str(request).unwrap();
            assert!(Call::parse("GetItem", request.as_object().unwrap()).is_err());
        }
        assert!(Call::parse("Scan", &Map::new()).is_err());
    }
}
