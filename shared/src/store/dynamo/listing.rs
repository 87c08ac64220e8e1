//! Listings: a customer by a value it holds (its claim); a page of a tenant's customers through
//! the sharded, keys-only listing index, merged newest first and then read from the table
//! itself; a page of its groups through the collections index.

use super::{errors, key_attributes, usage, DynamoStore, IndexQuery};
use crate::domain::{Claim, Customer, CustomerGroup, CustomerId, GroupId, TenantId};
use crate::store::items::{CustomerItem, GroupItem, Item};
use crate::store::keys::{self, COLLECTIONS_INDEX, CUSTOMERS_INDEX, CUSTOMER_SHARDS};
use crate::support::clients::boxed;
use crate::support::retry::{Backoff, CONTENTION_BUDGET};
use crate::use_cases::ports::{
    CustomerFinder, CustomerReader, GroupLister, Page, PageKey, StoreError,
};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnConsumedCapacity};
use std::collections::HashMap;

/// A shard's place in a cursor once everything in it has been listed.
const DONE: &str = "done";

/// The member of a group listing's start that holds its position.
const AFTER: &str = "after";

/// One shard's answer: positions, newest first, and whether it has more after them.
struct ShardPage {
    shard: u8,
    positions: Vec<String>,
    more: bool,
}

impl CustomerFinder for DynamoStore {
    async fn find(&self, tenant: &TenantId, claim: &Claim) -> Result<Option<Customer>, StoreError> {
        match self.claim_owner(tenant, claim).await? {
            Some(id) => Ok(self.get(tenant, id).await?.map(|stored| stored.customer)),
            None => Ok(None),
        }
    }

    async fn list(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<PageKey>,
    ) -> Result<Page<Customer>, StoreError> {
        let start = start.unwrap_or_default();
        let after = shard_starts(&start).ok_or(StoreError::InvalidStart)?;
        let queries = (0..CUSTOMER_SHARDS)
            .filter(|shard| after[usize::from(*shard)] != Some(ShardStart::Done))
            .map(|shard| {
                let from = match after[usize::from(shard)] {
                    Some(ShardStart::After(id)) => start.get(&shard.to_string()).map(|p| (p, id)),
                    _ => None,
                };
                self.query_shard(tenant, shard, limit, from)
            });
        let shards = futures_util::future::try_join_all(queries).await?;

        // Merge: the page is the `limit` newest positions of all shards.
        let mut merged: Vec<(&str, u8)> = shards
            .iter()
            .flat_map(|s| s.positions.iter().map(move |p| (p.as_str(), s.shard)))
            .collect();
        merged.sort_unstable_by(|a, b| b.0.cmp(a.0));
        merged.truncate(limit as usize);

        // Each shard continues after the last of its positions the page took; one whose every
        // position was taken, with nothing after them, is done.
        let mut next = start.clone();
        for shard in &shards {
            let taken: Vec<&str> = merged
                .iter()
                .filter(|(_, s)| *s == shard.shard)
                .map(|(p, _)| *p)
                .collect();
            let position = if taken.len() == shard.positions.len() && !shard.more {
                Some(DONE)
            } else {
                taken.last().copied()
            };
            if let Some(position) = position {
                next.insert(shard.shard.to_string(), position.to_owned());
            }
        }
        let finished = (0..CUSTOMER_SHARDS)
            .all(|shard| next.get(&shard.to_string()).map(String::as_str) == Some(DONE));

        let ids: Vec<CustomerId> = merged
            .iter()
            .filter_map(|(position, _)| keys::listed_customer(position))
            .collect();
        let items = self.read_customers(tenant, &ids).await?;
        Ok(Page {
            items,
            next: (!finished).then_some(next),
        })
    }
}

/// Where a shard's listing resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShardStart {
    After(CustomerId),
    Done,
}

/// Each shard's start, from a page's start (shard number to a position or [`DONE`]); `None`
/// unless every member names a shard and a position of a customer that shard lists: anything
/// else was written by a client, not by [`CustomerFinder::list`].
fn shard_starts(start: &PageKey) -> Option<[Option<ShardStart>; CUSTOMER_SHARDS as usize]> {
    let mut shards = [None; CUSTOMER_SHARDS as usize];
    for (shard, position) in start {
        let number: u8 = shard.parse().ok().filter(|n| *n < CUSTOMER_SHARDS)?;
        if shard != &number.to_string() {
            return None;
        }
        shards[usize::from(number)] = Some(if position == DONE {
            ShardStart::Done
        } else {
            let id = keys::positioned(position, CustomerId::parse)?;
            if keys::customer_shard(id) != number {
                return None;
            }
            ShardStart::After(id)
        });
    }
    Some(shards)
}

impl DynamoStore {
    /// Up to `limit` positions of one shard, newest first, after `after` (a checked position
    /// and the customer it names).
    async fn query_shard(
        &self,
        tenant: &TenantId,
        shard: u8,
        limit: u32,
        after: Option<(&String, CustomerId)>,
    ) -> Result<ShardPage, StoreError> {
        let partition = keys::customer_listing_partition(tenant, shard);
        // Every key rebuilt from the caller's tenant: a cursor only ever says where.
        let start = after.map(|(position, id)| {
            let mut key: Item = key_attributes(keys::customer(tenant, id));
            key.insert("gsi2pk".into(), AttributeValue::S(partition.clone()));
            key.insert("gsi2sk".into(), AttributeValue::S(position.clone()));
            key
        });
        let output = self
            .query_index(IndexQuery {
                index: CUSTOMERS_INDEX,
                partition: ("gsi2pk", partition),
                newest_first: true,
                limit,
                start,
            })
            .await?;
        let positions = output
            .items()
            .iter()
            .filter_map(|item| item.get("gsi2sk")?.as_s().ok().cloned())
            .collect();
        Ok(ShardPage {
            shard,
            positions,
            more: output.last_evaluated_key.is_some(),
        })
    }

    /// The customers with `ids`, in that order, read strongly consistently in one
    /// `BatchGetItem` (pages hold at most 100, its limit); those erased meanwhile are left out.
    async fn read_customers(
        &self,
        tenant: &TenantId,
        ids: &[CustomerId],
    ) -> Result<Vec<Customer>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut wanted = KeysAndAttributes::builder().consistent_read(true);
        for id in ids {
            wanted = wanted.keys(key_attributes(keys::customer(tenant, *id)));
        }
        let mut request = HashMap::from([(
            self.table.clone(),
            wanted
                .build()
                .map_err(|e| StoreError::Internal(e.to_string()))?,
        )]);
        let mut found: HashMap<CustomerId, Customer> = HashMap::with_capacity(ids.len());
        let mut backoff = Backoff::new(CONTENTION_BUDGET);
        loop {
            let output = boxed(
                self.client()
                    .batch_get_item()
                    .set_request_items(Some(request))
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send(),
            )
            .await
            .map_err(errors::classify)?;
            for consumed in output.consumed_capacity() {
                usage::add_read(consumed.capacity_units());
            }
            let items = output
                .responses
                .and_then(|mut tables| tables.remove(&self.table))
                .unwrap_or_default();
            for item in items {
                let customer = CustomerItem::read(item)?.customer;
                found.insert(customer.id, customer);
            }
            // Keys DynamoDB did not get to (throttling, size): asked again after a pause.
            match output.unprocessed_keys.filter(|keys| !keys.is_empty()) {
                None => break,
                Some(unprocessed) => {
                    if !backoff.wait().await {
                        return Err(StoreError::Unavailable("reads left unprocessed".into()));
                    }
                    request = unprocessed;
                }
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}

impl GroupLister for DynamoStore {
    async fn list_groups(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<PageKey>,
    ) -> Result<Page<CustomerGroup>, StoreError> {
        let partition = keys::group_collection_partition(tenant);
        // Rebuilt from the caller's tenant and the group the position names.
        let start = match start {
            None => None,
            Some(start) => {
                let position = start.get(AFTER).filter(|_| start.len() == 1);
                let position = position.ok_or(StoreError::InvalidStart)?;
                let id =
                    keys::positioned(position, GroupId::parse).ok_or(StoreError::InvalidStart)?;
                let mut key: Item = key_attributes(keys::group(tenant, id));
                key.insert("gsi1pk".into(), AttributeValue::S(partition.clone()));
                key.insert("gsi1sk".into(), AttributeValue::S(position.clone()));
                Some(key)
            }
        };
        let output = self
            .query_index(IndexQuery {
                index: COLLECTIONS_INDEX,
                partition: ("gsi1pk", partition),
                newest_first: false,
                limit,
                start,
            })
            .await?;
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(GroupItem::read)
            .collect::<Result<Vec<_>, _>>()?;
        let next = match output.last_evaluated_key {
            None => None,
            Some(key) => {
                let position = key
                    .get("gsi1sk")
                    .and_then(|v| v.as_s().ok())
                    .ok_or_else(|| {
                        StoreError::Internal(
                            "a group listing stopped at a key without gsi1sk".into(),
                        )
                    })?;
                Some(PageKey::from([(AFTER.to_owned(), position.clone())]))
            }
        };
        Ok(Page { items, next })
    }
}
