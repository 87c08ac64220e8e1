//! DynamoDB capacity from item sizes, by the rules of the DynamoDB Developer Guide ("DynamoDB
//! item sizes and formats", "Read/write capacity units"), applied to the exact items a function
//! sent. moto 5.2.5 returns no `ConsumedCapacity` for `TransactWriteItems`, so it is computed;
//! standard writes, which the bench's stub answers, are sized with the table's indexes (tables).

use anyhow::{bail, Context, Result};
use base64::Engine;
use serde_json::{Map, Value};

mod tables;

pub use tables::{Put, Tables};

/// A transactional write costs 2 WRU per started KB of each item; a strongly consistent
/// read 1 RRU per started 4 KB.
const WRITE_UNIT: usize = 1024;
const READ_UNIT: usize = 4096;

pub struct Transaction {
    /// Size in bytes of each item, in request order, and its kind (`Put`, `ConditionCheck`, ...).
    pub items: Vec<(String, usize)>,
}

impl Transaction {
    /// Sizes of the items of a `TransactWriteItems` request body. A `ConditionCheck` or
    /// `Update` item is sized by its key (the stored item is not in the request: the bench's
    /// creates have neither).
    pub fn of(request: &Value) -> Result<Self> {
        let mut items = Vec::new();
        for entry in request["TransactItems"]
            .as_array()
            .context("no TransactItems")?
        {
            let (kind, body) = entry
                .as_object()
                .and_then(|o| o.iter().next())
                .context("empty transaction entry")?;
            let attributes = body
                .get("Item")
                .or_else(|| body.get("Key"))
                .and_then(Value::as_object)
                .context("transaction entry without Item or Key")?;
            items.push((kind.clone(), item_size(attributes)?));
        }
        Ok(Self { items })
    }

    pub fn write_units(&self) -> usize {
        self.items
            .iter()
            .map(|(_, size)| 2 * size.div_ceil(WRITE_UNIT))
            .sum()
    }

    pub fn largest_item(&self) -> usize {
        self.items.iter().map(|(_, size)| *size).max().unwrap_or(0)
    }
}

/// Read units of a strongly consistent read of an item of `size` bytes (half for an
/// eventually consistent one).
pub fn read_units(size: usize, consistent: bool) -> f64 {
    let units = size.div_ceil(READ_UNIT) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

/// Read units of `GetItem` exchanges (request, answer). A read that finds nothing is charged
/// its minimum, as DynamoDB charges it.
pub fn get_item_units(exchanges: &[(Value, Value)]) -> Result<f64> {
    let mut units = 0.0;
    for (request, answer) in exchanges {
        let consistent = request["ConsistentRead"].as_bool().unwrap_or(false);
        let size = match answer["Item"].as_object() {
            Some(item) => item_size(item)?,
            None => 1,
        };
        units += read_units(size, consistent);
    }
    Ok(units)
}

/// An item's size: each attribute's name plus its value.
pub fn item_size(attributes: &Map<String, Value>) -> Result<usize> {
    attributes
        .iter()
        .map(|(name, value)| Ok(name.len() + value_size(value)?))
        .sum()
}

fn value_size(value: &Value) -> Result<usize> {
    let (kind, inner) = value
        .as_object()
        .and_then(|o| o.iter().next())
        .context("an attribute value must be a one-key object")?;
    Ok(match (kind.as_str(), inner) {
        ("S", Value::String(s)) => s.len(),
        ("N", Value::String(n)) => number_size(n),
        ("B", Value::String(b)) => binary_size(b)?,
        ("BOOL", _) | ("NULL", _) => 1,
        ("SS", Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::len).sum(),
        ("NS", Value::Array(a)) => a.iter().filter_map(Value::as_str).map(number_size).sum(),
        ("BS", Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(binary_size)
            .sum::<Result<usize>>()?,
        // 3 bytes for the container, 1 per element, plus the elements.
        ("L", Value::Array(elements)) => {
            3 + elements
                .iter()
                .map(|e| Ok(1 + value_size(e)?))
                .sum::<Result<usize>>()?
        }
        ("M", Value::Object(members)) => {
            3 + members
                .iter()
                .map(|(name, e)| Ok(1 + name.len() + value_size(e)?))
                .sum::<Result<usize>>()?
        }
        (other, _) => bail!("unknown attribute type {other}"),
    })
}

/// One byte per two significant digits, plus one; leading and trailing zeros do not count.
fn number_size(number: &str) -> usize {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.div_ceil(2) + 1
}

fn binary_size(encoded: &str) -> Result<usize> {
    Ok(base64::engine::general_purpose::STANDARD
        .decode(encoded)?
        .len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_follow_the_developer_guide() {
        let item = json!({
            "pk": {"S": "abc"},
            "n": {"N": "12300"},
            "ok": {"BOOL": true},
            "tags": {"L": [{"S": "ab"}, {"S": "c"}]},
            "m": {"M": {"k": {"S": "v"}}}
        });
        // pk 2+3, n 1+(3 digits -> 2)+1, ok 2+1, tags 4+3+(1+2)+(1+1), m 1+3+(1+1+1)
        let expected = 5 + 4 + 3 + 12 + 7;
        assert_eq!(item_size(item.as_object().unwrap()).unwrap(), expected);
    }

    #[test]
    fn each_started_kilobyte_costs_two_write_units_in_a_transaction() {
        let small = json!({"TransactItems": [
            {"Put": {"Item": {"pk": {"S": "x".repeat(1000)}}}},
            {"Put": {"Item": {"pk": {"S": "x".repeat(1100)}}}}
        ]});
        assert_eq!(Transaction::of(&small).unwrap().write_units(), 2 + 4);
        assert_eq!(read_units(4096, true), 1.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(100, false), 0.5);
    }
}
