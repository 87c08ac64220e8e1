//! Identity documents: parsed facts and images, staged in a bucket only while they are
//! verified. What a customer keeps of them (type, summary, verdict) is in `domain`; what leaves
//! here besides it is a keyed hash of the number, the claim that makes a document unique.

mod bucket;
mod fingerprint;
mod identity;
mod image;
mod staging;
mod verifier;

pub use bucket::{ImageBucket, S3Bucket};
pub use fingerprint::{FingerprintKey, KeyError};
pub use identity::{parse_expiry, DocumentError, DocumentFacts, DocumentNumber, IdentityDocument};
pub use image::{DocumentImage, ImageError, ImageFormat, MAX_IMAGE_BYTES};
pub use staging::{Side, StagedImage, Staging, StagingError};
pub use verifier::{image_reasons, DocumentVerifier, HeaderVerifier};

use crate::domain::{
    DocumentRecord, TenantId, Verification, VerificationReason, VerificationStatus,
};
use std::future::Future;
use thiserror::Error;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentCheckError {
    #[error("the document was rejected")]
    Rejected(Vec<VerificationReason>),
    #[error(transparent)]
    Storage(#[from] StagingError),
}

/// A verified (or to-be-reviewed) document, ready to be stored with its customer.
#[derive(Debug, Clone)]
pub struct CheckedDocument {
    pub record: DocumentRecord,
    /// The claim value that makes the document unique per tenant.
    pub fingerprint: String,
}

/// What the customer use cases need of identity documents: check one, keep nothing of its
/// images.
pub trait DocumentChecker: Send + Sync {
    fn check(
        &self,
        tenant: &TenantId,
        document: IdentityDocument,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<CheckedDocument, DocumentCheckError>> + Send;
}

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
            .await?;
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
