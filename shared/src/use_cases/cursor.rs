//! Opaque, tamper-proof pagination cursors. A cursor carries the store's continuation key, the
//! tenant it was issued to and the listing it continues, signed with HMAC-SHA256: a client can
//! neither forge one, nor edit one, nor use another tenant's, nor continue one listing with
//! another's cursor (a mix-up that would otherwise read as an empty or a restarted page: a
//! silent gap in a client's sync).

use crate::domain::TenantId;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the cursor is not one this API issued to this tenant for this listing")]
pub struct InvalidCursor;

/// The listing a cursor continues: one per route that pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Customers,
    CustomerGroups,
}

impl Listing {
    /// Its name inside a cursor (short: cursors travel in URLs).
    fn tag(self) -> &'static str {
        match self {
            Listing::Customers => "c",
            Listing::CustomerGroups => "g",
        }
    }
}

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
    /// The listing. Cursors issued before it was bound have none, and open nowhere: a client
    /// holding one starts its listing again (400 `invalid_cursor`), which no silent gap beats.
    l: String,
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

    pub fn seal(
        &self,
        tenant: &TenantId,
        listing: Listing,
        key: &BTreeMap<String, String>,
    ) -> String {
        let payload = Payload {
            t: tenant.as_str().to_owned(),
            l: listing.tag().to_owned(),
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
        listing: Listing,
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
        if payload.t != tenant.as_str() || payload.l != listing.tag() {
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
        let cursor = key().seal(&a, Listing::CustomerGroups, &continuation());
        assert_eq!(
            key().open(&a, Listing::CustomerGroups, &cursor).unwrap(),
            continuation()
        );
        assert_eq!(
            key().open(&b, Listing::CustomerGroups, &cursor),
            Err(InvalidCursor)
        );
    }

    #[test]
    fn a_cursor_continues_only_its_own_listing() {
        let a = TenantId::parse("a").unwrap();
        for (issued, used) in [
            (Listing::Customers, Listing::CustomerGroups),
            (Listing::CustomerGroups, Listing::Customers),
        ] {
            let cursor = key().seal(&a, issued, &continuation());
            assert_eq!(key().open(&a, used, &cursor), Err(InvalidCursor));
            assert!(key().open(&a, issued, &cursor).is_ok());
        }
    }

    #[test]
    fn a_cursor_issued_before_listings_were_bound_opens_nowhere() {
        let a = TenantId::parse("a").unwrap();
        let unbound = serde_json::json!({"t": "a", "k": continuation()}).to_string();
        let cursor = key().seal_payload(unbound.as_bytes());
        for listing in [Listing::Customers, Listing::CustomerGroups] {
            assert_eq!(key().open(&a, listing, &cursor), Err(InvalidCursor));
        }
    }

    #[test]
    fn tampering_is_detected() {
        let a = TenantId::parse("a").unwrap();
        let g = Listing::CustomerGroups;
        let cursor = key().seal(&a, g, &continuation());
        let (payload, tag) = cursor.split_once('.').unwrap();
        let mut forged: BTreeMap<String, String> = continuation();
        forged.insert("pk".into(), "TENANT#b#GROUP#1".into());
        let forged_payload = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Payload {
                t: "a".into(),
                l: "g".into(),
                k: forged,
            })
            .unwrap(),
        );
        assert_eq!(
            key().open(&a, g, &format!("{forged_payload}.{tag}")),
            Err(InvalidCursor)
        );
        assert_eq!(key().open(&a, g, payload), Err(InvalidCursor));
        assert_eq!(key().open(&a, g, "garbage"), Err(InvalidCursor));
        let other = CursorKey::new(b"another-key-another-key-another-k").unwrap();
        assert_eq!(other.open(&a, g, &cursor), Err(InvalidCursor));
    }
}
