//! `Idempotency-Key` at the edge: the header read into a keyed request, scoped to its caller and
//! route, identified by its method, path and canonical body. The executor does the rest
//! (replay, receipt).

use super::{ApiError, RequestInfo};
use crate::domain::Principal;
use crate::use_cases::idempotency::{Keyed, KeyedRequest, Respond};
use lambda_http::http::HeaderName;
use lambda_http::Request;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A name, not a `&str`: looked up on every request, and a `&str` is parsed as a header name
/// at each lookup.
pub static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// A client's key: 1-255 visible ASCII characters (`!` to `~`), compared exactly.
#[derive(Clone, PartialEq, Eq)]
struct IdempotencyKey(String);

impl IdempotencyKey {
    fn parse(raw: &str) -> Option<Self> {
        let ok = (1..=255).contains(&raw.len()) && raw.bytes().all(|b| (b'!'..=b'~').contains(&b));
        ok.then(|| Self(raw.to_owned()))
    }
}

/// Keys are the client's: what a debug print shows of one is a prefix of its hash.
impl std::fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digest = hex(&Sha256::digest(self.0.as_bytes()));
        write!(f, "IdempotencyKey({})", &digest[..16])
    }
}

/// The request's key, if it has one, with what makes this request this request (its caller,
/// route, method, path and `body`) and how its outcome is answered.
pub fn keyed<'a, T>(
    principal: &Principal,
    request: &Request,
    body: Option<&Map<String, Value>>,
    respond: &'a Respond<T>,
) -> Result<Option<Keyed<'a, T>>, ApiError> {
    let Some(raw) = request.headers().get(&IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = raw
        .to_str()
        .ok()
        .and_then(IdempotencyKey::parse)
        .ok_or(ApiError::InvalidIdempotencyKey)?;
    let route = RequestInfo::of(request).route;
    let method = request.method().as_str();
    let path = request.uri().path();
    Ok(Some(Keyed {
        request: identify(&key, principal.subject.as_str(), &route, method, path, body),
        respond,
    }))
}

/// Where a key's record lives and what request it is, both hex SHA-256. A key is its caller's
/// own (`subject`, the token's `sub`; the tenant is the record's partition): another principal
/// of the tenant sending the same key and request makes a request of its own, and is never
/// answered from this one's record (a write-only caller could otherwise read a profile so).
/// `route`: the route's template (`PATCH /customers/{id}`), so that one key on two routes is
/// two keys. `path` and `body` tell one request on the route from another: the same key on
/// another customer's PATCH, or with another body, is another request.
fn identify(
    key: &IdempotencyKey,
    subject: &str,
    route: &str,
    method: &str,
    path: &str,
    body: Option<&Map<String, Value>>,
) -> KeyedRequest {
    // Each part is length-prefixed: no two (subject, route, key) triples hash the same bytes.
    let mut scope = Sha256::new();
    for part in [subject, route, key.0.as_str()] {
        scope.update((part.len() as u64).to_be_bytes());
        scope.update(part.as_bytes());
    }
    let scope = hex(&scope.finalize());
    let mut request = Sha256::new();
    request.update(method.as_bytes());
    request.update(b"\n");
    request.update(path.as_bytes());
    request.update(b"\n");
    if let Some(body) = body {
        hash_object(&mut request, body);
    }
    KeyedRequest {
        scope,
        fingerprint: hex(&request.finalize()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        assert!(IdempotencyKey::parse("a").is_some());
        assert!(IdempotencyKey::parse(&"~".repeat(255)).is_some());
        assert!(IdempotencyKey::parse("9f1c2b7e-3c1a-4e7b-8d0f-2a5b6c7d8e9f").is_some());
        for bad in ["", " ", "a b", "ключ", "tab\t", &"x".repeat(256)] {
            assert_eq!(IdempotencyKey::parse(bad), None, "{bad:?}");
        }
    }

    /// A key of one character printed a slice of its two hex digits (a panic, which
    /// `panic = "abort"` makes a crash of the function).
    #[test]
    fn a_printed_key_is_a_prefix_of_its_hash_whatever_its_length() {
        for raw in ["a", "secret-key-value", &"~".repeat(255)] {
            let key = IdempotencyKey::parse(raw).unwrap();
            let printed = format!("{key:?}");
            assert_eq!(printed.len(), "IdempotencyKey()".len() + 16, "{printed}");
            assert!(!printed.contains("secret"));
        }
    }

    #[test]
    fn one_key_is_scoped_to_its_caller_and_route_and_the_request_to_path_and_body() {
        let key = IdempotencyKey::parse("k-1").unwrap();
        let body = json!({"b": 1, "a": [1, {"y": 2, "x": 1}]});
        let same_meaning = json!({"a": [1, {"x": 1, "y": 2}], "b": 1});
        let create_by = |subject: &str, body: &serde_json::Value| {
            let body = body.as_object().expect("object");
            identify(
                &key,
                subject,
                "POST /customers",
                "POST",
                "/customers",
                Some(body),
            )
        };
        let create = |body: &serde_json::Value| create_by("alice", body);
        assert_ne!(create(&body).scope, create_by("bob", &body).scope);
        // Length prefixes: moving a character between parts makes another scope.
        assert_ne!(
            identify(&key, "a", "b", "POST", "/", None).scope,
            identify(&key, "ab", "", "POST", "/", None).scope
        );
        assert_eq!(create(&body), create(&same_meaning));
        assert_ne!(
            create(&body).fingerprint,
            create(&json!({"b": 2})).fingerprint
        );
        let patch = |path| identify(&key, "alice", "PATCH /customers/{id}", "PATCH", path, None);
        assert_eq!(patch("/customers/1").scope, patch("/customers/2").scope);
        assert_ne!(
            patch("/customers/1").fingerprint,
            patch("/customers/2").fingerprint
        );
        assert_ne!(create(&body).scope, patch("/customers/1").scope);
    }
}
