//! A document's claim value: a keyed MAC of its identity, so that equal documents get equal
//! claims while a leaked table (or a function's role) reveals nothing about the numbers (a plain
//! hash of a 9-digit number is reversed by enumeration in seconds; so is a keyed one by anyone
//! who holds the key). In AWS the key is a KMS HMAC key: its material never leaves KMS, and only
//! the create and update roles may ask it for a MAC, one call per document (template.yaml).

use crate::domain::{CountryCode, DocumentNumber, DocumentType};
use crate::support::clients::{boxed, LazyClient};
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::MacAlgorithmSpec;
use std::future::Future;

/// What the document pipeline needs of a MAC key.
pub trait Fingerprints: Send + Sync {
    /// HMAC-SHA256 of `message`.
    fn mac(&self, message: &[u8])
        -> impl Future<Output = Result<Vec<u8>, FingerprintError>> + Send;
}

/// The MAC could not be made: nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    /// Throttling, timeouts, an unreachable endpoint: worth retrying later.
    #[error("the fingerprint key is unavailable ({0})")]
    Unavailable(String),
    /// A missing or disabled key, denied access, a key of another kind: retrying will not help.
    #[error("the fingerprint key refused the request ({0})")]
    Refused(String),
}

/// The message that is MACed: type, issuing country and normalised number, each followed by a
/// unit separator, so that ("AB", "1") and ("A", "B1") stay apart.
pub fn message(doc_type: DocumentType, country: CountryCode, number: &DocumentNumber) -> Vec<u8> {
    let mut message = Vec::with_capacity(48);
    for part in [doc_type.as_str(), country.alpha2(), number.expose()] {
        message.extend_from_slice(part.as_bytes());
        message.push(0x1f);
    }
    message
}

/// The claim value: the MAC in lower-case hex.
pub(super) fn claim_value(mac: &[u8]) -> String {
    mac.iter().map(|b| format!("{b:02x}")).collect()
}

/// The template's `DocumentFingerprintKey` (KMS, `HMAC_256`, `GENERATE_VERIFY_MAC`).
#[derive(Debug, Clone)]
pub struct KmsKey {
    /// Built by the first request that carries a document: most creates have none.
    client: LazyClient<aws_sdk_kms::Client>,
    key_id: String,
}

impl KmsKey {
    pub fn new(client: LazyClient<aws_sdk_kms::Client>, key_id: impl Into<String>) -> Self {
        Self {
            client,
            key_id: key_id.into(),
        }
    }
}

impl Fingerprints for KmsKey {
    async fn mac(&self, message: &[u8]) -> Result<Vec<u8>, FingerprintError> {
        let output = boxed(
            self.client
                .get()
                .generate_mac()
                .key_id(&self.key_id)
                .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                .message(Blob::new(message))
                .send(),
        )
        .await
        .map_err(classify)?;
        output
            .mac
            .map(Blob::into_inner)
            .filter(|mac| mac.len() == 32)
            .ok_or_else(|| FingerprintError::Refused("no 32-byte MAC in the answer".into()))
    }
}

/// Only the error's kind and code: neither the message nor the MAC ever reach a log.
fn classify<E>(error: SdkError<E, HttpResponse>) -> FingerprintError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match error {
        SdkError::DispatchFailure(_) => {
            FingerprintError::Unavailable("endpoint unreachable".into())
        }
        SdkError::TimeoutError(_) => FingerprintError::Unavailable("timed out".into()),
        SdkError::ResponseError(_) => FingerprintError::Unavailable("unreadable response".into()),
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("Unknown").to_owned();
            let server_side = service.raw().status().is_server_error();
            match code.as_str() {
                "ThrottlingException"
                | "KMSInternalException"
                | "DependencyTimeoutException"
                | "KeyUnavailableException" => FingerprintError::Unavailable(code),
                _ if server_side => FingerprintError::Unavailable(code),
                _ => FingerprintError::Refused(code),
            }
        }
        _ => FingerprintError::Refused("request not sent".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_document_same_message_in_any_spelling() {
        let cl = CountryCode::parse("CL").unwrap();
        let a = message(
            DocumentType::Passport,
            cl,
            &DocumentNumber::parse("ab-123456").unwrap(),
        );
        for spelling in ["AB123456", " ab123456 ", "Ab-12-34-56", "-AB-123456-"] {
            let b = message(
                DocumentType::Passport,
                cl,
                &DocumentNumber::parse(spelling).unwrap(),
            );
            assert_eq!(a, b, "{spelling:?}");
        }
        assert_eq!(a, b"PASSPORT\x1fCL\x1fAB123456\x1f");
    }

    #[test]
    fn type_and_country_are_part_of_the_message() {
        let n = DocumentNumber::parse("AB123456").unwrap();
        let cl = CountryCode::parse("CL").unwrap();
        let base = message(DocumentType::Passport, cl, &n);
        assert_ne!(base, message(DocumentType::NationalId, cl, &n));
        assert_ne!(
            base,
            message(
                DocumentType::Passport,
                CountryCode::parse("AR").unwrap(),
                &n
            )
        );
    }

    #[test]
    fn a_claim_value_is_lower_case_hex() {
        assert_eq!(claim_value(&[0x00, 0xab, 0x7f]), "00ab7f");
        assert_eq!(claim_value(&[0xff; 32]).len(), 64);
    }
}
