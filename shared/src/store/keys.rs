//! Key design (see docs/data-model.md): every key starts with the tenant, and every item of the
//! write path has its own partition key (a customer id, or a unique value), so writes spread
//! over all partitions instead of queueing on a per-tenant hot key.

use crate::domain::UniqueField;
use crate::domain::{CustomerId, GroupId, TenantId};
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

/// A customer's shard follows from its id alone, so every write of it lands in the same one.
pub fn customer_shard(id: CustomerId) -> u8 {
    let text = id.to_string();
    let last = text.bytes().last().unwrap_or(b'0');
    (last as char).to_digit(16).unwrap_or(0) as u8 % CUSTOMER_SHARDS
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
        pk: format!("TENANT#{tenant}#{kind}#{value}"),
        sk: "CLAIM".to_owned(),
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
}
