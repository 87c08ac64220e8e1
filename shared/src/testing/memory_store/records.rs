//! Records of keyed requests: a write that carries a receipt keeps it in the same step, and
//! fails when its key already has a live record, as the conditional put in the transaction does.

use super::{MemoryStore, Op, State};
use crate::domain::TenantId;
use crate::store::{IdempotencyStore, StoreError};
use crate::use_cases::idempotency::{IdempotencyRecord, Receipt};

/// A write that carries a receipt fails first of all when its key has a live record.
pub(super) fn no_live_record(
    state: &State,
    tenant: &TenantId,
    receipt: Option<&Receipt>,
) -> Result<(), StoreError> {
    let Some(receipt) = receipt else {
        return Ok(());
    };
    let key = (tenant.as_str().to_owned(), receipt.scope.clone());
    match state.records.get(&key) {
        Some(record) if record.is_live(receipt.record.created_at) => {
            Err(StoreError::AlreadyRecorded)
        }
        _ => Ok(()),
    }
}

pub(super) fn keep_record(state: &mut State, tenant: &TenantId, receipt: Option<&Receipt>) {
    if let Some(receipt) = receipt {
        let key = (tenant.as_str().to_owned(), receipt.scope.clone());
        state.records.insert(key, receipt.record.clone());
    }
}

impl IdempotencyStore for MemoryStore {
    async fn recorded(
        &self,
        tenant: &TenantId,
        scope: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.serve(Op::Recorded, |state| {
            let key = (tenant.as_str().to_owned(), scope.to_owned());
            Ok(state.records.get(&key).cloned())
        })
    }

    async fn record(&self, tenant: &TenantId, receipt: &Receipt) -> Result<(), StoreError> {
        self.serve(Op::Record, |state| {
            no_live_record(state, tenant, Some(receipt))?;
            keep_record(state, tenant, Some(receipt));
            Ok(())
        })
    }
}
