//! Committed changes as other systems learn of them: what happened to which customer or group,
//! at which version, and when. Never a value: a consumer that needs the data reads it, which
//! also respects an erasure that came after.

use super::{Customer, CustomerGroup, TenantId, Tombstone};
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

/// The kinds of change event, named as CloudEvents `type`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    CustomerCreated,
    CustomerUpdated,
    CustomerDeleted,
    CustomerGroupCreated,
}

impl EventType {
    pub const ALL: [EventType; 4] = [
        EventType::CustomerCreated,
        EventType::CustomerUpdated,
        EventType::CustomerDeleted,
        EventType::CustomerGroupCreated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventType::CustomerCreated => "customer.created",
            EventType::CustomerUpdated => "customer.updated",
            EventType::CustomerDeleted => "customer.deleted",
            EventType::CustomerGroupCreated => "customer_group.created",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// The customer or group an event is about: its id, whichever kind it is (ids are UUIDs, never
/// shared between kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventSubject(Uuid);

impl EventSubject {
    pub fn parse(raw: &str) -> Option<Self> {
        Uuid::try_parse(raw).ok().map(Self)
    }

    /// The subject named by a customer's or a group's id.
    pub fn of(id: &impl fmt::Display) -> Option<Self> {
        Self::parse(&id.to_string())
    }
}

impl fmt::Display for EventSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// One change event. `version` numbers a subject's events 1..n without a gap or a tie: an
/// erasure is the version after the last one it erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    /// The same for every delivery of one change: derived from tenant, subject, version, type.
    pub id: Uuid,
    pub tenant: TenantId,
    pub kind: EventType,
    pub subject: EventSubject,
    pub version: u64,
    /// When the change was committed (the time the write recorded on the item).
    pub time: OffsetDateTime,
    /// Updates only: the names of the top-level members of the customer whose value changed,
    /// sorted.
    pub changed: Option<Vec<String>>,
    /// Who publishes it (the deployment's `EventSource`).
    pub source: String,
}

/// A change the table committed, as its stream tells it.
#[derive(Debug, Clone, PartialEq)]
pub enum CommittedChange {
    /// Created (no `before`) or changed.
    CustomerWritten {
        tenant: TenantId,
        before: Option<Box<Customer>>,
        after: Box<Customer>,
    },
    CustomerErased {
        tenant: TenantId,
        tombstone: Tombstone,
    },
    GroupCreated {
        tenant: TenantId,
        group: CustomerGroup,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_named_as_the_api_documents_them() {
        let names: Vec<_> = EventType::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(
            names,
            [
                "customer.created",
                "customer.updated",
                "customer.deleted",
                "customer_group.created"
            ]
        );
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.name()), Some(kind));
        }
        assert_eq!(EventType::parse("customer.Created"), None);
        assert_eq!(EventType::parse(""), None);
    }

    #[test]
    fn subjects_are_uuids_shown_hyphenated_in_lower_case() {
        let raw = "0C3A4B52-93E4-4E4B-8F0B-3C2D1E0F9A8B";
        let subject = EventSubject::parse(raw).unwrap();
        assert_eq!(subject.to_string(), raw.to_lowercase());
        assert_eq!(EventSubject::parse("not-a-uuid"), None);
    }
}
