use super::Text;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardNumberError {
    #[error("must be 1-32 letters and digits (spaces and dashes are ignored)")]
    Invalid,
}

impl super::Violation for CardNumberError {
    fn code(&self) -> &'static str {
        "invalid_format"
    }
}

/// The tenant's own id for the customer (its previous system's key), unique per tenant,
/// compared exactly as given (trimmed).
pub type ExternalId = Text<64, false>;

/// A loyalty card number, upper case without spaces or dashes: what is printed on a card and
/// what a cashier types are the same number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardNumber(String);

impl CardNumber {
    pub fn parse(raw: &str) -> Result<Self, CardNumberError> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok =
            (1..=32).contains(&compact.len()) && compact.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then_some(Self(compact)).ok_or(CardNumberError::Invalid)
    }

    /// See [`super::Text::restore`].
    pub(crate) fn restore(canonical: String) -> Self {
        Self(canonical)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::enums::vocabulary!(CardStatus {
    Active = "ACTIVE",
    Inactive = "INACTIVE",
    Suspended = "SUSPENDED",
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoyaltyCard {
    pub card_number: CardNumber,
    pub card_series_id: Option<Text<64, false>>,
    pub card_status: Option<CardStatus>,
}

/// Identifiers a customer is known by in loyalty systems; each is unique per tenant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identifiers {
    pub external_id: Option<ExternalId>,
    pub card: Option<LoyaltyCard>,
}

impl Identifiers {
    pub fn is_empty(&self) -> bool {
        self.external_id.is_none() && self.card.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Claim, SourceIdentifiers, UniqueField};

    #[test]
    fn card_numbers_ignore_spaces_dashes_and_case() {
        assert_eq!(
            CardNumber::parse("ab-1234 5678").unwrap().as_str(),
            "AB12345678"
        );
        for bad in ["", " - ", "12#4", &"1".repeat(33)] {
            assert!(CardNumber::parse(bad).is_err(), "{bad}");
        }
    }

    /// The claims of an account that lists `external_id` and `card_number`.
    fn claims(external_id: &str, card_number: &str) -> Vec<Claim> {
        SourceIdentifiers {
            external_id: Some(ExternalId::parse(external_id).unwrap()),
            card_number: Some(CardNumber::parse(card_number).unwrap()),
            ..SourceIdentifiers::default()
        }
        .claims()
    }

    #[test]
    fn spellings_of_one_external_id_and_card_number_are_one_claim_each() {
        let one = claims("caf\u{E9}-7", "AB12345678");
        assert_eq!(
            one,
            [
                Claim::new(UniqueField::ExternalId, "caf\u{E9}-7"),
                Claim::new(UniqueField::CardNumber, "AB12345678"),
            ]
        );
        for (external_id, card_number) in [
            ("  caf\u{E9}-7 ", "ab-1234 5678"),
            ("cafe\u{301}-7", "AB-1234-5678"),
            ("caf\u{E9}-7\u{A0}", " Ab 12345678 "),
        ] {
            assert_eq!(claims(external_id, card_number), one, "{external_id:?}");
        }
    }

    #[test]
    fn external_ids_are_case_sensitive() {
        // Another system's key, compared as that system wrote it: only spacing and Unicode
        // composition are not part of it.
        assert_ne!(claims("crm-7", "1"), claims("CRM-7", "1"));
    }

    #[test]
    fn card_status_vocabulary() {
        assert_eq!(
            CardStatus::parse("suspended").unwrap().as_str(),
            "SUSPENDED"
        );
        assert!(CardStatus::parse("LOST").is_err());
    }
}
