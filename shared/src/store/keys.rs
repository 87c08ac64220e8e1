//! Key design (see docs/data-model.md): every key starts with the tenant, and every item of the
//! write path has its own partition key (a customer id, or a unique value), so writes spread
//! over all partitions instead of queueing on a per-tenant hot key.

use crate::domain::UniqueField;
use crate::domain::{CustomerId, EventSubject, GroupId, TenantId};
use serde::{Deserialize, Serialize};

/// The table's primary key attributes, as declared in template.yaml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

pub const PARTITION_KEY: &str = "pk";

pub fn customer(tenant: &TenantId, id: CustomerId) -> Key {
    Key {
        pk: format!("TENANT#{tenant}#CUSTOMER#{id}"),
        sk: "PROFILE".to_owned(),
    }
}

/// What remains of an erased customer: in the customer's partition, beside where its profile
/// was.
pub fn tombstone(tenant: &TenantId, id: CustomerId) -> Key {
    Key {
        pk: customer(tenant, id).pk,
        sk: "ERASED".to_owned(),
    }
}

/// The record of a keyed request; `scope` is a hash of the route and the client's key.
pub fn idempotency(tenant: &TenantId, scope: &str) -> Key {
    Key {
        pk: format!("TENANT#{tenant}#IDEMPOTENCY#{scope}"),
        sk: "IDEMPOTENCY".to_owned(),
    }
}

pub fn group(tenant: &TenantId, id: GroupId) -> Key {
    Key {
        pk: format!("TENANT#{tenant}#GROUP#{id}"),
        sk: "GROUP".to_owned(),
    }
}

/// The secondary index (template.yaml: `TenantCollections`) that lists a tenant's items of one
/// kind. Only rarely written kinds go there (groups): every item of a collection shares its
/// index partition key.
pub const COLLECTIONS_INDEX: &str = "TenantCollections";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionKey {
    pub gsi1pk: String,
    pub gsi1sk: String,
}

/// Groups sort by creation time, then id: a stable order for pagination.
pub fn group_collection(tenant: &TenantId, created_at_millis: i128, id: GroupId) -> CollectionKey {
    CollectionKey {
        gsi1pk: group_collection_partition(tenant),
        gsi1sk: listing_position_of(created_at_millis, id),
    }
}

fn listing_position_of(created_at_millis: i128, id: impl std::fmt::Display) -> String {
    format!("{created_at_millis:015}#{id}")
}

pub fn group_collection_partition(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#GROUPS")
}

/// The index (template.yaml: `CustomersByTenant`, keys only) that lists a tenant's customers,
/// newest first. Its partition key is sharded: a tenant's customers spread over
/// `CUSTOMER_SHARDS` index partitions, so that one tenant's creates are not limited by one
/// partition's write rate (docs/data-model.md).
pub const CUSTOMERS_INDEX: &str = "CustomersByTenant";
pub const CUSTOMER_SHARDS: u8 = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingKey {
    pub gsi2pk: String,
    pub gsi2sk: String,
}

/// A customer's shard follows from its id alone, so every write of it lands in the same one:
/// the last hexadecimal digit of its text (what stored keys were made with), read from its
/// bytes without writing the text.
pub fn customer_shard(id: CustomerId) -> u8 {
    id.last_hex_digit() % CUSTOMER_SHARDS
}

pub fn customer_listing(tenant: &TenantId, created_at_millis: i128, id: CustomerId) -> ListingKey {
    ListingKey {
        gsi2pk: customer_listing_partition(tenant, customer_shard(id)),
        gsi2sk: listing_position(created_at_millis, id),
    }
}

pub fn customer_listing_partition(tenant: &TenantId, shard: u8) -> String {
    format!("TENANT#{tenant}#CUSTOMERS#{shard}")
}

/// Sorts by creation time, then id: a stable order for pagination.
pub fn listing_position(created_at_millis: i128, id: CustomerId) -> String {
    listing_position_of(created_at_millis, id)
}

/// The customer a listing position names.
pub fn listed_customer(position: &str) -> Option<CustomerId> {
    CustomerId::parse(position.split_once('#')?.1)
}

/// The item a position names, if the position is exactly as this module writes them
/// (`{millis:015}#{id}`): positions come back in cursors, which a client can write. `id` reads
/// the id part.
pub fn positioned<I: std::fmt::Display>(
    position: &str,
    id: impl Fn(&str) -> Option<I>,
) -> Option<I> {
    let (millis, rest) = position.split_once('#')?;
    let millis: i128 = millis.parse().ok()?;
    let id = id(rest)?;
    (millis >= 0 && listing_position_of(millis, &id) == position).then_some(id)
}

/// `value` is the canonical form (the email's, the E.164 mobile, a document's keyed hash):
/// that is what uniqueness means.
pub fn claim(tenant: &TenantId, field: UniqueField, value: &str) -> Key {
    let kind = match field {
        UniqueField::Email => "EMAIL",
        UniqueField::Mobile => "MOBILE",
        UniqueField::IdentityDocument => "DOCUMENT",
        UniqueField::ExternalId => "EXTERNAL_ID",
        UniqueField::CardNumber => "CARD",
        UniqueField::GroupName => "GROUP_NAME",
    };
    Key {
        // Joined, not formatted: one allocation of the exact size for each claim a write takes.
        pk: ["TENANT#", tenant.as_str(), "#", kind, "#", value].concat(),
        sk: "CLAIM".to_owned(),
    }
}

/// A change event, in its subject's partition: the subject's events in version order, and one
/// item per version (the same event stored twice is one item). Events live in a table of their
/// own (template.yaml: `EventsTable`).
pub fn event(tenant: &TenantId, subject: EventSubject, version: u64) -> Key {
    Key {
        pk: event_subject_partition(tenant, subject),
        sk: event_version(version),
    }
}

pub fn event_subject_partition(tenant: &TenantId, subject: EventSubject) -> String {
    format!("TENANT#{tenant}#SUBJECT#{subject}")
}

/// Zero-padded to the width of `u64::MAX`: versions sort as numbers.
pub fn event_version(version: u64) -> String {
    format!("VERSION#{version:020}")
}

/// The version an event's sort key names, if written exactly as [`event_version`] writes it.
pub fn versioned(sk: &str) -> Option<u64> {
    let version = sk.strip_prefix("VERSION#")?.parse().ok()?;
    (event_version(version) == sk).then_some(version)
}

/// The index (template.yaml: `EventsByTenant`) that lists a tenant's events newest first,
/// sharded by subject as the customers' listing is by customer.
pub const EVENTS_INDEX: &str = "EventsByTenant";
pub const EVENT_SHARDS: u8 = CUSTOMER_SHARDS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventListingKey {
    pub gsi1pk: String,
    pub gsi1sk: String,
}

pub fn event_shard(subject: EventSubject) -> u8 {
    let text = subject.to_string();
    let last = text.bytes().last().unwrap_or(b'0');
    (last as char).to_digit(16).unwrap_or(0) as u8 % EVENT_SHARDS
}

pub fn event_listing(
    tenant: &TenantId,
    millis: i128,
    subject: EventSubject,
    version: u64,
) -> EventListingKey {
    EventListingKey {
        gsi1pk: event_listing_partition(tenant, event_shard(subject)),
        gsi1sk: event_position(millis, subject, version),
    }
}

pub fn event_listing_partition(tenant: &TenantId, shard: u8) -> String {
    format!("TENANT#{tenant}#EVENTS#{shard}")
}

/// Sorts by the change's time, then subject and version: unique, and stable for pagination.
pub fn event_position(millis: i128, subject: EventSubject, version: u64) -> String {
    format!("{millis:015}#{subject}#{version:020}")
}

/// Whether `position` is exactly as [`event_position`] writes them: positions come back in
/// cursors, which a client can write.
pub fn is_event_position(position: &str) -> bool {
    let mut parts = position.splitn(3, '#');
    let (Some(millis), Some(subject), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    match (
        millis.parse::<i128>(),
        EventSubject::parse(subject),
        version.parse::<u64>(),
    ) {
        (Ok(millis), Some(subject), Ok(version)) if millis >= 0 => {
            event_position(millis, subject, version) == position
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_tenant_scoped_and_distinct_per_kind() {
        let t = TenantId::parse("acme").unwrap();
        let id = CustomerId::parse("6f9619ff-8b86-d011-b42d-00c04fc964ff").unwrap();
        assert_eq!(
            customer(&t, id).pk,
            "TENANT#acme#CUSTOMER#6f9619ff-8b86-d011-b42d-00c04fc964ff"
        );
        assert_eq!(
            claim(&t, UniqueField::Email, "a@b.co").pk,
            "TENANT#acme#EMAIL#a@b.co"
        );
        assert_ne!(
            claim(&t, UniqueField::Email, "x").pk,
            claim(&t, UniqueField::Mobile, "x").pk
        );
        assert_eq!(tombstone(&t, id).pk, customer(&t, id).pk);
        assert_ne!(tombstone(&t, id).sk, customer(&t, id).sk);
    }

    #[test]
    fn customers_spread_over_every_shard_and_positions_name_them() {
        let t = TenantId::parse("acme").unwrap();
        let shards: std::collections::BTreeSet<u8> = (0..200)
            .map(|_| customer_shard(CustomerId::random()))
            .collect();
        assert_eq!(shards.len(), CUSTOMER_SHARDS as usize);
        // The shard every stored customer was listed in: its id's last character, as hex.
        for _ in 0..200 {
            let id = CustomerId::random();
            let last = id.to_string().pop().and_then(|c| c.to_digit(16));
            assert_eq!(
                last.map(|digit| digit as u8 % CUSTOMER_SHARDS),
                Some(customer_shard(id))
            );
        }
        let id = CustomerId::random();
        let key = customer_listing(&t, 1_700_000_000_123, id);
        assert_eq!(
            key.gsi2pk,
            customer_listing_partition(&t, customer_shard(id))
        );
        assert_eq!(key.gsi2sk, format!("001700000000123#{id}"));
        assert_eq!(listed_customer(&key.gsi2sk), Some(id));
        assert!(
            listing_position(9, id) < listing_position(10, id),
            "zero-padded"
        );
    }

    #[test]
    fn events_are_keyed_by_subject_and_version_and_listed_by_time() {
        let t = TenantId::parse("acme").unwrap();
        let s = EventSubject::parse("6f9619ff-8b86-d011-b42d-00c04fc964ff").unwrap();
        let key = event(&t, s, 7);
        assert_eq!(key.pk, format!("TENANT#acme#SUBJECT#{s}"));
        assert_eq!(key.sk, "VERSION#00000000000000000007");
        assert_eq!(versioned(&key.sk), Some(7));
        assert!(event_version(9) < event_version(10), "zero-padded");
        for bad in [
            "VERSION#7",
            "VERSION#-1",
            "7",
            "VERSION#000000000000000000007",
        ] {
            assert_eq!(versioned(bad), None, "{bad}");
        }
        let listed = event_listing(&t, 1_700_000_000_123, s, 7);
        assert_eq!(
            listed.gsi1pk,
            format!("TENANT#acme#EVENTS#{}", event_shard(s))
        );
        assert!(is_event_position(&listed.gsi1sk));
        for bad in [
            "",
            "1#2#3",
            &listed.gsi1sk.to_uppercase(),
            &format!("{}x", listed.gsi1sk),
        ] {
            assert!(!is_event_position(bad), "{bad}");
        }
    }
}
