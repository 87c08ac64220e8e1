//! What publishing and listing change events need: a log that keeps them (one per subject and
//! version) and a bus that carries them to subscribers.

use super::{Page, PageKey, StoreError};
use crate::domain::{ChangeEvent, EventSubject, EventType, TenantId};
use std::future::Future;
use thiserror::Error;

/// Events from `first` on did not get through (those before did); `reason` holds no value of
/// any event (ids at most).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("events from the {first}th on did not get through: {reason}")]
pub struct Undelivered {
    pub first: usize,
    pub reason: String,
}

pub trait EventLog {
    /// Keeps `events`; keeping an event again changes nothing (it is keyed by its subject and
    /// version).
    fn record(
        &self,
        events: &[ChangeEvent],
    ) -> impl Future<Output = Result<(), Undelivered>> + Send;

    /// A page of the tenant's events, newest first, from `start` (a previous page's `next`).
    /// Filtered by type, a page may hold fewer than `limit` events and still have a next one.
    fn list(
        &self,
        tenant: &TenantId,
        filter: &EventFilter,
        limit: u32,
        start: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<ChangeEvent>, StoreError>> + Send;
}

pub trait EventBus {
    /// Puts `events` on the bus, in order; subscribers may receive one more than once.
    fn publish(
        &self,
        events: &[ChangeEvent],
    ) -> impl Future<Output = Result<(), Undelivered>> + Send;
}

/// Which of a tenant's events a listing shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// One customer's or group's events only (in version order, read strongly consistently).
    pub subject: Option<EventSubject>,
    pub kind: Option<EventType>,
}
