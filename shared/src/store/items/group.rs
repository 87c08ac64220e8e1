//! A customer-group item, listed through the collections index oldest first.

use super::{read_layout_1, unreadable, Item, LAYOUT};
use crate::domain::{CustomerGroup, GroupId, TenantId, Text};
use crate::store::keys;
use crate::use_cases::ports::StoreError;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use time::OffsetDateTime;

#[derive(Serialize, Deserialize)]
pub(crate) struct GroupItem<'a> {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    entity: Cow<'a, str>,
    tenant_id: Cow<'a, str>,
    #[serde(default = "super::unmarked")]
    layout: u32,
    id: String,
    name: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<Cow<'a, str>>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl<'a> GroupItem<'a> {
    pub(crate) fn new(tenant: &'a TenantId, group: &'a CustomerGroup) -> Self {
        let key = keys::group(tenant, group.id);
        let created_millis = group.created_at.unix_timestamp_nanos() / 1_000_000;
        let collection = keys::group_collection(tenant, created_millis, group.id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: collection.gsi1pk,
            gsi1sk: collection.gsi1sk,
            entity: "group".into(),
            tenant_id: tenant.as_str().into(),
            layout: LAYOUT,
            id: group.id.to_string(),
            name: group.name.as_str().into(),
            description: group.description.as_ref().map(|d| d.as_str().into()),
            created_at: group.created_at,
        }
    }
}

impl GroupItem<'static> {
    /// The group an item holds, in any layout this version reads.
    pub(crate) fn read(item: Item) -> Result<CustomerGroup, StoreError> {
        let item: Self = read_layout_1(item, "group")?;
        Ok(CustomerGroup {
            id: GroupId::parse(&item.id).ok_or_else(|| unreadable("group id"))?,
            name: Text::restore(item.name.into_owned()),
            description: item.description.map(|d| Text::restore(d.into_owned())),
            created_at: item.created_at,
        })
    }
}
