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
pub use caching::{built_document, cacheable, BuiltDocument, Negotiation};
pub use endpoint::{ColdStart, Endpoint, UNROUTED};
pub use error::ApiError;
pub use event::{tolerant, Tolerant};
pub use keyed::keyed;
#[cfg(test)]
pub(crate) use logging::log_layer_at;
pub use logging::{json_subscriber, log_layer};
pub use request::{
    json_object, patch_object, path_parameter, precondition, query_parameters, RequestInfo,
};
pub use response::{no_content, respond, Envelope, Rendered};
