//! A customer item (layout 1): the customer's attributes at the top level, beside its keys, its
//! place in the tenant's listing, the claim value of its identity document and the key that
//! seals its keyed writes' replies.

mod parts;

use super::{iso_date, read_layout_1, unreadable, Item, LAYOUT};
use crate::domain::{
    Addresses, Birthday, Customer, CustomerDetails, CustomerId, Email, Gender, GroupId, Metadata,
    MetadataKey, Mobile, Source, Status, Subject, TenantId,
};
use crate::store::keys;
use crate::support::seal::SealKey;
use crate::use_cases::ports::{StoreError, StoredCustomer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use parts::{
    country, known, text, AddressItem, DocumentItem, IdentifiersItem, MetadataItem, SourceItem,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// Borrowed from the domain when written, owned when read.
pub(super) type Str<'a> = Cow<'a, str>;

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
    /// The key sealing the replies recorded for the customer's keyed writes (base64 of 32
    /// bytes): gone with the item when the customer is erased. Added to layout 1 as an
    /// optional attribute, which items written before it lack (`None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seal: Option<String>,
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
            seal: stored
                .seal
                .as_ref()
                .map(|key| STANDARD.encode(key.as_bytes())),
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

impl CustomerItem<'_> {
    /// The seal as stored (base64).
    pub(crate) fn seal(&self) -> Option<&str> {
        self.seal.as_deref()
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
        let seal = self
            .seal
            .map(|encoded| {
                let bytes = STANDARD.decode(encoded).map_err(|_| unreadable("seal"))?;
                SealKey::from_bytes(&bytes).ok_or_else(|| unreadable("seal"))
            })
            .transpose()?;
        Ok(StoredCustomer {
            customer,
            document_claim: self.document_claim.map(Cow::into_owned),
            seal,
        })
    }
}
