//! The record of a keyed request (`Idempotency-Key`): one item per tenant, route and key,
//! written in the transaction of the write it records. `expires_at` is the table's TTL
//! attribute.

use super::{read_layout_1, Item, LAYOUT};
use crate::domain::TenantId;
use crate::store::keys;
use crate::use_cases::idempotency::{Receipt, Record, Reply};
use crate::use_cases::ports::StoreError;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use time::OffsetDateTime;

#[derive(Serialize, Deserialize)]
pub(crate) struct RecordItem<'a> {
    pk: String,
    sk: String,
    entity: Cow<'a, str>,
    tenant_id: Cow<'a, str>,
    #[serde(default = "super::unmarked")]
    layout: u32,
    fingerprint: Cow<'a, str>,
    response: ResponseItem<'a>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    expires_at: OffsetDateTime,
}

#[derive(Serialize, Deserialize)]
struct ResponseItem<'a> {
    status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<Cow<'a, str>>,
}

impl<'a> RecordItem<'a> {
    pub(crate) fn new(tenant: &'a TenantId, receipt: &'a Receipt) -> Self {
        let key = keys::idempotency(tenant, &receipt.scope);
        let record = &receipt.record;
        let reply = &record.reply;
        Self {
            pk: key.pk,
            sk: key.sk,
            entity: "idempotency".into(),
            tenant_id: tenant.as_str().into(),
            layout: LAYOUT,
            fingerprint: record.fingerprint.as_str().into(),
            response: ResponseItem {
                status: reply.status,
                body: reply.body.as_deref().map(Cow::Borrowed),
                location: reply.location.as_deref().map(Cow::Borrowed),
                etag: reply.etag.as_deref().map(Cow::Borrowed),
            },
            created_at: record.created_at,
            expires_at: record.expires_at,
        }
    }
}

impl RecordItem<'static> {
    /// The record an item holds, in any layout this version reads.
    pub(crate) fn read(item: Item) -> Result<Record, StoreError> {
        let item: Self = read_layout_1(item, "idempotency record")?;
        let response = item.response;
        Ok(Record {
            fingerprint: item.fingerprint.into_owned(),
            reply: Reply {
                status: response.status,
                body: response.body.map(Cow::into_owned),
                location: response.location.map(Cow::into_owned),
                etag: response.etag.map(Cow::into_owned),
            },
            created_at: item.created_at,
            expires_at: item.expires_at,
        })
    }
}
