//! Publishing: each change the table committed becomes one event, kept for `GET /events`, then
//! put on the bus. An event's id and content follow from the change alone, so a change
//! delivered twice (the stream redelivers) is the same event twice: the log keeps it once, and
//! subscribers may see it again (they deduplicate by id).

use super::ports::{EventBus, EventLog, StoreError};
use crate::api::changed_members;
use crate::domain::{ChangeEvent, CommittedChange, EventSubject, EventType, TenantId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One record of a stream batch: where it is in the stream, and what it says.
pub struct StreamedChange {
    pub position: String,
    /// `None`: a record that is no change of its own (filtered out upstream, normally).
    pub change: Result<Option<CommittedChange>, StoreError>,
}

/// How a batch went: how many events got through, and where the stream must resume if not all
/// did (the first record whose event did not, or that could not be read), with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub events: usize,
    pub retry_from: Option<(String, String)>,
    /// The batch's first record cannot be read. Retrying from it would hold back every record
    /// after it until the stream gives the batch up; failing the whole invocation instead lets
    /// the stream halve the batch (`BisectBatchOnFunctionError`) until that record is alone,
    /// so that it alone is given up.
    pub first_unreadable: bool,
}

/// The event a committed change makes.
pub fn event_of(change: &CommittedChange, source: &str) -> Result<ChangeEvent, StoreError> {
    let subject = |id: &dyn std::fmt::Display| {
        EventSubject::of(&id).ok_or_else(|| StoreError::Internal("an id is not a UUID".into()))
    };
    let (tenant, kind, subject, version, time, changed) = match change {
        CommittedChange::CustomerWritten {
            tenant,
            before,
            after,
        } => {
            let (kind, changed) = match before {
                None => (EventType::CustomerCreated, None),
                Some(before) => (
                    EventType::CustomerUpdated,
                    Some(changed_members(before, after)),
                ),
            };
            let id = subject(&after.id)?;
            (tenant, kind, id, after.version, after.updated_at, changed)
        }
        CommittedChange::CustomerErased { tenant, tombstone } => {
            let id = subject(&tombstone.id)?;
            let (version, time) = (tombstone.version, tombstone.deleted_at);
            (tenant, EventType::CustomerDeleted, id, version, time, None)
        }
        CommittedChange::GroupCreated { tenant, group } => {
            let id = subject(&group.id)?;
            let kind = EventType::CustomerGroupCreated;
            (tenant, kind, id, 1, group.created_at, None)
        }
    };
    Ok(ChangeEvent {
        id: event_id(tenant, subject, version, kind),
        tenant: tenant.clone(),
        kind,
        subject,
        version,
        time,
        changed,
        source: source.to_owned(),
    })
}

/// A name-based UUID (version 8, SHA-256, as RFC 9562 suggests) of what makes the change one:
/// every delivery of a change has the same id, and no two changes share one.
fn event_id(tenant: &TenantId, subject: EventSubject, version: u64, kind: EventType) -> Uuid {
    let mut hash = Sha256::new();
    for part in [
        "customers-api change event",
        tenant.as_str(),
        &subject.to_string(),
        &version.to_string(),
        kind.name(),
    ] {
        hash.update(part.as_bytes());
        // A unit separator: no tenant can end where a subject begins.
        hash.update([0x1f]);
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

pub struct Publisher<L, B> {
    log: L,
    bus: B,
    source: String,
}

impl<L: EventLog, B: EventBus> Publisher<L, B> {
    pub fn new(log: L, bus: B, source: impl Into<String>) -> Self {
        Self {
            log,
            bus,
            source: source.into(),
        }
    }

    /// Keeps, then publishes, the events of a batch, in stream order. A record that cannot be
    /// read stops the batch there (what came before is published): it is retried, and, if it
    /// never reads, handed to the stream's on-failure destination rather than skipped unseen.
    pub async fn publish(&self, batch: Vec<StreamedChange>) -> Published {
        let mut events = Vec::with_capacity(batch.len());
        let mut positions = Vec::with_capacity(batch.len());
        let mut unreadable = None;
        let mut first_unreadable = false;
        for (index, record) in batch.into_iter().enumerate() {
            match record
                .change
                .and_then(|c| c.map(|c| event_of(&c, &self.source)).transpose())
            {
                Ok(Some(event)) => {
                    events.push(event);
                    positions.push(record.position);
                }
                Ok(None) => {}
                Err(error) => {
                    unreadable = Some((record.position, error.to_string()));
                    first_unreadable = index == 0;
                    break;
                }
            }
        }
        let (recorded, mut why) = match self.log.record(&events).await {
            Ok(()) => (events.len(), None),
            Err(failure) => (failure.first.min(events.len()), Some(failure.reason)),
        };
        let published = match self.bus.publish(&events[..recorded]).await {
            Ok(()) => recorded,
            Err(failure) => {
                why = Some(failure.reason);
                failure.first.min(recorded)
            }
        };
        let retry_from = match positions.get(published) {
            Some(position) => Some((position.clone(), why.unwrap_or_default())),
            None => unreadable,
        };
        Published {
            events: published,
            retry_from,
            first_unreadable,
        }
    }
}

#[cfg(test)]
mod tests;
