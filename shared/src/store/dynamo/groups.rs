//! Customer-group items: each with its name claim, listed through the collections index.

use super::cancellation::Role;
use super::claims::Owner;
use super::{from_item, DynamoStore, IndexQuery};
use crate::domain::{Claim, CustomerGroup, TenantId, UniqueField};
use crate::store::keys::{self, CollectionKey, COLLECTIONS_INDEX};
use crate::store::{GroupStore, Page, PageKey, StoreError};
use crate::use_cases::idempotency::Receipt;
use aws_sdk_dynamodb::types::AttributeValue;
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
        receipt: Option<&Receipt>,
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
        let name = Claim::new(UniqueField::GroupName, group.name_key());
        self.commit(|mut transaction| {
            transaction.put_new(Role::Record, &item)?;
            transaction.claim(tenant, &name, Owner::Group(group.id))?;
            transaction.maybe_receipt(tenant, receipt)?;
            Ok(transaction)
        })
        .await
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
        let output = self
            .query_index(IndexQuery {
                index: COLLECTIONS_INDEX,
                partition: ("gsi1pk", keys::group_collection_partition(tenant)),
                newest_first: false,
                limit,
                start,
            })
            .await?;
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
