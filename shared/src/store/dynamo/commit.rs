//! The one write: a change and a keyed request's receipt as one transaction. Its items go in
//! this order, which is the order cancellation reasons come back in: the record, the values
//! given up, the values taken (a collision is reported for the first of them), the tombstone,
//! the groups required, the receipt.

use super::cancellation::Role;
use super::transaction::Transaction;
use super::DynamoStore;
use crate::domain::{Claim, CustomerId, TenantId};
use crate::store::items::{ClaimItem, CustomerItem, GroupItem, Owner, RecordItem, TombstoneItem};
use crate::store::keys;
use crate::use_cases::idempotency::Receipt;
use crate::use_cases::ports::{Change, Commit, StoreError, Written};
use aws_sdk_dynamodb::types::AttributeValue;

impl Commit for DynamoStore {
    async fn commit(
        &self,
        tenant: &TenantId,
        change: &Change,
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        let mut transaction = Transaction::new(&self.table);
        let owner = record(&mut transaction, tenant, &change.record)?;
        for claim in &change.release {
            let Some(Owner::Customer(id)) = owner else {
                return Err(StoreError::Internal("a release without a customer".into()));
            };
            release(&mut transaction, tenant, claim, id)?;
        }
        for claim in &change.take {
            let owner =
                owner.ok_or_else(|| StoreError::Internal("a claim without an owner".into()))?;
            transaction.put_new(
                Role::Claim(claim.field),
                &ClaimItem::new(tenant, claim, owner),
            )?;
        }
        if let Written::Erased { tombstone, .. } = &change.record {
            transaction.put_new(Role::Record, &TombstoneItem::new(tenant, tombstone))?;
        }
        for group in &change.groups {
            transaction.require(Role::Group(*group), keys::group(tenant, *group))?;
        }
        if let Some(receipt) = receipt {
            record_receipt(&mut transaction, tenant, receipt)?;
        }
        if transaction.is_empty() {
            return Ok(());
        }
        self.transact(transaction).await
    }
}

/// The record's own item, and who the change's claims belong to.
fn record(
    transaction: &mut Transaction<'_>,
    tenant: &TenantId,
    record: &Written,
) -> Result<Option<Owner>, StoreError> {
    Ok(match record {
        Written::NewCustomer(stored) => {
            transaction.put_new(Role::Record, &CustomerItem::new(tenant, stored))?;
            Some(Owner::Customer(stored.customer.id))
        }
        Written::Customer {
            customer,
            read_version,
        } => {
            let item = CustomerItem::new(tenant, customer);
            transaction.put_versioned(&item, *read_version, item.seal())?;
            Some(Owner::Customer(customer.customer.id))
        }
        Written::Erased {
            tombstone,
            read_version,
        } => {
            transaction.delete_versioned(keys::customer(tenant, tombstone.id), *read_version)?;
            Some(Owner::Customer(tombstone.id))
        }
        Written::NewGroup(group) => {
            transaction.put_new(Role::Record, &GroupItem::new(tenant, group))?;
            Some(Owner::Group(group.id))
        }
        Written::Nothing => None,
    })
}

/// Gives up `claim`, on condition that it is still `owner`'s.
fn release(
    transaction: &mut Transaction<'_>,
    tenant: &TenantId,
    claim: &Claim,
    owner: CustomerId,
) -> Result<(), StoreError> {
    transaction.delete_if(
        Role::Released(claim.field),
        keys::claim(tenant, claim.field, &claim.value),
        "customer_id",
        owner.to_string(),
    )
}

/// Puts the record on condition that its key has none, or only an expired one (DynamoDB's TTL
/// deletes expired items a day or two late).
fn record_receipt(
    transaction: &mut Transaction<'_>,
    tenant: &TenantId,
    receipt: &Receipt,
) -> Result<(), StoreError> {
    let now = receipt.record.created_at.unix_timestamp().to_string();
    transaction.put_if(
        Role::Receipt,
        &RecordItem::new(tenant, receipt)?,
        "attribute_not_exists(#pk) OR #expires_at <= :now",
        &[("#expires_at", "expires_at")],
        &[(":now", AttributeValue::N(now))],
    )
}
