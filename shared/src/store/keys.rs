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
        gsi1sk: format!("{created_at_millis:015}#{id}"),
    }
}

pub fn group_collection_partition(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#GROUPS")
}

/// `value` is the canonical form (lower-cased email, E.164 mobile, a document's keyed hash):
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
    }
}
