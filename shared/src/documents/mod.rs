//! The documents adapter: identity-document images staged in a bucket (S3) only while they are
//! verified, behind the use cases' [`DocumentChecker`] port. What a customer keeps of a document
//! (type, summary, verdict) is in `domain`; what leaves here besides it is a MAC of the
//! number by a key no one can read (KMS), the claim that makes a document unique.

mod bucket;
mod fingerprint;
mod staging;
mod verifier;

pub use bucket::{ImageBucket, S3Bucket};
pub use fingerprint::{message as fingerprint_message, FingerprintError, Fingerprints, KmsKey};
pub use staging::{Side, StagedImage, Staging, StagingError};
pub use verifier::{image_reasons, DocumentVerifier, HeaderVerifier};

use crate::domain::{DocumentRecord, IdentityDocument, TenantId, Verification, VerificationStatus};
use crate::use_cases::ports::{
    CheckedDocument, DocumentCheckError, DocumentChecker, DocumentStorageError,
};
use time::OffsetDateTime;

/// The document pipeline: stage the images, verify, delete them, keep the verdict.
pub struct Documents<B, K = KmsKey, V = HeaderVerifier<B>> {
    staging: Staging<B>,
    verifier: V,
    key: K,
}

impl<B: ImageBucket, K: Fingerprints, V: DocumentVerifier> Documents<B, K, V> {
    pub fn new(staging: Staging<B>, verifier: V, key: K) -> Self {
        Self {
            staging,
            verifier,
            key,
        }
    }
}

impl<B: ImageBucket, K: Fingerprints> Documents<B, K> {
    /// The built-in verifier, reading the images back from the same bucket.
    pub fn with_header_verifier(bucket: B, key: K) -> Self {
        let staging = Staging::new(bucket);
        Self::new(staging.clone(), HeaderVerifier::new(staging), key)
    }
}

impl<B: ImageBucket, K: Fingerprints, V: DocumentVerifier> DocumentChecker for Documents<B, K, V> {
    async fn check(
        &self,
        tenant: &TenantId,
        document: IdentityDocument,
        now: OffsetDateTime,
    ) -> Result<CheckedDocument, DocumentCheckError> {
        let IdentityDocument {
            facts,
            front_image,
            back_image,
        } = document;
        let mut images = vec![(Side::Front, front_image)];
        images.extend(back_image.map(|image| (Side::Back, image)));
        let verifier = &self.verifier;
        let facts_ref = &facts;
        let reasons = self
            .staging
            .inspect(tenant, images, |staged| async move {
                verifier.verify(facts_ref, &staged, now.date()).await
            })
            .await
            .map_err(|error| DocumentCheckError::Storage(error.into()))?;
        let verification = Verification::from_reasons(reasons, now);
        if verification.status == VerificationStatus::Rejected {
            return Err(DocumentCheckError::Rejected(verification.reasons));
        }
        // Asked only for a document that is kept: one MAC per request that carries one.
        let mac = self
            .key
            .mac(&fingerprint::message(
                facts.doc_type,
                facts.country,
                &facts.number,
            ))
            .await
            .map_err(|error| DocumentCheckError::Storage(error.into()))?;
        Ok(CheckedDocument {
            fingerprint: fingerprint::claim_value(&mac),
            record: DocumentRecord {
                doc_type: facts.doc_type,
                country: facts.country,
                expires_on: facts.expires_on,
                number_last4: facts.number.last4(),
                verification,
            },
        })
    }
}

impl From<FingerprintError> for DocumentStorageError {
    fn from(error: FingerprintError) -> Self {
        match error {
            FingerprintError::Unavailable(why) => DocumentStorageError::Unavailable(why),
            FingerprintError::Refused(why) => DocumentStorageError::Internal(why),
        }
    }
}

impl From<StagingError> for DocumentStorageError {
    fn from(error: StagingError) -> Self {
        match error {
            StagingError::Unavailable(why) => DocumentStorageError::Unavailable(why),
            StagingError::Internal(why) => DocumentStorageError::Internal(why),
        }
    }
}
