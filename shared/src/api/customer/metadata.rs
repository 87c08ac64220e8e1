//! Custom fields: a flat map of the tenant's own keys.

use crate::api::object::Object;
use crate::api::Report;
use crate::domain::{
    Metadata, MetadataError, MetadataKey, MetadataNumber, MetadataValue, MAX_METADATA_KEYS,
};
use serde_json::{Number, Value};
use std::collections::BTreeMap;

pub(super) fn parse_metadata(obj: &Object, r: &mut Report) -> Option<Metadata> {
    let map = obj.object("metadata", r)?;
    let at = obj.at("metadata");
    let mut entries = BTreeMap::new();
    let mut complete = true;
    for (key, value) in map {
        // Built for an error only: most custom fields are valid.
        let key_at = || at.key(key);
        let parsed_key = MetadataKey::parse(key).map_err(|e| r.violation(&key_at(), &e));
        let parsed_value = metadata_value(value).map_err(|e| r.violation(&key_at(), &e));
        match (parsed_key, parsed_value) {
            (Ok(k), Ok(v)) => {
                entries.insert(k, v);
            }
            _ => complete = false,
        }
    }
    if map.len() > MAX_METADATA_KEYS {
        r.violation(&at, &MetadataError::TooManyKeys);
        return None;
    }
    if !complete {
        return None;
    }
    r.check(&at, Metadata::new(entries))
}

/// A custom field's JSON value: a boolean, a number or a string; nothing nested.
pub(crate) fn metadata_value(value: &Value) -> Result<MetadataValue, MetadataError> {
    match value {
        Value::Bool(flag) => Ok(MetadataValue::Bool(*flag)),
        Value::Number(number) => metadata_number(number).map(MetadataValue::Number),
        Value::String(text) => MetadataValue::text(text),
        _ => Err(MetadataError::InvalidValue),
    }
}

/// Integers of 64 bits are kept whatever their size; anything else is a decimal.
fn metadata_number(number: &Number) -> Result<MetadataNumber, MetadataError> {
    match (number.as_u64(), number.as_i64(), number.as_f64()) {
        (Some(unsigned), _, _) => Ok(MetadataNumber::unsigned(unsigned)),
        (_, Some(signed), _) => Ok(MetadataNumber::signed(signed)),
        (_, _, Some(decimal)) => MetadataNumber::decimal(decimal),
        _ => Err(MetadataError::NumberOutOfRange),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::metadata_value;
    use crate::domain::{MetadataError, MetadataNumber, MetadataValue, NumberKind, TextError};

    #[test]
    fn values() {
        assert_eq!(metadata_value(&json!(true)), Ok(MetadataValue::Bool(true)));
        assert!(metadata_value(&json!(12.5)).is_ok());
        assert!(metadata_value(&json!("x".repeat(500))).is_ok());
        assert_eq!(
            metadata_value(&json!("x".repeat(501))),
            Err(MetadataError::StringTooLong)
        );
        for bad in [json!(null), json!([1]), json!({"a": 1})] {
            assert_eq!(metadata_value(&bad), Err(MetadataError::InvalidValue));
        }
    }

    #[test]
    fn strings_are_composed_and_visible() {
        assert_eq!(
            metadata_value(&json!("  Cafe\u{301}\nline two ")),
            Ok(MetadataValue::String("  Caf\u{E9}\nline two ".into()))
        );
        assert_eq!(
            metadata_value(&json!("gold\u{202E}")),
            Err(MetadataError::Text(TextError::InvalidCharacter('\u{202E}')))
        );
    }

    /// Found by the contract test: numbers DynamoDB cannot keep as written made a create fail
    /// with a 500.
    #[test]
    fn numbers_are_those_dynamodb_can_store() {
        for fine in [
            json!(0),
            json!(0.0),
            json!(-5),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1e-130),
            json!(-9.9e37),
        ] {
            assert!(metadata_value(&fine).is_ok(), "{fine}");
        }
        for bad in [
            json!(4.878482038107299e-176),
            json!(-1e-131),
            json!(1e38),
            json!(9.9e125),
            json!(f64::MAX),
        ] {
            assert_eq!(
                metadata_value(&bad),
                Err(MetadataError::NumberOutOfRange),
                "{bad}"
            );
        }
    }

    #[test]
    fn whole_numbers_are_integers() {
        for (sent, kept) in [
            (json!(100.0), NumberKind::Unsigned(100)),
            (json!(-0.0), NumberKind::Unsigned(0)),
            (
                json!(1e19),
                NumberKind::Unsigned(10_000_000_000_000_000_000),
            ),
            (json!(i64::MIN as f64), NumberKind::Negative(i64::MIN)),
            (json!(1.5), NumberKind::Decimal(1.5)),
            (json!(7), NumberKind::Unsigned(7)),
            (json!(-7), NumberKind::Negative(-7)),
        ] {
            let Ok(MetadataValue::Number(number)) = metadata_value(&sent) else {
                panic!("{sent}");
            };
            assert_eq!(number.kind(), kept, "{sent}");
        }
        assert_eq!(
            metadata_value(&json!(7)),
            Ok(MetadataValue::Number(MetadataNumber::unsigned(7)))
        );
    }

    #[test]
    fn metadata_rules() {
        let c = ok(with(
            json!({"metadata": {"tier": "gold", "points": 120, "vip": true}}),
        ));
        assert_eq!(c.metadata.len(), 3);
        let many: Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!(1))).collect();
        assert_eq!(
            errors(with(json!({"metadata": many}))),
            error("/metadata", "too_many_keys")
        );
        assert_eq!(
            errors(with(
                json!({"metadata": {"bad key": 1, "nested": {"a": 1}, "long": "x".repeat(501)}})
            ),),
            vec![
                ("/metadata/bad key".to_owned(), "invalid_key"),
                ("/metadata/long".to_owned(), "too_long"),
                ("/metadata/nested".to_owned(), "invalid_type"),
            ]
        );
        assert_eq!(
            errors(with(json!({"metadata": [1]}))),
            error("/metadata", "invalid_type")
        );
    }
}
