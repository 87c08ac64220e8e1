use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacters,
}

impl super::Violation for TextError {
    fn code(&self) -> &'static str {
        match self {
            TextError::Empty => "empty",
            TextError::TooLong { .. } => "too_long",
            TextError::ControlCharacters => "invalid_characters",
        }
    }
}

/// Trimmed text of 1..=MAX characters (Unicode scalar values, which is what users count, not bytes).
/// `MULTILINE` allows line breaks and tabs (notes); single-line fields reject every control character
/// because they end up in CSV exports, emails and shipping labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Stored values were parsed before they were written; re-checking them on read would turn a
// rule change into unreadable customers.
#[serde(transparent)]
pub struct Text<const MAX: usize, const MULTILINE: bool>(String);

impl<const MAX: usize, const MULTILINE: bool> Text<MAX, MULTILINE> {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(TextError::Empty);
        }
        if trimmed.chars().count() > MAX {
            return Err(TextError::TooLong { max: MAX });
        }
        let allowed_control = |c: char| MULTILINE && matches!(c, '\n' | '\r' | '\t');
        if trimmed
            .chars()
            .any(|c| c.is_control() && !allowed_control(c))
        {
            return Err(TextError::ControlCharacters);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize, const MULTILINE: bool> fmt::Display for Text<MAX, MULTILINE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type PersonName = Text<100, false>;
pub type AddressLine = Text<200, false>;
pub type PlaceName = Text<100, false>;
pub type Company = Text<64, false>;
pub type Notes = Text<2000, true>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_counts_characters_not_bytes() {
        let name = PersonName::parse("  José  ").unwrap();
        assert_eq!(name.as_str(), "José");
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            PersonName::parse(&"é".repeat(101)),
            Err(TextError::TooLong { max: 100 })
        );
    }

    #[test]
    fn blank_is_empty() {
        assert_eq!(PersonName::parse("   "), Err(TextError::Empty));
    }

    #[test]
    fn control_characters_only_in_multiline_text() {
        assert_eq!(PersonName::parse("a\nb"), Err(TextError::ControlCharacters));
        assert!(Notes::parse("line one\nline two\tend").is_ok());
        assert_eq!(Notes::parse("bell\u{7}"), Err(TextError::ControlCharacters));
    }
}
