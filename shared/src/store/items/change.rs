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
            CommittedChange::CustomerWritten {
                tenant,
                before: before.map(|stored| Box::new(stored.customer)),
                after: Box::new(CustomerItem::read(new_image)?.customer),
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
