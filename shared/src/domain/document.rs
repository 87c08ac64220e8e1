//! What a customer keeps of its identity document once it has been checked: the kind of
//! document, the verdict, and never an image or the number (only its last four characters).
//! The document as sent (number, images) is `identity.rs`; checking it is `documents`' business.

use time::{Date, OffsetDateTime};

super::enums::vocabulary!(DocumentType {
    Passport = "PASSPORT",
    NationalId = "NATIONAL_ID",
    DrivingLicense = "DRIVING_LICENSE",
    ResidencePermit = "RESIDENCE_PERMIT",
});

impl DocumentType {
    /// Cards have a back with data on it; a passport's data page is one image.
    pub fn has_back(&self) -> bool {
        !matches!(self, Self::Passport)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationStatus {
    Verified,
    NeedsReview,
    Rejected,
}

impl VerificationStatus {
    const ALL: [Self; 3] = [Self::Verified, Self::NeedsReview, Self::Rejected];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::NeedsReview => "needs_review",
            Self::Rejected => "rejected",
        }
    }

    /// The status [`VerificationStatus::as_str`] wrote.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

/// Why a document was not simply verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VerificationReason {
    /// Smaller than 600x400 px: too small to read.
    ImageTooSmall,
    /// The headers are a PNG/JPEG but the data is damaged (bad checksums, truncated).
    ImageCorrupted,
    /// A card was sent without its back.
    BackImageMissing,
    /// No expiry date was given, so validity could not be checked.
    ExpiryUnknown,
    /// The number does not fit the known pattern for this type of document.
    NumberFormatInvalid,
    DocumentExpired,
}

impl VerificationReason {
    const ALL: [Self; 6] = [
        Self::ImageTooSmall,
        Self::ImageCorrupted,
        Self::BackImageMissing,
        Self::ExpiryUnknown,
        Self::NumberFormatInvalid,
        Self::DocumentExpired,
    ];

    /// The reason [`VerificationReason::as_str`] wrote.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == name)
    }

    /// Reasons that fail the request; the others ask for a human look.
    pub fn rejects(&self) -> bool {
        matches!(self, Self::NumberFormatInvalid | Self::DocumentExpired)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ImageTooSmall => "image_too_small",
            Self::ImageCorrupted => "image_corrupted",
            Self::BackImageMissing => "back_image_missing",
            Self::ExpiryUnknown => "expiry_unknown",
            Self::NumberFormatInvalid => "number_format_invalid",
            Self::DocumentExpired => "document_expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub status: VerificationStatus,
    pub reasons: Vec<VerificationReason>,
    pub checked_at: OffsetDateTime,
}

impl Verification {
    /// The status follows from the reasons: any rejecting one rejects, any other asks for review.
    pub fn from_reasons(mut reasons: Vec<VerificationReason>, checked_at: OffsetDateTime) -> Self {
        reasons.sort();
        reasons.dedup();
        let status = if reasons.iter().any(VerificationReason::rejects) {
            VerificationStatus::Rejected
        } else if reasons.is_empty() {
            VerificationStatus::Verified
        } else {
            VerificationStatus::NeedsReview
        };
        Self {
            status,
            reasons,
            checked_at,
        }
    }
}

/// What is kept of an identity document: no image, no number (only its last four characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    pub doc_type: DocumentType,
    pub country: super::CountryCode,
    pub expires_on: Option<Date>,
    pub number_last4: String,
    pub verification: Verification,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_from_reasons() {
        let now = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            Verification::from_reasons(vec![], now).status,
            VerificationStatus::Verified
        );
        let review = Verification::from_reasons(
            vec![
                VerificationReason::ImageTooSmall,
                VerificationReason::ImageTooSmall,
            ],
            now,
        );
        assert_eq!(review.status, VerificationStatus::NeedsReview);
        assert_eq!(review.reasons, vec![VerificationReason::ImageTooSmall]);
        let rejected = Verification::from_reasons(
            vec![
                VerificationReason::ImageTooSmall,
                VerificationReason::DocumentExpired,
            ],
            now,
        );
        assert_eq!(rejected.status, VerificationStatus::Rejected);
    }

    #[test]
    fn types() {
        assert_eq!(
            DocumentType::parse("passport").unwrap(),
            DocumentType::Passport
        );
        assert_eq!(
            DocumentType::parse("NATIONAL_ID").unwrap().as_str(),
            "NATIONAL_ID"
        );
        assert!(DocumentType::parse("LIBRARY_CARD").is_err());
        assert!(!DocumentType::Passport.has_back());
        for reason in VerificationReason::ALL {
            assert_eq!(VerificationReason::from_name(reason.as_str()), Some(reason));
        }
        for status in VerificationStatus::ALL {
            assert_eq!(VerificationStatus::from_name(status.as_str()), Some(status));
        }
        assert!(DocumentType::DrivingLicense.has_back());
    }
}
