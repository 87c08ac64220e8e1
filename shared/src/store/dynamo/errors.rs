//! SDK failures sorted into "try again later" (503) and "will not get better" (500).

use crate::use_cases::ports::StoreError;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

pub(super) fn classify<E>(error: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match error {
        SdkError::DispatchFailure(_) => StoreError::Unavailable("endpoint unreachable".into()),
        SdkError::TimeoutError(_) => StoreError::Unavailable("timed out".into()),
        SdkError::ResponseError(_) => StoreError::Unavailable("unreadable response".into()),
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            service_error(service.err(), status)
        }
        _ => StoreError::Internal("request not sent".into()),
    }
}

/// A service's answer: by its error code, or, for codes we do not know, by its HTTP status.
pub(super) fn service_error<E: ProvideErrorMetadata>(error: &E, status: u16) -> StoreError {
    // Messages are not kept: DynamoDB may quote key values (emails) in them.
    let code = error.code().unwrap_or("Unknown").to_owned();
    let retryable = matches!(
        code.as_str(),
        "ThrottlingException"
            | "ProvisionedThroughputExceededException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "LimitExceededException"
    ) || status >= 500;
    if retryable {
        StoreError::Unavailable(code)
    } else {
        StoreError::Internal(code)
    }
}
