//! The parts of a customer item: its addresses, custom fields, identifiers, identity
//! document and source accounts, each as the table holds it (layout 1).

use super::Str;
use crate::domain::{
    Address, CardNumber, CardStatus, CountryCode, DocumentRecord, DocumentType, Email, Identifiers,
    LoyaltyCard, MetadataNumber, MetadataValue, Mobile, NumberKind, Phone, Source, SourceAccount,
    SourceIdentifiers, Text, Verification, VerificationReason, VerificationStatus, Zipcode,
};
use crate::store::items::{iso_date, unreadable};
use crate::use_cases::ports::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::Number;
use time::{Date, OffsetDateTime};

#[derive(Serialize, Deserialize)]
pub(super) struct AddressItem<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_name: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_name: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone: Option<Str<'a>>,
    line1: Str<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line2: Option<Str<'a>>,
    city: Str<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zipcode: Option<Str<'a>>,
    country: Str<'a>,
    is_default: bool,
}

/// A custom field's value: DynamoDB's own types, a number kept with every digit (written as
/// an integer or a decimal, read back as what DynamoDB's number says).
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
pub(super) enum MetadataItem<'a> {
    Bool(bool),
    Number(Number),
    #[serde(skip_deserializing)]
    Decimal(f64),
    String(Str<'a>),
}

/// The loyalty identifiers, the card's attributes beside `external_id`.
#[derive(Serialize, Deserialize, Default)]
pub(super) struct IdentifiersItem<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    card_number: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    card_series_id: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    card_status: Option<Str<'a>>,
}

impl IdentifiersItem<'_> {
    pub(super) fn is_empty(&self) -> bool {
        self.external_id.is_none() && self.card_number.is_none()
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct DocumentItem<'a> {
    #[serde(rename = "type")]
    doc_type: Str<'a>,
    country: Str<'a>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "iso_date::option"
    )]
    expires_on: Option<Date>,
    number_last4: Str<'a>,
    verification: VerificationItem<'a>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct VerificationItem<'a> {
    status: Str<'a>,
    reasons: Vec<Str<'a>>,
    #[serde(with = "time::serde::rfc3339")]
    checked_at: OffsetDateTime,
}

#[derive(Serialize, Deserialize)]
pub(super) struct SourceItem<'a> {
    source: Str<'a>,
    identifiers: SourceIdentifiersItem<'a>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

#[derive(Serialize, Deserialize)]
pub(super) struct SourceIdentifiersItem<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mobile: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    card_number: Option<Str<'a>>,
}

impl<'a> AddressItem<'a> {
    pub(super) fn new(address: &'a Address) -> Self {
        Self {
            first_name: address.first_name.as_ref().map(|name| name.as_str().into()),
            last_name: address.last_name.as_ref().map(|name| name.as_str().into()),
            phone: address.phone.as_ref().map(|phone| phone.as_str().into()),
            line1: address.line1.as_str().into(),
            line2: address.line2.as_ref().map(|line| line.as_str().into()),
            city: address.city.as_str().into(),
            state: address.state.as_ref().map(|state| state.as_str().into()),
            zipcode: address
                .zipcode
                .as_ref()
                .map(|zipcode| zipcode.as_str().into()),
            country: address.country.alpha2().into(),
            is_default: address.is_default,
        }
    }

    pub(super) fn into_address(self) -> Result<Address, StoreError> {
        Ok(Address {
            first_name: self.first_name.map(text),
            last_name: self.last_name.map(text),
            phone: self.phone.map(|phone| Phone::restore(phone.into_owned())),
            line1: text(self.line1),
            line2: self.line2.map(text),
            city: text(self.city),
            state: self.state.map(text),
            zipcode: self
                .zipcode
                .map(|zipcode| Zipcode::restore(zipcode.into_owned())),
            country: country(&self.country)?,
            is_default: self.is_default,
        })
    }
}

impl<'a> MetadataItem<'a> {
    pub(super) fn new(value: &'a MetadataValue) -> Self {
        match value {
            MetadataValue::Bool(flag) => Self::Bool(*flag),
            MetadataValue::String(text) => Self::String(text.as_str().into()),
            MetadataValue::Number(number) => match number.kind() {
                NumberKind::Unsigned(number) => Self::Number(number.into()),
                NumberKind::Negative(number) => Self::Number(number.into()),
                NumberKind::Decimal(number) => Self::Decimal(number),
            },
        }
    }

    pub(super) fn into_value(self) -> Result<MetadataValue, StoreError> {
        let number = match self {
            Self::Bool(flag) => return Ok(MetadataValue::Bool(flag)),
            Self::String(text) => return Ok(MetadataValue::String(text.into_owned())),
            Self::Decimal(decimal) => MetadataNumber::restore_decimal(decimal),
            Self::Number(number) => match (number.as_u64(), number.as_i64(), number.as_f64()) {
                (Some(unsigned), _, _) => Some(MetadataNumber::unsigned(unsigned)),
                (_, Some(signed), _) => Some(MetadataNumber::signed(signed)),
                (_, _, decimal) => decimal.and_then(MetadataNumber::restore_decimal),
            },
        };
        number
            .map(MetadataValue::Number)
            .ok_or_else(|| unreadable("custom field number"))
    }
}

impl<'a> IdentifiersItem<'a> {
    pub(super) fn new(identifiers: &'a Identifiers) -> Self {
        let card = identifiers.card.as_ref();
        Self {
            external_id: identifiers
                .external_id
                .as_ref()
                .map(|id| id.as_str().into()),
            card_number: card.map(|card| card.card_number.as_str().into()),
            card_series_id: card
                .and_then(|card| card.card_series_id.as_ref())
                .map(|series| series.as_str().into()),
            card_status: card
                .and_then(|card| card.card_status)
                .map(|status| status.as_str().into()),
        }
    }

    pub(super) fn into_identifiers(self) -> Result<Identifiers, StoreError> {
        let card = match self.card_number {
            None => None,
            Some(number) => Some(LoyaltyCard {
                card_number: CardNumber::restore(number.into_owned()),
                card_series_id: self.card_series_id.map(text),
                card_status: self
                    .card_status
                    .as_deref()
                    .map(|status| known(CardStatus::parse(status), "card status"))
                    .transpose()?,
            }),
        };
        Ok(Identifiers {
            external_id: self.external_id.map(text),
            card,
        })
    }
}

impl<'a> DocumentItem<'a> {
    pub(super) fn new(record: &'a DocumentRecord) -> Self {
        let verification = &record.verification;
        Self {
            doc_type: record.doc_type.as_str().into(),
            country: record.country.alpha2().into(),
            expires_on: record.expires_on,
            number_last4: record.number_last4.as_str().into(),
            verification: VerificationItem {
                status: verification.status.as_str().into(),
                reasons: verification
                    .reasons
                    .iter()
                    .map(|r| r.as_str().into())
                    .collect(),
                checked_at: verification.checked_at,
            },
        }
    }

    pub(super) fn into_record(self) -> Result<DocumentRecord, StoreError> {
        let verification = self.verification;
        let reasons = verification
            .reasons
            .iter()
            .map(|reason| {
                VerificationReason::from_name(reason)
                    .ok_or_else(|| unreadable("verification reason"))
            })
            .collect::<Result<_, _>>()?;
        Ok(DocumentRecord {
            doc_type: known(DocumentType::parse(&self.doc_type), "document type")?,
            country: country(&self.country)?,
            expires_on: self.expires_on,
            number_last4: self.number_last4.into_owned(),
            verification: Verification {
                status: VerificationStatus::from_name(&verification.status)
                    .ok_or_else(|| unreadable("verification status"))?,
                reasons,
                checked_at: verification.checked_at,
            },
        })
    }
}

impl<'a> SourceItem<'a> {
    pub(super) fn new(account: &'a SourceAccount) -> Self {
        let identifiers = &account.identifiers;
        Self {
            source: account.source.as_str().into(),
            identifiers: SourceIdentifiersItem {
                email: identifiers
                    .email
                    .as_ref()
                    .map(|email| email.as_str().into()),
                mobile: identifiers
                    .mobile
                    .as_ref()
                    .map(|mobile| mobile.as_str().into()),
                external_id: identifiers
                    .external_id
                    .as_ref()
                    .map(|id| id.as_str().into()),
                card_number: identifiers
                    .card_number
                    .as_ref()
                    .map(|card| card.as_str().into()),
            },
            created_at: account.created_at,
        }
    }

    pub(super) fn into_account(self) -> Result<SourceAccount, StoreError> {
        let identifiers = self.identifiers;
        Ok(SourceAccount {
            source: known(Source::parse(&self.source), "source")?,
            identifiers: SourceIdentifiers {
                email: identifiers
                    .email
                    .map(|email| Email::restore(email.into_owned())),
                mobile: identifiers
                    .mobile
                    .map(|mobile| Mobile::restore(mobile.into_owned())),
                external_id: identifiers.external_id.map(text),
                card_number: identifiers
                    .card_number
                    .map(|card| CardNumber::restore(card.into_owned())),
            },
            created_at: self.created_at,
        })
    }
}

pub(super) fn text<const MAX: usize, const MULTILINE: bool>(
    stored: Str<'_>,
) -> Text<MAX, MULTILINE> {
    Text::restore(stored.into_owned())
}

pub(super) fn country(code: &str) -> Result<CountryCode, StoreError> {
    CountryCode::from_alpha2(code).ok_or_else(|| unreadable("country"))
}

pub(super) fn known<T, E>(parsed: Result<T, E>, attribute: &str) -> Result<T, StoreError> {
    parsed.map_err(|_| unreadable(attribute))
}
