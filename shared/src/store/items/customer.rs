//! A customer item (layout 1): the customer's attributes at the top level, beside its keys, its
//! place in the tenant's listing and the claim value of its identity document.

use super::{iso_date, read_layout_1, unreadable, Item, LAYOUT};
use crate::domain::{
    Address, Addresses, Birthday, CardNumber, CardStatus, CountryCode, Customer, CustomerDetails,
    CustomerId, DocumentRecord, DocumentType, Email, Gender, GroupId, Identifiers, LoyaltyCard,
    Metadata, MetadataKey, MetadataNumber, MetadataValue, Mobile, Phone, Source, SourceAccount,
    SourceIdentifiers, Status, Subject, TenantId, Text, Verification, VerificationReason,
    VerificationStatus, Zipcode,
};
use crate::store::keys;
use crate::use_cases::ports::{StoreError, StoredCustomer};
use serde::{Deserialize, Serialize};
use serde_json::Number;
use std::borrow::Cow;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// Borrowed from the domain when written, owned when read.
type Str<'a> = Cow<'a, str>;

#[derive(Serialize, Deserialize)]
pub(crate) struct CustomerItem<'a> {
    pk: String,
    sk: String,
    gsi2pk: String,
    gsi2sk: String,
    entity: Str<'a>,
    tenant_id: Str<'a>,
    #[serde(default = "super::unmarked")]
    layout: u32,
    /// The identity document's claim value, kept so that a change or an erasure can release
    /// it; never part of the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    document_claim: Option<Str<'a>>,
    id: Str<'a>,
    first_name: Str<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_name: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mobile: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    country: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gender: Option<Str<'a>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "iso_date::option"
    )]
    birthday: Option<Date>,
    status: Str<'a>,
    #[serde(default)]
    addresses: Vec<AddressItem<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    company: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notes: Option<Str<'a>>,
    #[serde(default)]
    metadata: BTreeMap<Str<'a>, MetadataItem<'a>>,
    newsletter: bool,
    source: Str<'a>,
    #[serde(default, skip_serializing_if = "IdentifiersItem::is_empty")]
    identifiers: IdentifiersItem<'a>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identity_document: Option<DocumentItem<'a>>,
    #[serde(default)]
    sources: Vec<SourceItem<'a>>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    created_by: Str<'a>,
    version: u64,
}

#[derive(Serialize, Deserialize)]
struct AddressItem<'a> {
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

/// A custom field's value: DynamoDB's own types, a number kept with every digit.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum MetadataItem<'a> {
    Bool(bool),
    Number(Number),
    String(Str<'a>),
}

/// The loyalty identifiers, the card's attributes beside `external_id`.
#[derive(Serialize, Deserialize, Default)]
struct IdentifiersItem<'a> {
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
    fn is_empty(&self) -> bool {
        self.external_id.is_none() && self.card_number.is_none()
    }
}

#[derive(Serialize, Deserialize)]
struct DocumentItem<'a> {
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
struct VerificationItem<'a> {
    status: Str<'a>,
    reasons: Vec<Str<'a>>,
    #[serde(with = "time::serde::rfc3339")]
    checked_at: OffsetDateTime,
}

#[derive(Serialize, Deserialize)]
struct SourceItem<'a> {
    source: Str<'a>,
    identifiers: SourceIdentifiersItem<'a>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

#[derive(Serialize, Deserialize)]
struct SourceIdentifiersItem<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mobile: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    card_number: Option<Str<'a>>,
}

impl<'a> CustomerItem<'a> {
    pub(crate) fn new(tenant: &'a TenantId, stored: &'a StoredCustomer) -> Self {
        let customer = &stored.customer;
        let details = &customer.details;
        let key = keys::customer(tenant, customer.id);
        let created_millis = customer.created_at.unix_timestamp_nanos() / 1_000_000;
        let listing = keys::customer_listing(tenant, created_millis, customer.id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi2pk: listing.gsi2pk,
            gsi2sk: listing.gsi2sk,
            entity: "customer".into(),
            tenant_id: tenant.as_str().into(),
            layout: LAYOUT,
            document_claim: stored.document_claim.as_deref().map(Cow::Borrowed),
            id: customer.id.to_string().into(),
            first_name: details.first_name.as_str().into(),
            last_name: details.last_name.as_ref().map(|name| name.as_str().into()),
            email: details.email.as_ref().map(|email| email.as_str().into()),
            mobile: details.mobile.as_ref().map(|mobile| mobile.as_str().into()),
            country: details.country.map(|country| country.alpha2().into()),
            gender: details.gender.map(|gender| gender.as_str().into()),
            birthday: details.birthday.map(|birthday| birthday.date()),
            status: details.status.as_str().into(),
            addresses: details
                .addresses
                .as_slice()
                .iter()
                .map(AddressItem::new)
                .collect(),
            company: details
                .company
                .as_ref()
                .map(|company| company.as_str().into()),
            notes: details.notes.as_ref().map(|notes| notes.as_str().into()),
            metadata: details
                .metadata
                .iter()
                .map(|(key, value)| (key.as_str().into(), MetadataItem::new(value)))
                .collect(),
            newsletter: details.newsletter,
            source: details.source.as_str().into(),
            identifiers: IdentifiersItem::new(&details.identifiers),
            groups: details.groups.iter().map(GroupId::to_string).collect(),
            identity_document: customer.identity_document.as_ref().map(DocumentItem::new),
            sources: customer.sources.iter().map(SourceItem::new).collect(),
            created_at: customer.created_at,
            updated_at: customer.updated_at,
            created_by: customer.created_by.as_str().into(),
            version: customer.version,
        }
    }
}

impl CustomerItem<'static> {
    /// The customer an item holds, in any layout this version reads.
    pub(crate) fn read(item: Item) -> Result<StoredCustomer, StoreError> {
        read_layout_1::<Self>(item, "customer")?.into_stored()
    }

    fn into_stored(self) -> Result<StoredCustomer, StoreError> {
        let details = CustomerDetails {
            first_name: text(self.first_name),
            last_name: self.last_name.map(text),
            email: self.email.map(|email| Email::restore(email.into_owned())),
            mobile: self
                .mobile
                .map(|mobile| Mobile::restore(mobile.into_owned())),
            country: self.country.as_deref().map(country).transpose()?,
            gender: self
                .gender
                .as_deref()
                .map(|gender| known(Gender::parse(gender), "gender"))
                .transpose()?,
            birthday: self.birthday.map(Birthday::restore),
            status: known(Status::parse(&self.status), "status")?,
            addresses: Addresses::restore(
                self.addresses
                    .into_iter()
                    .map(AddressItem::into_address)
                    .collect::<Result<_, _>>()?,
            ),
            company: self.company.map(text),
            notes: self.notes.map(text),
            metadata: Metadata::restore(
                self.metadata
                    .into_iter()
                    .map(|(key, value)| {
                        Ok((MetadataKey::restore(key.into_owned()), value.into_value()?))
                    })
                    .collect::<Result<_, StoreError>>()?,
            ),
            newsletter: self.newsletter,
            source: known(Source::parse(&self.source), "source")?,
            identifiers: self.identifiers.into_identifiers()?,
            groups: self
                .groups
                .iter()
                .map(|group| GroupId::parse(group).ok_or_else(|| unreadable("group id")))
                .collect::<Result<_, _>>()?,
        };
        let customer = Customer {
            id: CustomerId::parse(&self.id).ok_or_else(|| unreadable("customer id"))?,
            details,
            identity_document: self
                .identity_document
                .map(DocumentItem::into_record)
                .transpose()?,
            sources: self
                .sources
                .into_iter()
                .map(SourceItem::into_account)
                .collect::<Result<_, _>>()?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            created_by: Subject::restore(self.created_by.into_owned()),
            version: self.version,
        };
        Ok(StoredCustomer {
            customer,
            document_claim: self.document_claim.map(Cow::into_owned),
        })
    }
}

impl<'a> AddressItem<'a> {
    fn new(address: &'a Address) -> Self {
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

    fn into_address(self) -> Result<Address, StoreError> {
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
    fn new(value: &'a MetadataValue) -> Self {
        match value {
            MetadataValue::Bool(flag) => Self::Bool(*flag),
            MetadataValue::String(text) => Self::String(text.as_str().into()),
            MetadataValue::Number(MetadataNumber::Unsigned(number)) => {
                Self::Number((*number).into())
            }
            MetadataValue::Number(MetadataNumber::Negative(number)) => {
                Self::Number((*number).into())
            }
            // Finite by construction (`MetadataNumber::decimal`).
            MetadataValue::Number(MetadataNumber::Decimal(number)) => {
                Self::Number(Number::from_f64(*number).unwrap_or_else(|| 0.into()))
            }
        }
    }

    fn into_value(self) -> Result<MetadataValue, StoreError> {
        Ok(match self {
            Self::Bool(flag) => MetadataValue::Bool(flag),
            Self::String(text) => MetadataValue::String(text.into_owned()),
            Self::Number(number) => {
                MetadataValue::Number(match (number.as_u64(), number.as_i64(), number.as_f64()) {
                    (Some(unsigned), _, _) => MetadataNumber::unsigned(unsigned),
                    (_, Some(signed), _) => MetadataNumber::signed(signed),
                    (_, _, Some(decimal)) => MetadataNumber::restore_decimal(decimal),
                    _ => return Err(unreadable("custom field number")),
                })
            }
        })
    }
}

impl<'a> IdentifiersItem<'a> {
    fn new(identifiers: &'a Identifiers) -> Self {
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

    fn into_identifiers(self) -> Result<Identifiers, StoreError> {
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
    fn new(record: &'a DocumentRecord) -> Self {
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

    fn into_record(self) -> Result<DocumentRecord, StoreError> {
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
    fn new(account: &'a SourceAccount) -> Self {
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

    fn into_account(self) -> Result<SourceAccount, StoreError> {
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

fn text<const MAX: usize, const MULTILINE: bool>(stored: Str<'_>) -> Text<MAX, MULTILINE> {
    Text::restore(stored.into_owned())
}

fn country(code: &str) -> Result<CountryCode, StoreError> {
    CountryCode::from_alpha2(code).ok_or_else(|| unreadable("country"))
}

fn known<T, E>(parsed: Result<T, E>, attribute: &str) -> Result<T, StoreError> {
    parsed.map_err(|_| unreadable(attribute))
}
