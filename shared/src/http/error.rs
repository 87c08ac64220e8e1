use super::auth::AuthError;
use super::problem::Problem;
use crate::api::{FieldError, ValidationErrors};
use crate::domain::{UniqueField, VerificationReason};
use crate::use_cases::ports::{DocumentStorageError, StoreError};
use crate::use_cases::Error as UseCaseError;
use lambda_http::http::StatusCode;
use thiserror::Error;

/// Every way a request can fail, decided once for all functions. Only this module knows which
/// domain failure is which HTTP status.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The body's media type is none of these.
    #[error("Content-Type must be one of {0:?}")]
    UnsupportedMediaType(&'static [&'static str]),
    #[error("the body exceeds {} bytes", super::request::MAX_BODY_BYTES)]
    PayloadTooLarge,
    #[error("{0}")]
    InvalidJson(String),
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("not found")]
    NotFound,
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("invalid idempotency key")]
    InvalidIdempotencyKey,
    #[error("If-Match is not `*` or a list of entity tags")]
    InvalidIfMatch,
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    #[error("customer erased")]
    CustomerErased,
    #[error("taken")]
    Taken(UniqueField),
    #[error("contended")]
    Contended,
    #[error(transparent)]
    Store(StoreError),
    #[error("document rejected")]
    DocumentRejected(Vec<VerificationReason>),
    #[error(transparent)]
    Documents(DocumentStorageError),
    #[error("misconfigured: {0}")]
    Misconfigured(&'static str),
    #[error("invalid cursor")]
    InvalidCursor,
    /// A response could not be rendered (a bug, never the client's doing).
    #[error("a response could not be serialised")]
    Serialization,
}

impl From<UseCaseError> for ApiError {
    fn from(error: UseCaseError) -> Self {
        use UseCaseError as Error;
        match error {
            Error::Invalid(errors) => ApiError::Validation(errors),
            Error::NotFound => ApiError::NotFound,
            Error::PreconditionFailed => ApiError::PreconditionFailed,
            Error::KeyReused => ApiError::IdempotencyKeyReused,
            Error::CustomerErased => ApiError::CustomerErased,
            Error::NoRandomness(_) => ApiError::Misconfigured("the system gave no randomness"),
            Error::Taken(field) => ApiError::Taken(field),
            Error::Contended => ApiError::Contended,
            Error::Store(error) => ApiError::Store(error),
            Error::DocumentRejected(reasons) => ApiError::DocumentRejected(reasons),
            Error::Documents(error) => ApiError::Documents(error),
            Error::DocumentsNotConfigured => {
                ApiError::Misconfigured("identity documents are not configured")
            }
            Error::InvalidCursor => ApiError::InvalidCursor,
            Error::Unrepresentable => ApiError::Serialization,
        }
    }
}

/// Seconds a client should wait before retrying after a dependency failure.
const RETRY_AFTER_SECONDS: u32 = 2;

impl ApiError {
    pub fn problem(&self) -> Problem {
        match self {
            ApiError::UnsupportedMediaType(accepted) => {
                let problem = Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Unsupported media type",
                    format!("Send the body with Content-Type: {}.", accepted.join(" or ")),
                );
                // RFC 5789 §2.2: a PATCH refused for its media type says which it accepts.
                if accepted.contains(&super::request::MERGE_PATCH) {
                    problem.with_header("accept-patch", accepted.join(", "))
                } else {
                    problem
                }
            }
            ApiError::PayloadTooLarge => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                self.to_string(),
            ),
            ApiError::InvalidJson(detail) => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "Invalid JSON",
                detail.clone(),
            ),
            ApiError::Validation(errors) => Problem::new(
                StatusCode::BAD_REQUEST,
                "validation_failed",
                "Validation failed",
                "One or more fields are invalid; see `errors`.",
            )
            .with_errors(errors.0.clone()),
            ApiError::Auth(AuthError::Unauthenticated) => Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Unauthorized",
                "A valid bearer token is required.",
            )
            .with_header("www-authenticate", "Bearer".to_owned()),
            ApiError::Auth(e @ AuthError::TenantRequired { .. }) => Problem::new(
                StatusCode::FORBIDDEN,
                "tenant_required",
                "Tenant required",
                e.to_string(),
            ),
            ApiError::Auth(e @ AuthError::InvalidTenant { .. }) => Problem::new(
                StatusCode::FORBIDDEN,
                "invalid_tenant",
                "Invalid tenant",
                e.to_string(),
            ),
            ApiError::Auth(e @ AuthError::InsufficientScope { required }) => Problem::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                "Insufficient scope",
                e.to_string(),
            )
            // RFC 6750 §3.1: tell the client which scope it lacks.
            .with_header(
                "www-authenticate",
                format!(
                    "Bearer error=\"insufficient_scope\", scope=\"{}\"",
                    required.as_str()
                ),
            ),
            ApiError::InvalidCursor => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "Invalid cursor",
                "The cursor was not issued by this API for this tenant, or was altered. Start again without one.",
            )
            .with_field("?cursor".to_owned()),
            ApiError::NotFound => Problem::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Not found",
                "No customer with this id exists.",
            ),
            ApiError::InvalidIdempotencyKey => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Invalid idempotency key",
                "Idempotency-Key must be 1-255 visible ASCII characters (! to ~), such as a UUID. Nothing was done.",
            )
            .with_field("Idempotency-Key".to_owned()),
            ApiError::InvalidIfMatch => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_if_match",
                "Invalid If-Match",
                "If-Match must be * or the ETag of the version read, quoted as the ETag header gives it (\"3\"); several may be listed, separated by commas. Nothing was written.",
            )
            .with_field("If-Match".to_owned()),
            ApiError::IdempotencyKeyReused => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
                "This Idempotency-Key was used for another request on this route within 24 hours; nothing was written. Use a new key for a new request.",
            )
            .with_field("Idempotency-Key".to_owned()),
            // A retry learns that its customer is gone, and nothing of what it was.
            ApiError::CustomerErased => Problem::new(
                StatusCode::GONE,
                "customer_erased",
                "Customer erased",
                "This request was done before with this Idempotency-Key, and the customer it wrote has been erased since; its reply went with it. Nothing was written.",
            )
            .with_field("Idempotency-Key".to_owned()),
            ApiError::PreconditionFailed => Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "Precondition failed",
                "The customer is not at the version If-Match names: it changed since it was read. Read it again (GET returns its ETag); nothing was written.",
            ),
            ApiError::Taken(field) => Problem::new(
                StatusCode::CONFLICT,
                match field {
                    UniqueField::Email => "email_taken",
                    UniqueField::Mobile => "mobile_taken",
                    UniqueField::IdentityDocument => "identity_document_taken",
                    UniqueField::ExternalId => "external_id_taken",
                    UniqueField::CardNumber => "card_number_taken",
                    UniqueField::GroupName => "group_name_taken",
                },
                "Already taken",
                match field {
                    UniqueField::GroupName => {
                        "Another customer group of this tenant has this name.".to_owned()
                    }
                    _ => format!(
                        "Another customer of this tenant already has this {}.",
                        field.name().replace('_', " ")
                    ),
                },
            )
            .with_field(pointer_of(*field).to_owned()),
            ApiError::DocumentRejected(reasons) => Problem::new(
                StatusCode::BAD_REQUEST,
                "document_rejected",
                "Document rejected",
                "The identity document failed verification; see `errors`. Its images were deleted.",
            )
            .with_errors(reasons.iter().map(rejection).collect()),
            ApiError::Documents(DocumentStorageError::Unavailable(_)) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "Service unavailable",
                "Document storage is unavailable; nothing was written and no image was kept. Retry later.",
            )
            .with_header("retry-after", RETRY_AFTER_SECONDS.to_string()),
            ApiError::Contended => Problem::new(
                StatusCode::CONFLICT,
                "concurrent_update",
                "Concurrent update",
                "Other requests kept changing the same data while this one was applied; nothing was written. Retry.",
            ),
            ApiError::Documents(DocumentStorageError::Internal(_))
            | ApiError::Misconfigured(_)
            | ApiError::Serialization => {
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "Internal error",
                    "The request failed on our side; nothing was written.",
                )
            }
            ApiError::Store(StoreError::Unavailable(_)) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "Service unavailable",
                "The database is unavailable; nothing was written. Retry later.",
            )
            .with_header("retry-after", RETRY_AFTER_SECONDS.to_string()),
            // Taken is mapped above; this arm is a store error the client cannot fix.
            ApiError::Store(
                StoreError::Internal(_)
                | StoreError::InvalidStart
                | StoreError::AlreadyRecorded
                | StoreError::Taken(_)
                | StoreError::UnknownGroups(_)
                | StoreError::Stale
                | StoreError::Conflict,
            ) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Internal error",
                "The request failed on our side; nothing was written.",
            ),
        }
    }
}

/// The request field a unique value comes from: the `field` of its 409.
fn pointer_of(field: UniqueField) -> &'static str {
    match field {
        UniqueField::Email => "/email",
        UniqueField::Mobile => "/mobile",
        UniqueField::IdentityDocument => "/identity_document",
        UniqueField::ExternalId => "/identifiers/external_id",
        UniqueField::CardNumber => "/identifiers/card_number",
        UniqueField::GroupName => "/name",
    }
}

/// A rejecting verification reason as a field error, on the field it is about.
fn rejection(reason: &VerificationReason) -> FieldError {
    let field = match reason {
        VerificationReason::NumberFormatInvalid => "/identity_document/number",
        VerificationReason::DocumentExpired => "/identity_document/expires_on",
        _ => "/identity_document",
    };
    let message = match reason {
        VerificationReason::NumberFormatInvalid => {
            "does not fit the number format of this type of document"
        }
        VerificationReason::DocumentExpired => "the document has expired",
        _ => "the document failed this check",
    };
    FieldError {
        field: field.to_owned(),
        code: reason.as_str(),
        message: message.to_owned(),
    }
}
