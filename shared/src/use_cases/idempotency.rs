//! Safe retries (`Idempotency-Key`). The first request with a key that succeeds records its
//! response in the very transaction that makes its write, so that a write without its record,
//! or a record without its write, cannot exist. A later request with the key is answered from
//! the record (the same request) or refused (another request).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;
use time::{Duration, OffsetDateTime};

/// How long a record answers for its key.
pub const RECORD_LIFETIME: Duration = Duration::hours(24);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be 1-255 visible ASCII characters")]
pub struct InvalidKey;

/// A client's key: 1-255 visible ASCII characters (`!` to `~`), compared exactly.
#[derive(Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, InvalidKey> {
        let ok = (1..=255).contains(&raw.len()) && raw.bytes().all(|b| (b'!'..=b'~').contains(&b));
        ok.then(|| Self(raw.to_owned())).ok_or(InvalidKey)
    }
}

/// Keys are the client's; logs carry a hash of them only.
impl std::fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdempotencyKey({})", &hex(self.0.as_bytes())[..16])
    }
}

/// A request that carries a key: where its record lives (the key, scoped to the route) and
/// what request it is (method, path and canonical body), both as hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest {
    pub scope: String,
    pub fingerprint: String,
}

impl KeyedRequest {
    /// `route`: the route's template (`PATCH /customers/{id}`), so that one key on two routes
    /// is two keys. `path` and `body` tell one request on the route from another: the same key
    /// on another customer's PATCH, or with another body, is another request.
    pub fn new(
        key: &IdempotencyKey,
        route: &str,
        method: &str,
        path: &str,
        body: Option<&Map<String, Value>>,
    ) -> Self {
        let scope = hex(&Sha256::digest(format!("{route}\n{}", key.0)));
        let mut request = Sha256::new();
        request.update(method.as_bytes());
        request.update(b"\n");
        request.update(path.as_bytes());
        request.update(b"\n");
        if let Some(body) = body {
            hash_object(&mut request, body);
        }
        Self {
            scope,
            fingerprint: hex(&request.finalize()),
        }
    }
}

/// Feeds `value` to `hasher` as canonical JSON (object members in key order, no white space),
/// so that two bodies that mean the same are the same request. Streamed: a body with document
/// images is not copied again.
fn hash_value(hasher: &mut Sha256, value: &Value) {
    match value {
        Value::Object(members) => hash_object(hasher, members),
        Value::Array(items) => {
            hasher.update(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    hasher.update(b",");
                }
                hash_value(hasher, item);
            }
            hasher.update(b"]");
        }
        Value::String(text) => hash_string(hasher, text),
        other => hasher.update(other.to_string().as_bytes()),
    }
}

fn hash_object(hasher: &mut Sha256, members: &Map<String, Value>) {
    let mut keys: Vec<&String> = members.keys().collect();
    keys.sort();
    hasher.update(b"{");
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            hasher.update(b",");
        }
        hash_string(hasher, key);
        hasher.update(b":");
        hash_value(hasher, &members[key]);
    }
    hasher.update(b"}");
}

/// A JSON string literal, escaped as serde_json writes it.
fn hash_string(hasher: &mut Sha256, text: &str) {
    struct Feed<'a>(&'a mut Sha256);
    impl std::io::Write for Feed<'_> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Writing a string to an in-memory sink cannot fail.
    let _ = serde_json::to_writer(Feed(hasher), text);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The response a first request answered, as a client relies on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// What the store keeps of a keyed request that succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub response: RecordedResponse,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Also DynamoDB's TTL attribute, which deletes the record within a day or two after.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
}

impl IdempotencyRecord {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.expires_at > now
    }
}

/// A record to write with a write, where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub scope: String,
    pub record: IdempotencyRecord,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the response could not be rendered")]
pub struct RenderError;

/// A keyed request as a use case takes it: the request, and how its outcome `T` is answered
/// (the very response a later replay returns).
pub struct Idempotent<'a, T> {
    pub request: KeyedRequest,
    pub render: &'a (dyn Fn(&T) -> Result<RecordedResponse, RenderError> + Send + Sync),
}

impl<T> Idempotent<'_, T> {
    /// The record of `outcome`, to be written with it.
    pub fn receipt(&self, outcome: &T, now: OffsetDateTime) -> Result<Receipt, RenderError> {
        Ok(Receipt {
            scope: self.request.scope.clone(),
            record: IdempotencyRecord {
                fingerprint: self.request.fingerprint.clone(),
                response: (self.render)(outcome)?,
                created_at: now,
                expires_at: now + RECORD_LIFETIME,
            },
        })
    }
}

/// What a keyed write use case answers.
#[derive(Debug, PartialEq)]
pub enum Answer<T> {
    /// Done now.
    Fresh(T),
    /// Done by an earlier request with the key: its response, as recorded.
    Replayed(RecordedResponse),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReplayError {
    /// The key was used for another request.
    #[error("the idempotency key was used for another request")]
    KeyReused,
}

/// The answer to `request` if its key has a live record: the recorded response for the same
/// request, `KeyReused` for another.
pub fn replay(
    record: Option<IdempotencyRecord>,
    request: &KeyedRequest,
    now: OffsetDateTime,
) -> Result<Option<RecordedResponse>, ReplayError> {
    match record.filter(|r| r.is_live(now)) {
        None => Ok(None),
        Some(record) if record.fingerprint == request.fingerprint => Ok(Some(record.response)),
        Some(_) => Err(ReplayError::KeyReused),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"~".repeat(255)).is_ok());
        assert!(IdempotencyKey::parse("9f1c2b7e-3c1a-4e7b-8d0f-2a5b6c7d8e9f").is_ok());
        for bad in ["", " ", "a b", "ключ", "tab\t", &"x".repeat(256)] {
            assert_eq!(IdempotencyKey::parse(bad), Err(InvalidKey), "{bad:?}");
        }
        let key = IdempotencyKey::parse("secret-key-value").unwrap();
        assert!(!format!("{key:?}").contains("secret"));
    }

    #[test]
    fn one_key_is_scoped_to_its_route_and_the_request_to_path_and_body() {
        let key = IdempotencyKey::parse("k-1").unwrap();
        let body = json!({"b": 1, "a": [1, {"y": 2, "x": 1}]});
        let same_meaning = json!({"a": [1, {"x": 1, "y": 2}], "b": 1});
        let create = |body: &serde_json::Value| {
            let body = body.as_object().expect("object");
            KeyedRequest::new(&key, "POST /customers", "POST", "/customers", Some(body))
        };
        assert_eq!(create(&body), create(&same_meaning));
        assert_ne!(
            create(&body).fingerprint,
            create(&json!({"b": 2})).fingerprint
        );
        let patch = |path| KeyedRequest::new(&key, "PATCH /customers/{id}", "PATCH", path, None);
        assert_eq!(patch("/customers/1").scope, patch("/customers/2").scope);
        assert_ne!(
            patch("/customers/1").fingerprint,
            patch("/customers/2").fingerprint
        );
        assert_ne!(create(&body).scope, patch("/customers/1").scope);
    }

    #[test]
    fn a_live_record_replays_its_request_and_refuses_others() {
        let now = datetime!(2026-11-25 10:00 UTC);
        let request = KeyedRequest {
            scope: "s".into(),
            fingerprint: "f".into(),
        };
        let response = RecordedResponse {
            status: 201,
            body: Some("{}".into()),
            location: None,
            etag: None,
        };
        let record = |fingerprint: &str, created_at| IdempotencyRecord {
            fingerprint: fingerprint.into(),
            response: response.clone(),
            created_at,
            expires_at: created_at + RECORD_LIFETIME,
        };
        assert_eq!(replay(None, &request, now), Ok(None));
        assert_eq!(
            replay(Some(record("f", now)), &request, now),
            Ok(Some(response.clone()))
        );
        assert_eq!(
            replay(Some(record("g", now)), &request, now),
            Err(ReplayError::KeyReused)
        );
        let day_old = now - RECORD_LIFETIME;
        assert_eq!(replay(Some(record("g", day_old)), &request, now), Ok(None));
    }
}
