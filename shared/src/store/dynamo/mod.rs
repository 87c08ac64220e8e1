//! DynamoDB storage of one table (its definition lives in template.yaml). Every write is one
//! `TransactWriteItems` of conditional items (commit.rs, transaction.rs), whose cancellation
//! reasons say which condition failed (cancellation.rs).

mod cancellation;
mod commit;
mod errors;
mod events;
mod listing;
mod reads;
mod transaction;

pub use events::DynamoEvents;

use super::items::Item;
use super::keys::Key;
use crate::support::clients::{boxed, LazyClient};
use crate::support::usage;
use crate::use_cases::ports::StoreError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: LazyClient<Client>,
    table: String,
}

impl DynamoStore {
    pub fn new(client: LazyClient<Client>, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn client(&self) -> &Client {
        self.client.get()
    }

    /// One item by key, strongly consistent: a client that reads right after writing (its
    /// customer, a claim it just lost) must see that write.
    async fn read(&self, key: Key) -> Result<Option<Item>, StoreError> {
        let output = boxed(
            self.client()
                .get_item()
                .table_name(&self.table)
                .set_key(Some(key_attributes(key)))
                .consistent_read(true)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send(),
        )
        .await
        .map_err(errors::classify)?;
        usage::add_read(output.consumed_capacity().and_then(|c| c.capacity_units()));
        Ok(output.item)
    }
}

/// Which part of a secondary index a query reads: its partition, in which order, from where.
struct IndexQuery<'a> {
    index: &'a str,
    /// The index's partition-key attribute and the partition to read.
    partition: (&'a str, String),
    newest_first: bool,
    limit: u32,
    start: Option<Item>,
}

impl DynamoStore {
    /// One page of an index partition; its capacity is counted for the request's log line.
    async fn query_index(
        &self,
        query: IndexQuery<'_>,
    ) -> Result<aws_sdk_dynamodb::operation::query::QueryOutput, StoreError> {
        let (attribute, partition) = query.partition;
        let output = boxed(
            self.client()
                .query()
                .table_name(&self.table)
                .index_name(query.index)
                .key_condition_expression("#partition = :partition")
                .expression_attribute_names("#partition", attribute)
                .expression_attribute_values(":partition", AttributeValue::S(partition))
                .scan_index_forward(!query.newest_first)
                .limit(query.limit as i32)
                .set_exclusive_start_key(query.start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send(),
        )
        .await
        .map_err(errors::classify)?;
        usage::add_read(output.consumed_capacity().and_then(|c| c.capacity_units()));
        Ok(output)
    }
}

fn key_attributes(key: Key) -> Item {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(key.pk)),
        ("sk".to_owned(), AttributeValue::S(key.sk)),
    ])
}
