//! The table's stream, read: a record's images as the change it committed. Only customers
//! written, customers erased (their tombstone) and groups created are changes other systems
//! hear of; claims, records and TTL deletions are how those are kept, not changes.

use super::{unreadable, CustomerItem, GroupItem, Item, TombstoneItem};
use crate::domain::{CommittedChange, TenantId};
use crate::use_cases::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;

/// The change a stream record tells (`event_name`: `INSERT`, `MODIFY` or `REMOVE`), or `None`
/// for a record that is no change of its own.
pub(crate) fn read_change(
    event_name: &str,
    old_image: Item,
    new_image: Item,
) -> Result<Option<CommittedChange>, StoreError> {
    let sort_key = match new_image.get("sk") {
        Some(AttributeValue::S(sk)) => sk.as_str(),
        _ => return Ok(None),
    };
    let tenant = match new_image.get("tenant_id") {
        Some(AttributeValue::S(tenant)) => {
            TenantId::parse(tenant).map_err(|_| unreadable("tenant"))?
        }
        _ => return Err(unreadable("tenant")),
    };
    let change = match (event_name, sort_key) {
        ("INSERT" | "MODIFY", "PROFILE") => {
            let before = (event_name == "MODIFY" && !old_image.is_empty())
                .then(|| CustomerItem::read(old_image))
                .transpose()?;
            let after = CustomerItem::read(new_image)?.customer;
            // A rewrite at the same version is no change of the customer: a patch that changes
            // nothing still gives a customer stored before seals its seal.
            if before
                .as_ref()
                .is_some_and(|before| before.customer.version == after.version)
            {
                return Ok(None);
            }
            CommittedChange::CustomerWritten {
                tenant,
                before: before.map(|stored| Box::new(stored.customer)),
                after: Box::new(after),
            }
        }
        ("INSERT", "ERASED") => CommittedChange::CustomerErased {
            tenant,
            tombstone: TombstoneItem::read(new_image)?,
        },
        ("INSERT", "GROUP") => CommittedChange::GroupCreated {
            tenant,
            group: GroupItem::read(new_image)?,
        },
        _ => return Ok(None),
    };
    Ok(Some(change))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::dynamo_json;

    fn customer(version: u64, email: &str) -> Item {
        let mut item = dynamo_json::item(include_str!("layouts/customer-unmarked.json"));
        item.insert("version".into(), AttributeValue::N(version.to_string()));
        item.insert("email".into(), AttributeValue::S(email.into()));
        item
    }

    #[test]
    fn a_rewrite_at_the_same_version_is_no_change() {
        let sealed = customer(2, "ann.lee@example.com");
        let unsealed = customer(2, "ann.lee@example.com");
        assert_eq!(read_change("MODIFY", unsealed, sealed).unwrap(), None);
        let change = read_change(
            "MODIFY",
            customer(2, "ann.lee@example.com"),
            customer(3, "ann@example.com"),
        )
        .unwrap();
        assert!(matches!(
            change,
            Some(CommittedChange::CustomerWritten {
                before: Some(_),
                ..
            })
        ));
    }

    #[test]
    fn only_profiles_tombstones_and_groups_are_changes() {
        let mut claim = Item::new();
        claim.insert("sk".into(), AttributeValue::S("CLAIM".into()));
        claim.insert("tenant_id".into(), AttributeValue::S("acme".into()));
        assert_eq!(read_change("INSERT", Item::new(), claim).unwrap(), None);
        assert_eq!(
            read_change("REMOVE", customer(2, "a@b.co"), Item::new()).unwrap(),
            None
        );
        assert!(matches!(
            read_change("INSERT", Item::new(), customer(1, "a@b.co")).unwrap(),
            Some(CommittedChange::CustomerWritten { before: None, .. })
        ));
    }
}
