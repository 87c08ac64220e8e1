//! The HTTP edge shared by every function: request parsing, authorisation from the gateway's
//! claims, the error model (RFC 9457 problem+json) and the one log line per request.

mod caching;
mod endpoint;
mod error;
mod problem;
mod request;
mod response;

pub use caching::{cacheable, etag, none_match};
pub use endpoint::{init_tracing, json_subscriber, Endpoint};
pub use error::ApiError;
pub use problem::Problem;
pub use request::{json_object, path_parameter, query_parameter, RequestInfo, MAX_BODY_BYTES};
pub use response::{created, created_data, ok, ok_with_warnings, page};
