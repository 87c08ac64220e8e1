//! The use cases' side of `Idempotency-Key`: before any work, a key with a live record is
//! answered from it; a write carries the receipt of its outcome; a write that loses to its
//! key's record (a concurrent request with the key came first) is answered from that record.

use crate::domain::TenantId;
use crate::store::{IdempotencyStore, StoreError};
use crate::use_cases::idempotency::{replay, Idempotent, Receipt, RecordedResponse, ReplayError};
use thiserror::Error;
use time::OffsetDateTime;

#[derive(Debug, PartialEq, Error)]
pub enum KeyedError {
    #[error("the idempotency key was used for another request")]
    KeyReused,
    #[error("the response could not be rendered")]
    Render,
    #[error(transparent)]
    Store(StoreError),
}

/// The recorded answer for a keyed request whose key has a live record.
pub async fn recorded_answer<S: IdempotencyStore, T>(
    store: &S,
    tenant: &TenantId,
    keyed: Option<&Idempotent<'_, T>>,
    now: OffsetDateTime,
) -> Result<Option<RecordedResponse>, KeyedError> {
    let Some(keyed) = keyed else {
        return Ok(None);
    };
    let record = store
        .recorded(tenant, &keyed.request.scope)
        .await
        .map_err(KeyedError::Store)?;
    replay(record, &keyed.request, now).map_err(|ReplayError::KeyReused| KeyedError::KeyReused)
}

/// The answer after a write lost to its key's record. A record that is gone again (it
/// expired in between) leaves nothing to answer with: the client may retry.
pub async fn answer_after_losing<S: IdempotencyStore, T>(
    store: &S,
    tenant: &TenantId,
    keyed: Option<&Idempotent<'_, T>>,
    now: OffsetDateTime,
) -> Result<RecordedResponse, KeyedError> {
    recorded_answer(store, tenant, keyed, now)
        .await?
        .ok_or(KeyedError::Store(StoreError::Contended))
}

/// The receipt of `outcome`, for a keyed request.
pub fn receipt<T>(
    keyed: Option<&Idempotent<'_, T>>,
    outcome: &T,
    now: OffsetDateTime,
) -> Result<Option<Receipt>, KeyedError> {
    keyed
        .map(|keyed| keyed.receipt(outcome, now))
        .transpose()
        .map_err(|_| KeyedError::Render)
}
