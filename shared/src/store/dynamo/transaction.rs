//! One write, one `TransactWriteItems`: every item conditional, each with the role that says
//! what its failed condition means. Conflicts with concurrent transactions are retried.

use super::cancellation::{self, Outcome, Role};
use super::errors::{classify, service_error};
use super::{capacity, key_attributes, to_item, DynamoStore};
use crate::store::keys::{Key, PARTITION_KEY};
use crate::store::StoreError;
use crate::support::clients::boxed;
use crate::support::retry::{Backoff, CONTENTION_BUDGET};
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnConsumedCapacity, TransactWriteItem,
};
use serde::Serialize;

/// The items of one transaction, in order: cancellation reasons come back in this order.
pub(super) struct Transaction<'a> {
    table: &'a str,
    items: Vec<TransactWriteItem>,
    roles: Vec<Role>,
}

impl<'a> Transaction<'a> {
    pub fn new(table: &'a str) -> Self {
        Self {
            table,
            items: Vec::new(),
            roles: Vec::new(),
        }
    }

    /// Puts `item` on condition that no item has its key yet.
    pub fn put_new<T: Serialize>(&mut self, role: Role, item: &T) -> Result<(), StoreError> {
        self.put_if(role, item, "attribute_not_exists(#pk)", &[], &[])
    }

    /// Puts `item` on `condition` (`#pk` names the partition key; `names` and `values` the
    /// rest of its placeholders).
    pub fn put_if<T: Serialize>(
        &mut self,
        role: Role,
        item: &T,
        condition: &str,
        names: &[(&str, &str)],
        values: &[(&str, AttributeValue)],
    ) -> Result<(), StoreError> {
        let mut put = Put::builder()
            .table_name(self.table)
            .set_item(Some(to_item(item)?))
            .condition_expression(condition)
            .expression_attribute_names("#pk", PARTITION_KEY);
        for (placeholder, name) in names {
            put = put.expression_attribute_names(*placeholder, *name);
        }
        for (placeholder, value) in values {
            put = put.expression_attribute_values(*placeholder, value.clone());
        }
        let put = put
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        self.push(role, TransactWriteItem::builder().put(put).build());
        Ok(())
    }

    /// Puts `item` in place of the record, on condition that it is still at `version`.
    pub fn put_versioned<T: Serialize>(
        &mut self,
        item: &T,
        version: u64,
    ) -> Result<(), StoreError> {
        let put = Put::builder()
            .table_name(self.table)
            .set_item(Some(to_item(item)?))
            .condition_expression("#version = :expected")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":expected", AttributeValue::N(version.to_string()))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        self.push(
            Role::Versioned,
            TransactWriteItem::builder().put(put).build(),
        );
        Ok(())
    }

    /// Deletes the record at `key`, on condition that it is still at `version`.
    pub fn delete_versioned(&mut self, key: Key, version: u64) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(self.table)
            .set_key(Some(key_attributes(key)))
            .condition_expression("#version = :expected")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":expected", AttributeValue::N(version.to_string()))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        self.push(
            Role::Versioned,
            TransactWriteItem::builder().delete(delete).build(),
        );
        Ok(())
    }

    /// Deletes the item at `key`, on condition that its `attribute` is `value`.
    pub fn delete_if(
        &mut self,
        role: Role,
        key: Key,
        attribute: &str,
        value: String,
    ) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(self.table)
            .set_key(Some(key_attributes(key)))
            .condition_expression("#attribute = :value")
            .expression_attribute_names("#attribute", attribute)
            .expression_attribute_values(":value", AttributeValue::S(value))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        self.push(role, TransactWriteItem::builder().delete(delete).build());
        Ok(())
    }

    /// Writes nothing; fails the transaction unless an item has `key`.
    pub fn require(&mut self, role: Role, key: Key) -> Result<(), StoreError> {
        let check = ConditionCheck::builder()
            .table_name(self.table)
            .set_key(Some(key_attributes(key)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        self.push(
            role,
            TransactWriteItem::builder().condition_check(check).build(),
        );
        Ok(())
    }

    /// An update of the item at `key`; `update` carries its expressions and condition.
    pub fn update(
        &mut self,
        role: Role,
        key: Key,
        update: UpdateBuilder,
    ) -> Result<(), StoreError> {
        let update = update
            .table_name(self.table)
            .set_key(Some(key_attributes(key)))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        self.push(role, TransactWriteItem::builder().update(update).build());
        Ok(())
    }

    fn push(&mut self, role: Role, item: TransactWriteItem) {
        self.items.push(item);
        self.roles.push(role);
    }
}

impl DynamoStore {
    /// Sends the transaction `build` makes. A cancellation caused only by concurrent
    /// transactions (`TransactionConflict`) is retried with backoff until the contention
    /// budget is spent, so that a race ends in a success or a failed condition, never in a
    /// 5xx. Each attempt builds its own items (the SDK takes them): a retry builds them again
    /// rather than every request keeping a copy for a retry that seldom comes.
    pub(super) async fn commit<'t>(
        &'t self,
        build: impl Fn(Transaction<'t>) -> Result<Transaction<'t>, StoreError>,
    ) -> Result<(), StoreError> {
        let mut backoff = Backoff::new(CONTENTION_BUDGET);
        loop {
            let Transaction { items, roles, .. } = build(Transaction::new(&self.table))?;
            let result = boxed(
                self.client()
                    .transact_write_items()
                    .set_transact_items(Some(items))
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send(),
            )
            .await;
            let error = match result {
                Ok(output) => {
                    for consumed in output.consumed_capacity() {
                        capacity::add_write(consumed.capacity_units());
                    }
                    return Ok(());
                }
                Err(error) => error,
            };
            match outcome_of(error, &roles) {
                Outcome::AlreadyApplied => {
                    tracing::warn!("a retried transaction had already been applied");
                    return Ok(());
                }
                Outcome::Conflict => {
                    if !backoff.wait().await {
                        return Err(StoreError::Contended);
                    }
                }
                Outcome::Failed(error) => return Err(error),
            }
        }
    }
}

fn outcome_of(error: SdkError<TransactWriteItemsError, HttpResponse>, roles: &[Role]) -> Outcome {
    let (error, status) = match error {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            (service.into_err(), status)
        }
        other => return Outcome::Failed(classify(other)),
    };
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = error else {
        return Outcome::Failed(service_error(&error, status));
    };
    let codes: Vec<&str> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or("None"))
        .collect();
    cancellation::outcome(&codes, roles)
}
