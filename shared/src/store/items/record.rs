//! The record of a keyed request (`Idempotency-Key`): one item per tenant, caller, route and
//! key, written in the transaction of the write it records. `expires_at` is the table's TTL
//! attribute.
//!
//! Layout 1 keeps the reply in the clear: replies that show no customer (an erasure's 204, a
//! group), and every record written before replies were sealed. Layout 2 keeps the body of a
//! reply that shows a customer sealed under that customer's key (`sealed_for`, `sealed_body`;
//! status, location and ETag stay clear: ids and versions, no personal data): once the
//! customer is erased, its key is gone and the body with it.

use super::{from_item, layout_of, unreadable, Binary, Item};
use crate::domain::{CustomerId, TenantId};
use crate::store::keys;
use crate::support::seal::SealKey;
use crate::use_cases::idempotency::{Receipt, Record, Reply};
use crate::use_cases::ports::StoreError;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use time::OffsetDateTime;

const CLEAR: u32 = 1;
const SEALED: u32 = 2;

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
    /// Layout 2: the customer whose key seals the body, and the body sealed (a binary
    /// attribute: base64 would make it a third larger, and the record is paid by the KB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_for: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_body: Option<Binary>,
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
    pub(crate) fn new(tenant: &'a TenantId, receipt: &'a Receipt) -> Result<Self, StoreError> {
        let key = keys::idempotency(tenant, &receipt.scope);
        let record = &receipt.record;
        let reply = record
            .reply
            .as_ref()
            .ok_or_else(|| StoreError::Internal("a record without a reply".into()))?;
        let (layout, body, sealed_for, sealed_body) = match (&receipt.sealing, &reply.body) {
            (Some(sealing), Some(body)) => {
                let owner = sealing.customer.to_string();
                let sealed = sealing
                    .key
                    .seal(body.as_bytes(), context(&key.pk, &owner).as_bytes())
                    .map_err(|_| StoreError::Internal("a reply could not be sealed".into()))?;
                (SEALED, None, Some(owner), Some(Binary(sealed)))
            }
            // Fails closed: a customer's data is never recorded in the clear, whatever a
            // future write forgets to say.
            (None, Some(_)) if reply.personal => {
                return Err(StoreError::Internal(
                    "a reply showing a customer without a key to seal it".into(),
                ))
            }
            (_, body) => (CLEAR, body.as_deref().map(Cow::Borrowed), None, None),
        };
        Ok(Self {
            pk: key.pk,
            sk: key.sk,
            entity: "idempotency".into(),
            tenant_id: tenant.as_str().into(),
            layout,
            fingerprint: record.fingerprint.as_str().into(),
            response: ResponseItem {
                status: reply.status,
                body,
                location: reply.location.as_deref().map(Cow::Borrowed),
                etag: reply.etag.as_deref().map(Cow::Borrowed),
            },
            sealed_for,
            sealed_body,
            created_at: record.created_at,
            expires_at: record.expires_at,
        })
    }
}

/// What a sealed body is bound to: its record's key and its customer, so that it opens neither
/// moved to another record nor claimed for another customer.
fn context(pk: &str, customer: &str) -> String {
    format!("{pk}\n{customer}")
}

/// A reply body sealed under a customer's key, as read: opened once that key is read.
pub(crate) struct SealedReply {
    pub(crate) customer: CustomerId,
    reply: Reply,
    sealed: Vec<u8>,
    context: String,
}

impl SealedReply {
    /// The reply, its body opened with the customer's `key` (the customer as stored now).
    pub(crate) fn open(self, key: Option<&SealKey>) -> Result<Reply, StoreError> {
        let body = key
            .and_then(|key| key.open(&self.sealed, self.context.as_bytes()).ok())
            .and_then(|body| String::from_utf8(body).ok())
            .ok_or_else(|| {
                StoreError::Internal(
                    "a recorded reply does not open under its customer's key".into(),
                )
            })?;
        Ok(Reply {
            body: Some(body),
            ..self.reply
        })
    }
}

impl RecordItem<'static> {
    /// The record an item holds, in any layout this version reads: its reply in the clear, or
    /// (layout 2) without it, and the reply sealed.
    pub(crate) fn read(item: Item) -> Result<(Record, Option<SealedReply>), StoreError> {
        let layout = layout_of(&item)?;
        if !matches!(layout, CLEAR | SEALED) {
            return Err(StoreError::Internal(format!(
                "an idempotency record item has layout {layout}, which this version cannot read"
            )));
        }
        let item: Self = from_item(item)?;
        let response = item.response;
        let reply = Reply {
            status: response.status,
            body: response.body.map(Cow::into_owned),
            location: response.location.map(Cow::into_owned),
            etag: response.etag.map(Cow::into_owned),
            personal: layout == SEALED,
        };
        let record = |reply| Record {
            fingerprint: item.fingerprint.into_owned(),
            reply,
            created_at: item.created_at,
            expires_at: item.expires_at,
        };
        if layout == CLEAR {
            return Ok((record(Some(reply)), None));
        }
        let (Some(owner), Some(sealed)) = (item.sealed_for, item.sealed_body) else {
            return Err(unreadable("sealed reply"));
        };
        let sealed = SealedReply {
            customer: CustomerId::parse(&owner).ok_or_else(|| unreadable("sealed_for"))?,
            reply,
            context: context(&item.pk, &owner),
            sealed: sealed.0,
        };
        Ok((record(None), Some(sealed)))
    }
}
