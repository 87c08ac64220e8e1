//! What remains of an erased customer, in its partition: who erased it, when, through which
//! request. No personal data.

use super::{read_layout_1, unreadable, Item, LAYOUT};
use crate::domain::{CustomerId, Subject, TenantId, Tombstone};
use crate::store::keys;
use crate::use_cases::ports::StoreError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Serialize)]
pub(crate) struct TombstoneItem<'a> {
    pk: String,
    sk: String,
    entity: &'static str,
    tenant_id: &'a str,
    layout: u32,
    id: String,
    #[serde(with = "time::serde::rfc3339")]
    deleted_at: OffsetDateTime,
    deleted_by: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    /// The erasure's own version (the customer's last plus one): its change event's.
    version: u64,
}

impl<'a> TombstoneItem<'a> {
    pub(crate) fn new(tenant: &'a TenantId, tombstone: &'a Tombstone) -> Self {
        let key = keys::tombstone(tenant, tombstone.id);
        Self {
            pk: key.pk,
            sk: key.sk,
            entity: "tombstone",
            tenant_id: tenant.as_str(),
            layout: LAYOUT,
            id: tombstone.id.to_string(),
            deleted_at: tombstone.deleted_at,
            deleted_by: tombstone.deleted_by.as_str(),
            request_id: tombstone.request_id.as_deref(),
            version: tombstone.version,
        }
    }
}

/// A tombstone as read back (from the table's stream: the erasure's change event).
#[derive(Deserialize)]
struct StoredTombstone {
    id: String,
    #[serde(with = "time::serde::rfc3339")]
    deleted_at: OffsetDateTime,
    deleted_by: String,
    #[serde(default)]
    request_id: Option<String>,
    version: u64,
}

impl TombstoneItem<'_> {
    /// The tombstone an item holds.
    pub(crate) fn read(item: Item) -> Result<Tombstone, StoreError> {
        let stored: StoredTombstone = read_layout_1(item, "tombstone")?;
        Ok(Tombstone {
            id: CustomerId::parse(&stored.id).ok_or_else(|| unreadable("customer id"))?,
            deleted_at: stored.deleted_at,
            deleted_by: Subject::restore(stored.deleted_by),
            request_id: stored.request_id,
            version: stored.version,
        })
    }
}
