//! What remains of an erased customer, in its partition: who erased it, when, through which
//! request. No personal data.

use super::LAYOUT;
use crate::domain::{TenantId, Tombstone};
use crate::store::keys;
use serde::Serialize;
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
        }
    }
}
