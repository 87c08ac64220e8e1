use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetadataError {
    #[error("must have at most {MAX_KEYS} keys")]
    TooManyKeys,
    #[error("keys must be 1-{MAX_KEY_CHARS} characters of A-Z, a-z, 0-9, '_', '.', '-'")]
    InvalidKey,
    #[error("must be a string, a number or a boolean")]
    InvalidValue,
    #[error("strings must be at most {MAX_STRING_CHARS} characters")]
    StringTooLong,
    #[error("numbers must be 0 or between 1e-130 and 1e38 in magnitude")]
    NumberOutOfRange,
    #[error(transparent)]
    Text(#[from] super::TextError),
}

impl super::Violation for MetadataError {
    fn code(&self) -> &'static str {
        match self {
            MetadataError::TooManyKeys => "too_many_keys",
            MetadataError::InvalidKey => "invalid_key",
            MetadataError::InvalidValue => "invalid_type",
            MetadataError::StringTooLong => "too_long",
            MetadataError::NumberOutOfRange => "number_out_of_range",
            MetadataError::Text(e) => super::Violation::code(e),
        }
    }
}

pub const MAX_KEYS: usize = 50;
const MAX_KEY_CHARS: usize = 40;
const MAX_STRING_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MetadataKey(String);

impl MetadataKey {
    pub fn parse(raw: &str) -> Result<Self, MetadataError> {
        let ok = !raw.is_empty()
            && raw.len() <= MAX_KEY_CHARS
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        ok.then(|| Self(raw.to_owned()))
            .ok_or(MetadataError::InvalidKey)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Flat, typed values only: nested structures in custom fields are where schemas go to die,
/// and flat values can be indexed and exported later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetadataValue {
    Bool(bool),
    Number(serde_json::Number),
    String(String),
}

impl MetadataValue {
    pub fn parse(raw: &serde_json::Value) -> Result<Self, MetadataError> {
        match raw {
            serde_json::Value::Bool(b) => Ok(Self::Bool(*b)),
            serde_json::Value::Number(n) if !storable(n) => Err(MetadataError::NumberOutOfRange),
            serde_json::Value::Number(n) => Ok(Self::Number(canonical(n))),
            serde_json::Value::String(s) => {
                // Kept as sent (not trimmed), but composed and free of what hides or reverses
                // text, as every other text is.
                let s = super::text::nfc(s);
                if s.chars().count() > MAX_STRING_CHARS {
                    return Err(MetadataError::StringTooLong);
                }
                super::text::check_characters(&s, true)?;
                Ok(Self::String(s.into_owned()))
            }
            _ => Err(MetadataError::InvalidValue),
        }
    }
}

/// Whether the number is stored exactly as written: zero, or a magnitude from 1e-130 (the
/// smallest DynamoDB keeps) to below 1e38. A float is written out in positional form, and
/// from 1e38 on that form has more than DynamoDB's 38 digits of precision. 64-bit integers
/// always fit.
fn storable(number: &serde_json::Number) -> bool {
    if number.is_i64() || number.is_u64() {
        return true;
    }
    number
        .as_f64()
        .map(f64::abs)
        .is_some_and(|m| m == 0.0 || (1e-130..1e38).contains(&m))
}

/// A whole number as an integer (`1e2` and `100.0` are `100`): DynamoDB keeps numbers, not
/// spellings, and reads a whole one back as an integer, so this is the form that a create
/// and every later read show alike.
fn canonical(number: &serde_json::Number) -> serde_json::Number {
    const TWO_TO_THE_63: f64 = 9_223_372_036_854_775_808.0;
    match number.as_f64() {
        Some(f) if !number.is_f64() || f.fract() != 0.0 => number.clone(),
        // Exact conversions: a whole f64 in [-2^63, 2^63) fits an i64, in [0, 2^64) a u64.
        Some(f) if (-TWO_TO_THE_63..TWO_TO_THE_63).contains(&f) => (f as i64).into(),
        Some(f) if (0.0..2.0 * TWO_TO_THE_63).contains(&f) => (f as u64).into(),
        _ => number.clone(),
    }
}

/// A customer's custom fields: at most 50 validated keys with flat values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metadata(BTreeMap<MetadataKey, MetadataValue>);

impl Metadata {
    /// Entries are parsed one by one by the caller (so each bad one gets its own pointer); this
    /// only enforces the whole-map rule.
    pub fn new(entries: BTreeMap<MetadataKey, MetadataValue>) -> Result<Self, MetadataError> {
        if entries.len() > MAX_KEYS {
            return Err(MetadataError::TooManyKeys);
        }
        Ok(Self(entries))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn get(&self, key: &str) -> Option<&MetadataValue> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys() {
        assert!(MetadataKey::parse("loyalty.tier-2_x").is_ok());
        for bad in ["", "has space", "ñ", &"k".repeat(41)] {
            assert_eq!(
                MetadataKey::parse(bad),
                Err(MetadataError::InvalidKey),
                "{bad}"
            );
        }
    }

    #[test]
    fn values() {
        assert_eq!(
            MetadataValue::parse(&json!(true)),
            Ok(MetadataValue::Bool(true))
        );
        assert!(MetadataValue::parse(&json!(12.5)).is_ok());
        assert!(MetadataValue::parse(&json!("x".repeat(500))).is_ok());
        assert_eq!(
            MetadataValue::parse(&json!("x".repeat(501))),
            Err(MetadataError::StringTooLong)
        );
        for bad in [json!(null), json!([1]), json!({"a": 1})] {
            assert_eq!(MetadataValue::parse(&bad), Err(MetadataError::InvalidValue));
        }
    }

    #[test]
    fn strings_are_composed_and_visible() {
        assert_eq!(
            MetadataValue::parse(&json!("  Cafe\u{301}\nline two ")),
            Ok(MetadataValue::String("  Caf\u{E9}\nline two ".into()))
        );
        assert_eq!(
            MetadataValue::parse(&json!("gold\u{202E}")),
            Err(MetadataError::Text(
                crate::domain::TextError::InvalidCharacter('\u{202E}')
            ))
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
            json!(1e-130),
            json!(-9.9e37),
        ] {
            assert!(MetadataValue::parse(&fine).is_ok(), "{fine}");
        }
        for bad in [
            json!(4.878482038107299e-176),
            json!(-1e-131),
            json!(1e38),
            json!(9.9e125),
            json!(f64::MAX),
        ] {
            assert_eq!(
                MetadataValue::parse(&bad),
                Err(MetadataError::NumberOutOfRange),
                "{bad}"
            );
        }
    }

    #[test]
    fn whole_numbers_are_integers() {
        for (sent, kept) in [
            (json!(100.0), json!(100)),
            (json!(-0.0), json!(0)),
            (json!(1e19), json!(10_000_000_000_000_000_000_u64)),
            (json!(i64::MIN as f64), json!(i64::MIN)),
            (json!(1.5), json!(1.5)),
            (json!(7), json!(7)),
        ] {
            let Ok(MetadataValue::Number(n)) = MetadataValue::parse(&sent) else {
                panic!("{sent}");
            };
            assert_eq!(serde_json::Value::Number(n), kept, "{sent}");
        }
    }

    #[test]
    fn at_most_50_keys() {
        let entries = |n: usize| {
            (0..n)
                .map(|i| {
                    (
                        MetadataKey::parse(&format!("k{i}")).unwrap(),
                        MetadataValue::Bool(true),
                    )
                })
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(Metadata::new(entries(50)).unwrap().len(), 50);
        assert_eq!(Metadata::new(entries(51)), Err(MetadataError::TooManyKeys));
    }
}
