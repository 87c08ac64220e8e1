//! Identity documents: parsed facts and images, staged in S3 only while they are verified, and
//! what is kept afterwards (no image, no number: its last four characters and a keyed hash).

mod fingerprint;
mod identity;
mod image;
mod record;
mod staging;
mod verifier;

pub use fingerprint::{FingerprintKey, KeyError};
pub use identity::{
    parse_expiry, DocumentError, DocumentFacts, DocumentNumber, DocumentType, IdentityDocument,
};
pub use image::{DocumentImage, ImageError, ImageFormat, MAX_IMAGE_BYTES};
pub use record::{DocumentRecord, Verification, VerificationReason, VerificationStatus};
pub use staging::{Side, StagedImage, Staging, StagingError};
pub use verifier::{DocumentVerifier, HeaderVerifier};

use crate::domain::TenantId;
use thiserror::Error;
use time::OffsetDateTime;

#[derive(Debug, Error)]
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

/// The document pipeline: stage the images, verify, delete them, keep the verdict.
pub struct Documents<V> {
    staging: Staging,
    verifier: V,
    key: FingerprintKey,
}

impl<V: DocumentVerifier> Documents<V> {
    pub fn new(staging: Staging, verifier: V, key: FingerprintKey) -> Self {
        Self {
            staging,
            verifier,
            key,
        }
    }

    pub async fn check(
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
