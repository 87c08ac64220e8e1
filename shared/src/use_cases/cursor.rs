//! Pagination cursors that need no secret. A cursor carries only where a listing stopped (the
//! positions of its last items) and the listing it continues, with a checksum over them, the
//! caller's tenant and the listing. The store rebuilds every key it reads from the caller's own
//! tenant and checks each position's form (`StoreError::InvalidStart`), so a cursor binds to
//! its tenant and listing by construction: whatever a client writes into one, the most it can
//! do is start its own listing at another place of that listing.
//!
//! The checksum is not a signature (anyone can compute it) and needs none: it turns the honest
//! mistakes into a clear 400 `invalid_cursor` instead of a silently wrong page: a cursor cut
//! short in a URL, one continued on the other listing, another tenant's (a client holding
//! several tenants' tokens), or one from before this form (HMAC-signed, with the tenant inside).

use crate::domain::TenantId;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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
    Events,
}

impl Listing {
    /// Its name inside a cursor (short: cursors travel in URLs).
    fn tag(self) -> &'static str {
        match self {
            Listing::Customers => "c",
            Listing::CustomerGroups => "g",
            Listing::Events => "e",
        }
    }
}

/// Bytes of SHA-256 kept as the checksum: enough that no accident passes it.
const CHECK_LEN: usize = 12;

/// Names this use of SHA-256, so that no other hash of the same bytes is ever a checksum.
const DOMAIN: &[u8] = b"customers-api/cursor/2";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    l: String,
    k: BTreeMap<String, String>,
}

/// The cursor of the page after the one that stopped at `key`.
pub fn seal(tenant: &TenantId, listing: Listing, key: &BTreeMap<String, String>) -> String {
    let payload = Payload {
        l: listing.tag().to_owned(),
        k: key.clone(),
    };
    seal_payload(
        tenant,
        listing,
        &serde_json::to_vec(&payload).unwrap_or_default(),
    )
}

/// Any bytes as a cursor with a valid checksum for `tenant` and `listing`: `seal` writes its
/// own payloads with it; the fuzzer and the tests write arbitrary ones, as a client could.
pub fn seal_payload(tenant: &TenantId, listing: Listing, json: &[u8]) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(json),
        URL_SAFE_NO_PAD.encode(checksum(tenant, listing, json))
    )
}

/// Where the listing continues, if `cursor` is one issued for `tenant` and `listing`.
pub fn open(
    tenant: &TenantId,
    listing: Listing,
    cursor: &str,
) -> Result<BTreeMap<String, String>, InvalidCursor> {
    let (payload, check) = cursor.split_once('.').ok_or(InvalidCursor)?;
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| InvalidCursor)?;
    let check = URL_SAFE_NO_PAD.decode(check).map_err(|_| InvalidCursor)?;
    if check != checksum(tenant, listing, &json) {
        return Err(InvalidCursor);
    }
    let payload: Payload = serde_json::from_slice(&json).map_err(|_| InvalidCursor)?;
    if payload.l != listing.tag() {
        return Err(InvalidCursor);
    }
    Ok(payload.k)
}

fn checksum(tenant: &TenantId, listing: Listing, json: &[u8]) -> [u8; CHECK_LEN] {
    let mut hash = Sha256::new();
    // Length-prefixed parts: no two (tenant, listing, payload) share the hashed bytes.
    for part in [DOMAIN, tenant.as_str().as_bytes(), listing.tag().as_bytes()] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.update(json);
    let digest = hash.finalize();
    let mut check = [0; CHECK_LEN];
    check.copy_from_slice(&digest[..CHECK_LEN]);
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    fn continuation() -> BTreeMap<String, String> {
        [("after".to_owned(), "000001700000000#1".to_owned())]
            .into_iter()
            .collect()
    }

    fn tenant(name: &str) -> TenantId {
        TenantId::parse(name).unwrap()
    }

    #[test]
    fn round_trip_for_the_same_tenant_only() {
        let cursor = seal(&tenant("a"), Listing::CustomerGroups, &continuation());
        assert_eq!(
            open(&tenant("a"), Listing::CustomerGroups, &cursor).unwrap(),
            continuation()
        );
        for other in ["b", "A", "a "] {
            if let Ok(other) = TenantId::parse(other) {
                assert_eq!(
                    open(&other, Listing::CustomerGroups, &cursor),
                    Err(InvalidCursor)
                );
            }
        }
    }

    #[test]
    fn a_cursor_continues_only_its_own_listing() {
        let a = tenant("a");
        for (issued, used) in [
            (Listing::Customers, Listing::CustomerGroups),
            (Listing::CustomerGroups, Listing::Customers),
        ] {
            let cursor = seal(&a, issued, &continuation());
            assert_eq!(open(&a, used, &cursor), Err(InvalidCursor));
            assert!(open(&a, issued, &cursor).is_ok());
            // Even with a checksum made for the other listing, the payload names its own.
            let json = URL_SAFE_NO_PAD
                .decode(cursor.split_once('.').unwrap().0)
                .unwrap();
            assert_eq!(
                open(&a, used, &seal_payload(&a, used, &json)),
                Err(InvalidCursor)
            );
        }
    }

    #[test]
    fn a_signed_cursor_of_the_earlier_form_opens_nowhere() {
        // Payload and HMAC tag as the secret-keyed cursors had them.
        let old = serde_json::json!({"t": "a", "l": "g", "k": continuation()}).to_string();
        let cursor = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&old),
            URL_SAFE_NO_PAD.encode([7u8; 32])
        );
        for listing in [Listing::Customers, Listing::CustomerGroups] {
            assert_eq!(open(&tenant("a"), listing, &cursor), Err(InvalidCursor));
        }
        // Nor with a fresh checksum: the tenant inside is a member this form does not have.
        assert_eq!(
            open(
                &tenant("a"),
                Listing::CustomerGroups,
                &seal_payload(&tenant("a"), Listing::CustomerGroups, old.as_bytes())
            ),
            Err(InvalidCursor)
        );
    }

    #[test]
    fn a_damaged_cursor_is_refused() {
        let a = tenant("a");
        let g = Listing::CustomerGroups;
        let cursor = seal(&a, g, &continuation());
        let (payload, check) = cursor.split_once('.').unwrap();
        assert_eq!(open(&a, g, payload), Err(InvalidCursor));
        assert_eq!(open(&a, g, "garbage"), Err(InvalidCursor));
        assert_eq!(open(&a, g, &cursor[..cursor.len() - 1]), Err(InvalidCursor));
        // One character changed anywhere: the checksum no longer matches.
        for at in 0..cursor.len() {
            let mut bytes = cursor.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let damaged = String::from_utf8(bytes).unwrap();
            if damaged != cursor {
                assert_eq!(open(&a, g, &damaged), Err(InvalidCursor), "{damaged}");
            }
        }
        let mut edited = continuation();
        edited.insert("after".into(), "000001700000000#2".into());
        let edited = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Payload {
                l: "g".into(),
                k: edited,
            })
            .unwrap(),
        );
        assert_eq!(
            open(&a, g, &format!("{edited}.{check}")),
            Err(InvalidCursor)
        );
    }
}
