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

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

    /// See [`super::Text::restore`].
    pub(crate) fn restore(canonical: String) -> Self {
        Self(canonical)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Flat, typed values only: nested structures in custom fields are where schemas go to die,
/// and flat values can be indexed and exported later.
#[derive(Debug, Clone, PartialEq)]
pub enum MetadataValue {
    Bool(bool),
    Number(MetadataNumber),
    String(String),
}

impl MetadataValue {
    /// A string, kept as sent (not trimmed), but composed and free of what hides or reverses
    /// text, as every other text is.
    pub fn text(raw: &str) -> Result<Self, MetadataError> {
        let text = super::text::nfc(raw);
        if text.chars().count() > MAX_STRING_CHARS {
            return Err(MetadataError::StringTooLong);
        }
        super::text::check_characters(&text, true)?;
        Ok(Self::String(text.into_owned()))
    }
}

/// A number exactly as DynamoDB keeps it: an integer (any 64-bit one), or a decimal that is not
/// whole. Whole decimals are integers (`1e2` and `100.0` are `100`): DynamoDB keeps numbers, not
/// spellings, and reads a whole one back as an integer, so that is the form a create and every
/// later read show alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetadataNumber(NumberKind);

/// How a custom field's number is written out: an integer (negative or not, each one way only,
/// so that equal numbers compare equal), or a finite decimal that is not whole.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumberKind {
    Unsigned(u64),
    Negative(i64),
    Decimal(f64),
}

impl MetadataNumber {
    pub fn unsigned(value: u64) -> Self {
        Self(NumberKind::Unsigned(value))
    }

    pub fn signed(value: i64) -> Self {
        Self(u64::try_from(value).map_or(NumberKind::Negative(value), NumberKind::Unsigned))
    }

    /// A decimal DynamoDB can keep exactly as written: zero, or a magnitude from 1e-130 (the
    /// smallest it keeps) to below 1e38. A float is written out in positional form, and from
    /// 1e38 on that form has more than DynamoDB's 38 digits of precision.
    pub fn decimal(value: f64) -> Result<Self, MetadataError> {
        const TWO_TO_THE_63: f64 = 9_223_372_036_854_775_808.0;
        let magnitude = value.abs();
        if !(magnitude == 0.0 || (1e-130..1e38).contains(&magnitude)) {
            return Err(MetadataError::NumberOutOfRange);
        }
        // Exact conversions: a whole f64 in [-2^63, 2^63) fits an i64, in [0, 2^64) a u64.
        Ok(match value {
            v if v.fract() != 0.0 => Self(NumberKind::Decimal(v)),
            v if (-TWO_TO_THE_63..TWO_TO_THE_63).contains(&v) => Self::signed(v as i64),
            v if (0.0..2.0 * TWO_TO_THE_63).contains(&v) => Self::unsigned(v as u64),
            v => Self(NumberKind::Decimal(v)),
        })
    }

    /// A decimal kept earlier, taken back as it is (see [`super::Text::restore`]); `None` for
    /// what no decimal of ours ever was (not finite).
    pub(crate) fn restore_decimal(value: f64) -> Option<Self> {
        value
            .is_finite()
            .then_some(Self(NumberKind::Decimal(value)))
    }

    pub fn kind(&self) -> NumberKind {
        self.0
    }
}

/// A customer's custom fields: at most 50 validated keys with flat values.
#[derive(Debug, Clone, PartialEq, Default)]
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

    /// Custom fields as they were kept (see [`super::Text::restore`]).
    pub(crate) fn restore(entries: BTreeMap<MetadataKey, MetadataValue>) -> Self {
        Self(entries)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&MetadataKey, &MetadataValue)> {
        self.0.iter()
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

    /// Found by the contract test: numbers DynamoDB cannot keep as written made a create fail
    /// with a 500.
    #[test]
    fn numbers_are_those_dynamodb_can_keep_and_whole_ones_are_integers() {
        assert_eq!(MetadataNumber::signed(7), MetadataNumber::unsigned(7));
        assert_eq!(MetadataNumber::signed(-7).kind(), NumberKind::Negative(-7));
        for (sent, kept) in [
            (100.0, NumberKind::Unsigned(100)),
            (-0.0, NumberKind::Unsigned(0)),
            (1e19, NumberKind::Unsigned(10_000_000_000_000_000_000)),
            (i64::MIN as f64, NumberKind::Negative(i64::MIN)),
            (1.5, NumberKind::Decimal(1.5)),
            (1e-130, NumberKind::Decimal(1e-130)),
            (-9.9e37, NumberKind::Decimal(-9.9e37)),
        ] {
            assert_eq!(
                MetadataNumber::decimal(sent).map(|n| n.kind()),
                Ok(kept),
                "{sent}"
            );
        }
        assert_eq!(MetadataNumber::restore_decimal(f64::INFINITY), None);
        for bad in [
            4.878482038107299e-176,
            -1e-131,
            1e38,
            9.9e125,
            f64::MAX,
            f64::NAN,
        ] {
            assert_eq!(
                MetadataNumber::decimal(bad),
                Err(MetadataError::NumberOutOfRange),
                "{bad}"
            );
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
