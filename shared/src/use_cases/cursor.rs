//! Opaque, tamper-proof pagination cursors. A cursor carries the store's continuation key and
//! the tenant it was issued to, signed with HMAC-SHA256: a client can neither forge one, nor
//! edit one, nor use another tenant's.

use crate::domain::TenantId;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the cursor is not one this API issued to this tenant")]
pub struct InvalidCursor;

#[derive(Debug, Error)]
#[error("CURSOR_KEY must hold at least 32 bytes of secret")]
pub struct CursorKeyError;

/// The keyed MAC, ready to be cloned for each cursor.
#[derive(Clone)]
pub struct CursorKey(Hmac<Sha256>);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(<redacted>)")
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    t: String,
    k: BTreeMap<String, String>,
}

impl CursorKey {
    pub fn new(secret: &[u8]) -> Result<Self, CursorKeyError> {
        if secret.len() < 32 {
            return Err(CursorKeyError);
        }
        Hmac::<Sha256>::new_from_slice(secret)
            .map(Self)
            .map_err(|_| CursorKeyError)
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.0.clone()
    }

    pub fn seal(&self, tenant: &TenantId, key: &BTreeMap<String, String>) -> String {
        let payload = Payload {
            t: tenant.as_str().to_owned(),
            k: key.clone(),
        };
        self.seal_payload(&serde_json::to_vec(&payload).unwrap_or_default())
    }

    /// Any bytes as a cursor this key signed. `seal` signs its own payloads with it; the
    /// fuzzer signs arbitrary ones, to reach what `open` does after the signature check.
    pub fn seal_payload(&self, json: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(json);
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(json),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub fn open(
        &self,
        tenant: &TenantId,
        cursor: &str,
    ) -> Result<BTreeMap<String, String>, InvalidCursor> {
        let (payload, tag) = cursor.split_once('.').ok_or(InvalidCursor)?;
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| InvalidCursor)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| InvalidCursor)?;
        let mut mac = self.mac();
        mac.update(&json);
        // Constant-time comparison.
        mac.verify_slice(&tag).map_err(|_| InvalidCursor)?;
        let payload: Payload = serde_json::from_slice(&json).map_err(|_| InvalidCursor)?;
        if payload.t != tenant.as_str() {
            return Err(InvalidCursor);
        }
        Ok(payload.k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::new(b"0123456789abcdef0123456789abcdef").unwrap()
    }

    fn continuation() -> BTreeMap<String, String> {
        [("pk".to_owned(), "TENANT#a#GROUP#1".to_owned())]
            .into_iter()
            .collect()
    }

    #[test]
    fn round_trip_for_the_same_tenant_only() {
        let a = TenantId::parse("a").unwrap();
        let b = TenantId::parse("b").unwrap();
        let cursor = key().seal(&a, &continuation());
        assert_eq!(key().open(&a, &cursor).unwrap(), continuation());
        assert_eq!(key().open(&b, &cursor), Err(InvalidCursor));
    }

    #[test]
    fn tampering_is_detected() {
        let a = TenantId::parse("a").unwrap();
        let cursor = key().seal(&a, &continuation());
        let (payload, tag) = cursor.split_once('.').unwrap();
        let mut forged: BTreeMap<String, String> = continuation();
        forged.insert("pk".into(), "TENANT#b#GROUP#1".into());
        let forged_payload = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Payload {
                t: "a".into(),
                k: forged,
            })
            .unwrap(),
        );
        assert_eq!(
            key().open(&a, &format!("{forged_payload}.{tag}")),
            Err(InvalidCursor)
        );
        assert_eq!(key().open(&a, payload), Err(InvalidCursor));
        assert_eq!(key().open(&a, "garbage"), Err(InvalidCursor));
        let other = CursorKey::new(b"another-key-another-key-another-k").unwrap();
        assert_eq!(other.open(&a, &cursor), Err(InvalidCursor));
    }
}
