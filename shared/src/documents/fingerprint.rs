use crate::domain::{CountryCode, DocumentNumber, DocumentType};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

#[derive(Debug, Error)]
#[error("DOCUMENT_HASH_KEY must hold at least 32 bytes of secret")]
pub struct KeyError;

/// The secret that turns a document's identity into a claim key. With it, equal documents get
/// equal keys; without it, a leaked table reveals nothing about the numbers (a plain hash of a
/// 9-digit number is reversed by enumeration in seconds).
#[derive(Clone)]
pub struct FingerprintKey(Vec<u8>);

impl FingerprintKey {
    pub fn new(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < 32 {
            return Err(KeyError);
        }
        Ok(Self(secret.to_vec()))
    }

    /// Hex HMAC-SHA256 of type, issuing country and normalised number.
    pub fn fingerprint(
        &self,
        doc_type: DocumentType,
        country: CountryCode,
        number: &DocumentNumber,
    ) -> String {
        // `new_from_slice` accepts any key length for HMAC; the error arm cannot happen.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        // Unit separators keep ("AB", "1") and ("A", "B1") apart.
        for part in [doc_type.as_str(), country.alpha2(), number.expose()] {
            mac.update(part.as_bytes());
            mac.update(&[0x1f]);
        }
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> FingerprintKey {
        FingerprintKey::new(secret.as_bytes()).unwrap()
    }

    #[test]
    fn same_document_same_fingerprint_in_any_spelling() {
        let k = key("0123456789abcdef0123456789abcdef");
        let cl = CountryCode::parse("CL").unwrap();
        let a = k.fingerprint(
            DocumentType::Passport,
            cl,
            &DocumentNumber::parse("ab-123456").unwrap(),
        );
        for spelling in ["AB123456", " ab123456 ", "Ab-12-34-56", "-AB-123456-"] {
            let b = k.fingerprint(
                DocumentType::Passport,
                cl,
                &DocumentNumber::parse(spelling).unwrap(),
            );
            assert_eq!(a, b, "{spelling:?}");
        }
        assert_eq!(a.len(), 64);
        assert!(!a.contains("123456"));
    }

    #[test]
    fn type_country_and_key_all_matter() {
        let k = key("0123456789abcdef0123456789abcdef");
        let n = DocumentNumber::parse("AB123456").unwrap();
        let cl = CountryCode::parse("CL").unwrap();
        let base = k.fingerprint(DocumentType::Passport, cl, &n);
        assert_ne!(base, k.fingerprint(DocumentType::NationalId, cl, &n));
        assert_ne!(
            base,
            k.fingerprint(
                DocumentType::Passport,
                CountryCode::parse("AR").unwrap(),
                &n
            )
        );
        assert_ne!(
            base,
            key("another-secret-another-secret-xx").fingerprint(DocumentType::Passport, cl, &n)
        );
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(FingerprintKey::new(b"short").is_err());
    }
}
