//! A change event as the events table holds it: in its subject's partition, under its version,
//! and in the tenant's listing index; gone 30 days after the change (TTL).

use super::{read_layout_1, unreadable, Item, LAYOUT};
use crate::domain::{ChangeEvent, EventSubject, EventType, TenantId};
use crate::store::keys;
use crate::use_cases::ports::StoreError;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use time::OffsetDateTime;
use uuid::Uuid;

/// How long `GET /events` keeps an event: what a consumer that missed deliveries can recover.
pub(crate) const RETENTION: time::Duration = time::Duration::days(30);

#[derive(Serialize, Deserialize)]
pub(crate) struct EventItem<'a> {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    entity: Cow<'a, str>,
    tenant_id: Cow<'a, str>,
    layout: u32,
    id: String,
    #[serde(rename = "type")]
    kind: Cow<'a, str>,
    subject: String,
    version: u64,
    #[serde(with = "time::serde::rfc3339")]
    time: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    changed: Option<Vec<Cow<'a, str>>>,
    source: Cow<'a, str>,
    /// Epoch seconds: the table's TTL attribute.
    expires_at: i64,
}

impl<'a> EventItem<'a> {
    pub(crate) fn new(event: &'a ChangeEvent) -> Self {
        let key = keys::event(&event.tenant, event.subject, event.version);
        let millis = event.time.unix_timestamp_nanos() / 1_000_000;
        let listing = keys::event_listing(&event.tenant, millis, event.subject, event.version);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: listing.gsi1pk,
            gsi1sk: listing.gsi1sk,
            entity: "event".into(),
            tenant_id: event.tenant.as_str().into(),
            layout: LAYOUT,
            id: event.id.hyphenated().to_string(),
            kind: event.kind.name().into(),
            subject: event.subject.to_string(),
            version: event.version,
            time: event.time,
            changed: event
                .changed
                .as_ref()
                .map(|names| names.iter().map(|n| n.as_str().into()).collect()),
            source: event.source.as_str().into(),
            expires_at: (event.time + RETENTION).unix_timestamp(),
        }
    }
}

impl EventItem<'static> {
    /// The event an item holds.
    pub(crate) fn read(item: Item) -> Result<ChangeEvent, StoreError> {
        let item: Self = read_layout_1(item, "event")?;
        Ok(ChangeEvent {
            id: Uuid::try_parse(&item.id).map_err(|_| unreadable("event id"))?,
            tenant: TenantId::parse(&item.tenant_id).map_err(|_| unreadable("tenant"))?,
            kind: EventType::parse(&item.kind).ok_or_else(|| unreadable("event type"))?,
            subject: EventSubject::parse(&item.subject).ok_or_else(|| unreadable("subject"))?,
            version: item.version,
            time: item.time,
            changed: item
                .changed
                .map(|names| names.into_iter().map(Cow::into_owned).collect()),
            source: item.source.into_owned(),
        })
    }
}
