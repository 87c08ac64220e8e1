//! The HTTP edge shared by every function (an adapter over the use cases): request parsing,
//! authorisation from the gateway's claims, the error model (RFC 9457 problem+json), the
//! response envelope and the replies of writes, the wording of warnings, and the one log line
//! per request.

pub mod auth;
mod caching;
mod endpoint;
mod error;
mod event;
mod keyed;
mod logging;
mod problem;
mod request;
mod response;
mod warnings;

pub use auth::Scope;
pub use caching::cacheable;
pub use endpoint::Endpoint;
pub use error::ApiError;
pub use event::{tolerant, Tolerant};
pub use keyed::keyed;
pub use logging::{init_tracing, json_subscriber};
pub use request::{
    json_object, patch_object, path_parameter, precondition, query_parameter, query_parameters,
    RequestInfo,
};
pub use response::{no_content, respond, Envelope, Rendered};
