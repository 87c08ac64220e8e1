//! An identity document as a client sent it, parsed: what it says about itself and its images.
//! Only its summary is ever kept (`DocumentRecord`); checking it is `documents`' business.

use super::{CountryCode, DocumentImage, DocumentType, Violation};
use std::fmt;
use thiserror::Error;
use time::{Date, Month};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentError {
    #[error("must be 3-30 characters of letters, digits and dashes")]
    InvalidNumber,
    #[error("must be a date written YYYY-MM-DD, or MM/YY as printed on cards")]
    InvalidExpiry,
    #[error("the document has expired")]
    Expired,
}

impl Violation for DocumentError {
    fn code(&self) -> &'static str {
        match self {
            DocumentError::InvalidNumber => "invalid_format",
            DocumentError::InvalidExpiry => "invalid_date",
            DocumentError::Expired => "document_expired",
        }
    }
}

/// A document number in the form it is compared in: upper case, without dashes. It is never
/// stored or logged; only its last four characters and a keyed hash leave this type.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentNumber(String);

impl DocumentNumber {
    pub fn parse(raw: &str) -> Result<Self, DocumentError> {
        let raw = raw.trim();
        let ok = (3..=30).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let normalised: String = raw
            .chars()
            .filter(|c| *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if !ok || normalised.is_empty() {
            return Err(DocumentError::InvalidNumber);
        }
        Ok(Self(normalised))
    }

    pub fn last4(&self) -> String {
        let skip = self.0.len().saturating_sub(4);
        self.0[skip..].to_owned()
    }

    /// For the keyed hash and the pattern checks only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

/// Never print the number, not even by accident in a `{:?}`.
impl fmt::Debug for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentNumber(…{})", self.last4())
    }
}

/// `YYYY-MM-DD`, or `MM/YY` as printed on cards, meaning the last day of that month.
pub fn parse_expiry(raw: &str) -> Result<Date, DocumentError> {
    let raw = raw.trim();
    if let Some((month, year)) = raw.split_once('/') {
        let month: u8 = month.parse().map_err(|_| DocumentError::InvalidExpiry)?;
        let year: i32 = match year.len() {
            2 => {
                2000 + year
                    .parse::<i32>()
                    .map_err(|_| DocumentError::InvalidExpiry)?
            }
            4 => year.parse().map_err(|_| DocumentError::InvalidExpiry)?,
            _ => return Err(DocumentError::InvalidExpiry),
        };
        let month = Month::try_from(month).map_err(|_| DocumentError::InvalidExpiry)?;
        let last_day = month.length(year);
        return Date::from_calendar_date(year, month, last_day)
            .map_err(|_| DocumentError::InvalidExpiry);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if raw.len() != 10 {
        return Err(DocumentError::InvalidExpiry);
    }
    Date::parse(raw, &format).map_err(|_| DocumentError::InvalidExpiry)
}

/// What a document says about itself.
#[derive(Debug, Clone)]
pub struct DocumentFacts {
    pub doc_type: DocumentType,
    pub number: DocumentNumber,
    pub country: CountryCode,
    pub expires_on: Option<Date>,
}

/// An identity document as a client sent it, parsed: images decoded and sniffed.
#[derive(Debug, Clone)]
pub struct IdentityDocument {
    pub facts: DocumentFacts,
    pub front_image: DocumentImage,
    pub back_image: Option<DocumentImage>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn numbers_are_compared_upper_case_without_dashes() {
        let n = DocumentNumber::parse(" ab-123-cd ").unwrap();
        assert_eq!(n.expose(), "AB123CD");
        assert_eq!(n.last4(), "23CD");
        assert_eq!(format!("{n:?}"), "DocumentNumber(…23CD)");
        for bad in ["", "ab", "a b c d", "ab_123", &"1".repeat(31), "---"] {
            assert_eq!(
                DocumentNumber::parse(bad),
                Err(DocumentError::InvalidNumber),
                "{bad}"
            );
        }
    }

    #[test]
    fn expiry_accepts_iso_dates_and_card_months() {
        assert_eq!(parse_expiry("2031-06-15").unwrap(), date!(2031 - 06 - 15));
        assert_eq!(parse_expiry("04/24").unwrap(), date!(2024 - 04 - 30));
        assert_eq!(parse_expiry("02/28").unwrap(), date!(2028 - 02 - 29));
        assert_eq!(parse_expiry("12/2030").unwrap(), date!(2030 - 12 - 31));
        for bad in ["13/24", "00/24", "4/2", "2031-6-1", "soon", "2031-02-30"] {
            assert_eq!(
                parse_expiry(bad),
                Err(DocumentError::InvalidExpiry),
                "{bad}"
            );
        }
    }
}
