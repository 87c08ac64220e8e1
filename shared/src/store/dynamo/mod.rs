//! DynamoDB storage of one table (its definition lives in template.yaml). Every write is one
//! `TransactWriteItems` of conditional items (transaction.rs), whose cancellation reasons say
//! which condition failed (cancellation.rs).

mod cancellation;
mod claims;
mod customers;
mod errors;
mod groups;
mod listing;
mod transaction;

use super::capacity;
use super::keys::Key;
use super::StoreError;
use crate::clients::{boxed, LazyClient};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use aws_sdk_dynamodb::Client;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

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
    async fn read<T: DeserializeOwned>(&self, key: Key) -> Result<Option<T>, StoreError> {
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
        capacity::add_read(output.consumed_capacity().and_then(|c| c.capacity_units()));
        output.item.map(from_item).transpose()
    }
}

fn key_attributes(key: Key) -> Item {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(key.pk)),
        ("sk".to_owned(), AttributeValue::S(key.sk)),
    ])
}

fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::to_item(value)
        .map_err(|e| StoreError::Internal(format!("serialising an item: {e}")))
}

fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
        .map_err(|e| StoreError::Internal(format!("reading a stored item: {e}")))
}
