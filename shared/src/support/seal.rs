//! Sealing: authenticated encryption (AES-256-GCM, `ring`, already linked for TLS) under a key
//! of 32 random bytes. A copy sealed under a key that is later destroyed is as good as gone:
//! that is how an erasure reaches the replies recorded for a customer's keyed writes
//! (`docs/data-model.md`, "Erasure").

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use thiserror::Error;

const KEY_LEN: usize = 32;

/// The operating system gave no randomness (never seen on Lambda; a key or a nonce that is not
/// random is worse than no write).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the system's random number generator failed")]
pub struct NoRandomness;

/// A value could not be sealed: no randomness for its nonce, or (never for a reply of at most
/// 400 KB) over GCM's 64 GiB limit.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the value could not be sealed")]
pub struct CannotSeal;

/// Bytes that are not a value sealed under this key with this context (another key, another
/// context, or damaged).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the sealed value does not open under this key")]
pub struct Unopenable;

#[derive(Clone, PartialEq, Eq)]
pub struct SealKey([u8; KEY_LEN]);

/// Key material is never printed.
impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(<redacted>)")
    }
}

impl SealKey {
    pub fn generate() -> Result<Self, NoRandomness> {
        let mut key = [0; KEY_LEN];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| NoRandomness)?;
        Ok(Self(key))
    }

    /// A key as stored: exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn aead(&self) -> LessSafeKey {
        // 32 bytes is AES-256's key length: `UnboundKey::new` cannot refuse it.
        let unbound = UnboundKey::new(&AES_256_GCM, &self.0).unwrap_or_else(|_| unreachable!());
        LessSafeKey::new(unbound)
    }

    /// `plaintext` sealed, bound to `context` (which must be given again to open it): a random
    /// nonce, then the ciphertext and its tag.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, CannotSeal> {
        let mut nonce = [0; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| CannotSeal)?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(plaintext);
        let mut body = sealed.split_off(NONCE_LEN);
        self.aead()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut body,
            )
            .map_err(|_| CannotSeal)?;
        sealed.extend_from_slice(&body);
        Ok(sealed)
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, Unopenable> {
        if sealed.len() < NONCE_LEN {
            return Err(Unopenable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Unopenable)?;
        let mut body = body.to_vec();
        let plaintext = self
            .aead()
            .open_in_place(nonce, Aad::from(context), &mut body)
            .map_err(|_| Unopenable)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_under_its_key_and_context_only() {
        let key = SealKey::generate().unwrap();
        let sealed = key.seal(b"{\"first_name\":\"Ann\"}", b"scope-1").unwrap();
        assert!(!sealed.windows(3).any(|w| w == b"Ann"), "no plaintext");
        assert_eq!(
            key.open(&sealed, b"scope-1").unwrap(),
            b"{\"first_name\":\"Ann\"}"
        );
        assert_eq!(key.open(&sealed, b"scope-2"), Err(Unopenable));
        let other = SealKey::generate().unwrap();
        assert_ne!(other, key);
        assert_eq!(other.open(&sealed, b"scope-1"), Err(Unopenable));
        let mut damaged = sealed.clone();
        damaged[NONCE_LEN] ^= 1;
        assert_eq!(key.open(&damaged, b"scope-1"), Err(Unopenable));
        assert_eq!(key.open(&sealed[..5], b"scope-1"), Err(Unopenable));
    }

    #[test]
    fn two_seals_of_one_value_differ_and_keys_round_trip_as_bytes() {
        let key = SealKey::generate().unwrap();
        assert_ne!(key.seal(b"x", b"c").unwrap(), key.seal(b"x", b"c").unwrap());
        assert_eq!(SealKey::from_bytes(key.as_bytes()), Some(key.clone()));
        assert_eq!(SealKey::from_bytes(&[0; 31]), None);
        assert_eq!(format!("{key:?}"), "SealKey(<redacted>)");
    }
}
