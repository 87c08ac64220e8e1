//! The documents adapter: identity-document images staged in a bucket (S3) only while they are
//! verified, behind the use cases' [`DocumentChecker`] port. What a customer keeps of a document
//! (type, summary, verdict) is in `domain`; what leaves here besides it is a keyed hash of the
//! number, the claim that makes a document unique.

mod bucket;
mod fingerprint;
mod staging;
mod verifier;

pub use bucket::{ImageBucket, S3Bucket};
pub use fingerprint::{FingerprintKey, KeyError};
pub use staging::{Side, StagedImage, Staging, StagingError};
pub use verifier::{image_reasons, DocumentVerifier, HeaderVerifier};

use crate::domain::{DocumentRecord, IdentityDocument, TenantId, Verification, VerificationStatus};
use crate::use_cases::ports::{
    CheckedDocument, DocumentCheckError, DocumentChecker, DocumentStorageError,
};
use time::OffsetDateTime;

/// The document pipeline: stage the images, verify, delete them, keep the verdict.
pub struct Documents<B, V = HeaderVerifier<B>> {
    staging: Staging<B>,
    verifier: V,
    key: FingerprintKey,
}

impl<B: ImageBucket, V: DocumentVerifier> Documents<B, V> {
    pub fn new(staging: Staging<B>, verifier: V, key: FingerprintKey) -> Self {
        Self {
            staging,
            verifier,
            key,
        }
    }
}

impl<B: ImageBucket> Documents<B> {
    /// The built-in verifier, reading the images back from the same bucket.
    pub fn with_header_verifier(bucket: B, key: FingerprintKey) -> Self {
        let staging = Staging::new(bucket);
        Self::new(staging.clone(), HeaderVerifier::new(staging), key)
    }
}

impl<B: ImageBucket, V: DocumentVerifier> DocumentChecker for Documents<B, V> {
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
        Ok(CheckedDocument {
            fingerprint: self
                .key
                .fingerprint(facts.doc_type, facts.country, &facts.number),
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

impl From<StagingError> for DocumentStorageError {
    fn from(error: StagingError) -> Self {
        match error {
            StagingError::Unavailable(why) => DocumentStorageError::Unavailable(why),
            StagingError::Internal(why) => DocumentStorageError::Internal(why),
        }
    }
}
