//! Safe retries (`Idempotency-Key`), as the write path sees them. The first request with a key
//! that succeeds records its reply in the very transaction that makes its write, so that a
//! write without its record, or a record without its write, cannot exist. A later request with
//! the key is answered from the record (the same request) or refused (another request). The
//! edge reads the key and renders replies; the executor alone reads and writes records.

use crate::domain::CustomerId;
use crate::support::seal::SealKey;
use thiserror::Error;
use time::{Duration, OffsetDateTime};

/// How long a record answers for its key.
pub const RECORD_LIFETIME: Duration = Duration::hours(24);

/// A request that carries a key: where its record lives (`scope`: the key, scoped to its caller
/// and route) and what request it is (`fingerprint`), each a hex SHA-256 the edge computes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest {
    pub scope: String,
    pub fingerprint: String,
}

/// The reply a first request answered, as a client relies on it and a record keeps it: made at
/// the edge, carried here as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: Option<String>,
    pub location: Option<String>,
    pub etag: Option<String>,
    /// The body shows a customer: it may only be recorded sealed under that customer's key
    /// (a record that would keep it in the clear is refused, never written).
    pub personal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the reply could not be rendered")]
pub struct RenderError;

/// How the edge answers a write's outcome `T`.
pub type Respond<T> = dyn Fn(&T) -> Result<Reply, RenderError> + Send + Sync;

/// What the store keeps of a keyed request that succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub fingerprint: String,
    /// Always there when written. Read back, `None` when the reply showed a customer that has
    /// been erased since (it was sealed with that customer's key, which the erasure
    /// destroyed), or when it was not opened (a record that does not answer: expired, or of
    /// another request).
    pub reply: Option<Reply>,
    pub created_at: OffsetDateTime,
    /// Also DynamoDB's TTL attribute, which deletes the record within a day or two after.
    pub expires_at: OffsetDateTime,
}

impl Record {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.expires_at > now
    }

    /// Whether it answers `request` at `now`: live, and of that very request.
    pub fn answers(&self, request: &KeyedRequest, now: OffsetDateTime) -> bool {
        self.is_live(now) && self.fingerprint == request.fingerprint
    }
}

/// A record to write with a write, where it lives, and how its reply is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub scope: String,
    pub record: Record,
    /// Set when the reply shows a customer: an erasure must reach every copy of its personal
    /// data, and a record lives for a day after the write.
    pub sealing: Option<Sealing>,
}

/// The customer whose key seals a reply that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealing {
    pub customer: CustomerId,
    pub key: SealKey,
}

/// A keyed write as the executor takes it: the request, and how its outcome is answered (the
/// very reply a later replay returns).
pub struct Keyed<'a, T> {
    pub request: KeyedRequest,
    pub respond: &'a Respond<T>,
}

impl<T> Keyed<'_, T> {
    /// The record of `outcome`, to be written with it.
    pub fn receipt(
        &self,
        outcome: &T,
        sealing: Option<Sealing>,
        now: OffsetDateTime,
    ) -> Result<Receipt, RenderError> {
        Ok(Receipt {
            scope: self.request.scope.clone(),
            record: Record {
                fingerprint: self.request.fingerprint.clone(),
                reply: Some((self.respond)(outcome)?),
                created_at: now,
                expires_at: now + RECORD_LIFETIME,
            },
            sealing,
        })
    }
}

/// What a write answers.
#[derive(Debug, PartialEq)]
pub enum Answer<T> {
    /// Done now.
    Fresh(T),
    /// Done by an earlier request with the key: its reply, as recorded.
    Replayed(Reply),
}

/// Why a live record does not answer a request with its key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Unanswerable {
    #[error("the idempotency key was used for another request")]
    KeyReused,
    /// The same request, whose reply showed a customer erased since.
    #[error("the customer the recorded reply showed has been erased")]
    Erased,
}

/// The answer to `request` if its key has a live record: the recorded reply for the same
/// request (unless it went with an erased customer), `KeyReused` for another.
pub fn replay(
    record: Option<Record>,
    request: &KeyedRequest,
    now: OffsetDateTime,
) -> Result<Option<Reply>, Unanswerable> {
    match record.filter(|r| r.is_live(now)) {
        None => Ok(None),
        Some(record) if record.answers(request, now) => {
            record.reply.map(Some).ok_or(Unanswerable::Erased)
        }
        Some(_) => Err(Unanswerable::KeyReused),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_live_record_replays_its_request_and_refuses_others() {
        let now = datetime!(2026-11-25 10:00 UTC);
        let request = KeyedRequest {
            scope: "s".into(),
            fingerprint: "f".into(),
        };
        let reply = Reply {
            status: 201,
            body: Some("{}".into()),
            location: None,
            etag: None,
            personal: false,
        };
        let record = |fingerprint: &str, created_at| Record {
            fingerprint: fingerprint.into(),
            reply: Some(reply.clone()),
            created_at,
            expires_at: created_at + RECORD_LIFETIME,
        };
        assert_eq!(replay(None, &request, now), Ok(None));
        assert_eq!(
            replay(Some(record("f", now)), &request, now),
            Ok(Some(reply.clone()))
        );
        assert_eq!(
            replay(Some(record("g", now)), &request, now),
            Err(Unanswerable::KeyReused)
        );
        let day_old = now - RECORD_LIFETIME;
        assert_eq!(replay(Some(record("g", day_old)), &request, now), Ok(None));
        let erased = Record {
            reply: None,
            ..record("f", now)
        };
        assert_eq!(
            replay(Some(erased.clone()), &request, now),
            Err(Unanswerable::Erased)
        );
        let other = Record {
            fingerprint: "g".into(),
            ..erased
        };
        assert_eq!(
            replay(Some(other), &request, now),
            Err(Unanswerable::KeyReused),
            "another request learns nothing of an erasure"
        );
    }
}
