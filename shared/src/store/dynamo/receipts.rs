//! Records of keyed requests (`Idempotency-Key`): one item per tenant, route and key, written
//! in the transaction of the write it records.

use super::cancellation::Role;
use super::transaction::Transaction;
use super::DynamoStore;
use crate::domain::TenantId;
use crate::store::{keys, IdempotencyStore, StoreError};
use crate::use_cases::idempotency::{IdempotencyRecord, Receipt};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct RecordItem<R> {
    #[serde(flatten)]
    key: keys::Key,
    entity: String,
    tenant_id: TenantId,
    #[serde(flatten)]
    record: R,
}

impl Transaction<'_> {
    /// Puts the record on condition that its key has none, or only an expired one (DynamoDB's
    /// TTL deletes expired items a day or two late).
    pub fn receipt(&mut self, tenant: &TenantId, receipt: &Receipt) -> Result<(), StoreError> {
        let item = RecordItem {
            key: keys::idempotency(tenant, &receipt.scope),
            entity: "idempotency".to_owned(),
            tenant_id: tenant.clone(),
            record: &receipt.record,
        };
        let now = receipt.record.created_at.unix_timestamp().to_string();
        self.put_if(
            Role::Receipt,
            &item,
            "attribute_not_exists(#pk) OR #expires_at <= :now",
            &[("#expires_at", "expires_at")],
            &[(":now", AttributeValue::N(now))],
        )
    }

    /// The receipt, when there is one.
    pub fn maybe_receipt(
        &mut self,
        tenant: &TenantId,
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        receipt.map_or(Ok(()), |receipt| self.receipt(tenant, receipt))
    }
}

impl IdempotencyStore for DynamoStore {
    async fn recorded(
        &self,
        tenant: &TenantId,
        scope: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let item: Option<RecordItem<IdempotencyRecord>> =
            self.read(keys::idempotency(tenant, scope)).await?;
        Ok(item.map(|item| item.record))
    }

    async fn record(&self, tenant: &TenantId, receipt: &Receipt) -> Result<(), StoreError> {
        self.commit(|mut transaction| {
            transaction.receipt(tenant, receipt)?;
            Ok(transaction)
        })
        .await
    }
}
