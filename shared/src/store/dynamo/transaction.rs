//! One write, one `TransactWriteItems`: every item conditional, each with the role that says
//! what its failed condition means. A conflict with concurrent transactions is reported, not
//! retried here: the executor retries the whole write, within its one time budget.

use super::cancellation::{self, Outcome, Role};
use super::errors::{classify, service_error};
use super::{key_attributes, usage, DynamoStore};
use crate::store::items::to_item;
use crate::store::keys::{Key, PARTITION_KEY};
use crate::support::clients::boxed;
use crate::use_cases::ports::StoreError;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
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
    pub(super) fn new(table: &'a str) -> Self {
        Self {
            table,
            items: Vec::new(),
            roles: Vec::new(),
        }
    }

    /// Puts `item` on condition that no item has its key yet.
    pub(super) fn put_new<T: Serialize>(&mut self, role: Role, item: &T) -> Result<(), StoreError> {
        self.put_if(role, item, "attribute_not_exists(#pk)", &[], &[])
    }

    /// Puts `item` on `condition` (`#pk` names the partition key; `names` and `values` the
    /// rest of its placeholders).
    pub(super) fn put_if<T: Serialize>(
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
    pub(super) fn put_versioned<T: Serialize>(
        &mut self,
        item: &T,
        version: u64,
        seal: Option<&str>,
    ) -> Result<(), StoreError> {
        let put = Put::builder()
            .table_name(self.table)
            .set_item(Some(to_item(item)?))
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":expected", AttributeValue::N(version.to_string()));
        // A seal is written once: a customer stored before seals were may be given its first
        // by two writers at once (at one version), and the second must not replace the first,
        // whose key already seals a recorded reply. The loser reads again and keeps it.
        let put = match seal {
            None => put.condition_expression("#version = :expected"),
            Some(seal) => put
                .condition_expression(
                    "#version = :expected AND (attribute_not_exists(#seal) OR #seal = :seal)",
                )
                .expression_attribute_names("#seal", "seal")
                .expression_attribute_values(":seal", AttributeValue::S(seal.to_owned())),
        };
        let put = put
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        self.push(
            Role::Versioned,
            TransactWriteItem::builder().put(put).build(),
        );
        Ok(())
    }

    /// Deletes the record at `key`, on condition that it is still at `version`.
    pub(super) fn delete_versioned(&mut self, key: Key, version: u64) -> Result<(), StoreError> {
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
    pub(super) fn delete_if(
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
    pub(super) fn require(&mut self, role: Role, key: Key) -> Result<(), StoreError> {
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

    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn push(&mut self, role: Role, item: TransactWriteItem) {
        self.items.push(item);
        self.roles.push(role);
    }
}

impl DynamoStore {
    /// Sends `transaction`. A cancellation caused only by concurrent transactions is
    /// `Conflict`; one whose conditions show it had already been applied (an SDK retry of an
    /// attempt whose answer was lost) is a success.
    pub(super) async fn transact(&self, transaction: Transaction<'_>) -> Result<(), StoreError> {
        let Transaction { items, roles, .. } = transaction;
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
                    usage::add_write(consumed.capacity_units());
                }
                return Ok(());
            }
            Err(error) => error,
        };
        match outcome_of(error, &roles) {
            Outcome::AlreadyApplied => {
                tracing::warn!("a retried transaction had already been applied");
                Ok(())
            }
            Outcome::Conflict => Err(StoreError::Conflict),
            Outcome::Failed(error) => Err(error),
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
