//! A customer as the API shows it (`GET /customers/{id}`, every write's `data`), member by member.
//! The member names and their order are the contract (openapi.yaml); the domain's field names
//! are free to change without it.

use crate::domain::{
    Address, Customer, CustomerDetails, DocumentRecord, GroupId, Identifiers, Metadata,
    MetadataValue, NumberKind, SourceAccount, SourceIdentifiers, Verification,
};
use serde::Serialize;
use serde_json::{Map, Value};
use time::{Date, OffsetDateTime};

#[derive(Serialize)]
pub struct CustomerView<'a> {
    id: String,
    #[serde(flatten)]
    details: DetailsView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_document: Option<DocumentView<'a>>,
    sources: Vec<SourceView<'a>>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    created_by: &'a str,
    version: u64,
}

impl<'a> From<&'a Customer> for CustomerView<'a> {
    fn from(customer: &'a Customer) -> Self {
        Self {
            id: customer.id.to_string(),
            details: DetailsView::from(&customer.details),
            identity_document: customer.identity_document.as_ref().map(DocumentView::from),
            sources: customer.sources.iter().map(SourceView::from).collect(),
            created_at: customer.created_at,
            updated_at: customer.updated_at,
            created_by: customer.created_by.as_str(),
            version: customer.version,
        }
    }
}

/// What a client supplies about a customer: also the base a `PATCH` is merged into.
#[derive(Serialize)]
struct DetailsView<'a> {
    first_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none", with = "iso_date::option")]
    birthday: Option<Date>,
    status: &'static str,
    addresses: Vec<AddressView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'a str>,
    metadata: MetadataView<'a>,
    newsletter: bool,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifiers: Option<IdentifiersView<'a>>,
    groups: Vec<String>,
}

impl<'a> From<&'a CustomerDetails> for DetailsView<'a> {
    fn from(details: &'a CustomerDetails) -> Self {
        Self {
            first_name: details.first_name.as_str(),
            last_name: details.last_name.as_ref().map(|name| name.as_str()),
            email: details.email.as_ref().map(|email| email.as_str()),
            mobile: details.mobile.as_ref().map(|mobile| mobile.as_str()),
            country: details.country.map(|country| country.alpha2()),
            gender: details.gender.map(|gender| gender.as_str()),
            birthday: details.birthday.map(|birthday| birthday.date()),
            status: details.status.as_str(),
            addresses: details
                .addresses
                .as_slice()
                .iter()
                .map(AddressView::from)
                .collect(),
            company: details.company.as_ref().map(|company| company.as_str()),
            notes: details.notes.as_ref().map(|notes| notes.as_str()),
            metadata: MetadataView(&details.metadata),
            newsletter: details.newsletter,
            source: details.source.as_str(),
            identifiers: (!details.identifiers.is_empty())
                .then(|| IdentifiersView::from(&details.identifiers)),
            groups: details.groups.iter().map(GroupId::to_string).collect(),
        }
    }
}

/// A customer's details as GET shows them, as a JSON object: what a merge patch applies to.
pub fn details_json(details: &CustomerDetails) -> Option<Map<String, Value>> {
    match serde_json::to_value(DetailsView::from(details)) {
        Ok(Value::Object(members)) => Some(members),
        _ => None,
    }
}

#[derive(Serialize)]
struct AddressView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    line1: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line2: Option<&'a str>,
    city: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zipcode: Option<&'a str>,
    country: &'static str,
    is_default: bool,
}

impl<'a> From<&'a Address> for AddressView<'a> {
    fn from(address: &'a Address) -> Self {
        Self {
            first_name: address.first_name.as_ref().map(|name| name.as_str()),
            last_name: address.last_name.as_ref().map(|name| name.as_str()),
            phone: address.phone.as_ref().map(|phone| phone.as_str()),
            line1: address.line1.as_str(),
            line2: address.line2.as_ref().map(|line| line.as_str()),
            city: address.city.as_str(),
            state: address.state.as_ref().map(|state| state.as_str()),
            zipcode: address.zipcode.as_ref().map(|zipcode| zipcode.as_str()),
            country: address.country.alpha2(),
            is_default: address.is_default,
        }
    }
}

/// The loyalty identifiers, the card's members beside `external_id`.
#[derive(Serialize)]
struct IdentifiersView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card_series_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card_status: Option<&'static str>,
}

impl<'a> From<&'a Identifiers> for IdentifiersView<'a> {
    fn from(identifiers: &'a Identifiers) -> Self {
        let card = identifiers.card.as_ref();
        Self {
            external_id: identifiers.external_id.as_ref().map(|id| id.as_str()),
            card_number: card.map(|card| card.card_number.as_str()),
            card_series_id: card
                .and_then(|card| card.card_series_id.as_ref())
                .map(|series| series.as_str()),
            card_status: card
                .and_then(|card| card.card_status)
                .map(|status| status.as_str()),
        }
    }
}

struct MetadataView<'a>(&'a Metadata);

impl Serialize for MetadataView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self
            .0
            .iter()
            .map(|(key, value)| (key.as_str(), ValueView(value)));
        serializer.collect_map(entries)
    }
}

struct ValueView<'a>(&'a MetadataValue);

impl Serialize for ValueView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            MetadataValue::Bool(flag) => serializer.serialize_bool(*flag),
            MetadataValue::String(text) => serializer.serialize_str(text),
            MetadataValue::Number(number) => match number.kind() {
                NumberKind::Unsigned(value) => serializer.serialize_u64(value),
                NumberKind::Negative(value) => serializer.serialize_i64(value),
                NumberKind::Decimal(value) => serializer.serialize_f64(value),
            },
        }
    }
}

#[derive(Serialize)]
struct DocumentView<'a> {
    #[serde(rename = "type")]
    doc_type: &'static str,
    country: &'static str,
    #[serde(skip_serializing_if = "Option::is_none", with = "iso_date::option")]
    expires_on: Option<Date>,
    number_last4: &'a str,
    verification: VerificationView,
}

impl<'a> From<&'a DocumentRecord> for DocumentView<'a> {
    fn from(record: &'a DocumentRecord) -> Self {
        Self {
            doc_type: record.doc_type.as_str(),
            country: record.country.alpha2(),
            expires_on: record.expires_on,
            number_last4: &record.number_last4,
            verification: VerificationView::from(&record.verification),
        }
    }
}

#[derive(Serialize)]
struct VerificationView {
    status: &'static str,
    reasons: Vec<&'static str>,
    #[serde(with = "time::serde::rfc3339")]
    checked_at: OffsetDateTime,
}

impl From<&Verification> for VerificationView {
    fn from(verification: &Verification) -> Self {
        Self {
            status: verification.status.as_str(),
            reasons: verification.reasons.iter().map(|r| r.as_str()).collect(),
            checked_at: verification.checked_at,
        }
    }
}

#[derive(Serialize)]
struct SourceView<'a> {
    source: &'static str,
    identifiers: SourceIdentifiersView<'a>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl<'a> From<&'a SourceAccount> for SourceView<'a> {
    fn from(account: &'a SourceAccount) -> Self {
        Self {
            source: account.source.as_str(),
            identifiers: SourceIdentifiersView::from(&account.identifiers),
            created_at: account.created_at,
        }
    }
}

#[derive(Serialize)]
struct SourceIdentifiersView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card_number: Option<&'a str>,
}

impl<'a> From<&'a SourceIdentifiers> for SourceIdentifiersView<'a> {
    fn from(identifiers: &'a SourceIdentifiers) -> Self {
        Self {
            email: identifiers.email.as_ref().map(|email| email.as_str()),
            mobile: identifiers.mobile.as_ref().map(|mobile| mobile.as_str()),
            external_id: identifiers.external_id.as_ref().map(|id| id.as_str()),
            card_number: identifiers.card_number.as_ref().map(|card| card.as_str()),
        }
    }
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");
