//! Customer-group items: each with its name claim, listed through the collections index.

use super::cancellation::Role;
use super::claims::Owner;
use super::transaction::Transaction;
use super::{capacity, errors, from_item, DynamoStore};
use crate::clients::boxed;
use crate::domain::{Claim, CustomerGroup, TenantId, UniqueField};
use crate::store::keys::{self, CollectionKey, COLLECTIONS_INDEX};
use crate::store::{GroupStore, Page, PageKey, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct GroupItem<G> {
    #[serde(flatten)]
    key: keys::Key,
    #[serde(flatten)]
    collection: CollectionKey,
    entity: String,
    tenant_id: TenantId,
    #[serde(flatten)]
    group: G,
}

impl GroupStore for DynamoStore {
    async fn insert_group(
        &self,
        tenant: &TenantId,
        group: &CustomerGroup,
    ) -> Result<(), StoreError> {
        let item = GroupItem {
            key: keys::group(tenant, group.id),
            collection: keys::group_collection(
                tenant,
                group.created_at.unix_timestamp_nanos() / 1_000_000,
                group.id,
            ),
            entity: "group".to_owned(),
            tenant_id: tenant.clone(),
            group,
        };
        let mut transaction = Transaction::new(&self.table);
        transaction.put_new(Role::Record, &item)?;
        let name = Claim::new(UniqueField::GroupName, group.name_key());
        transaction.claim(tenant, &name, Owner::Group(group.id))?;
        self.commit(transaction).await
    }

    async fn list_groups(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<PageKey>,
    ) -> Result<Page<CustomerGroup>, StoreError> {
        let start = start.map(|key| {
            key.into_iter()
                .map(|(k, v)| (k, AttributeValue::S(v)))
                .collect()
        });
        let output = boxed(
            self.client()
                .query()
                .table_name(&self.table)
                .index_name(COLLECTIONS_INDEX)
                .key_condition_expression("gsi1pk = :collection")
                .expression_attribute_values(
                    ":collection",
                    AttributeValue::S(keys::group_collection_partition(tenant)),
                )
                .limit(limit as i32)
                .set_exclusive_start_key(start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send(),
        )
        .await
        .map_err(errors::classify)?;
        capacity::add_read(output.consumed_capacity().and_then(|c| c.capacity_units()));
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<GroupItem<CustomerGroup>>(item).map(|stored| stored.group))
            .collect::<Result<Vec<_>, _>>()?;
        let next = output.last_evaluated_key.map(|key| {
            key.into_iter()
                .filter_map(|(k, v)| v.as_s().ok().map(|s| (k, s.clone())))
                .collect()
        });
        Ok(Page { items, next })
    }
}
