use super::ApiError;
use crate::api::{parse_strict, JsonError};
use crate::http::auth::Claims;
use crate::use_cases::targets::Precondition;
use lambda_http::http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Lambda's limit on a synchronous invocation's payload; larger bodies cannot arrive through
/// API Gateway, and are refused the same way wherever else they come from.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// What the gateway tells us about a request besides its body. The claims are borrowed from
/// the request where they can be (an HTTP API's): they are read once, to authorise it.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo<'r> {
    pub request_id: Option<String>,
    pub route: String,
    /// Whether `route` is the gateway's route (its key or resource) and not the method and
    /// raw path of a request that came without one: only a gateway's is a closed set.
    pub routed: bool,
    pub claims: Option<Cow<'r, Claims>>,
}

impl<'r> RequestInfo<'r> {
    pub fn of(request: &'r Request) -> Self {
        let lambda_request_id = || {
            request
                .lambda_context_ref()
                .map(|c| c.request_id.clone())
                .filter(|id| !id.is_empty())
        };
        let fallback_route = || format!("{} {}", request.method(), request.raw_http_path());
        match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => Self {
                request_id: ctx.request_id.clone().or_else(lambda_request_id),
                routed: ctx.route_key.is_some(),
                route: ctx.route_key.clone().unwrap_or_else(fallback_route),
                claims: ctx
                    .authorizer
                    .as_ref()
                    .and_then(|a| a.jwt.as_ref())
                    .map(|jwt| &jwt.claims)
                    .filter(|claims| !claims.is_empty())
                    .map(Cow::Borrowed),
            },
            Some(RequestContext::ApiGatewayV1(ctx)) => Self {
                request_id: ctx.request_id.clone().or_else(lambda_request_id),
                routed: ctx.resource_path.is_some(),
                route: match &ctx.resource_path {
                    Some(resource) => format!("{} {}", ctx.http_method, resource),
                    None => fallback_route(),
                },
                // REST APIs put a Cognito/JWT authorizer's claims under `authorizer.claims`.
                claims: ctx
                    .authorizer
                    .fields
                    .get("claims")
                    .and_then(Value::as_object)
                    .map(stringify_claims)
                    .filter(|claims| !claims.is_empty())
                    .map(Cow::Owned),
            },
            _ => Self {
                request_id: lambda_request_id(),
                route: fallback_route(),
                routed: false,
                claims: None,
            },
        }
    }
}

fn stringify_claims(claims: &Map<String, Value>) -> Claims {
    claims
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

pub const JSON: &str = "application/json";
/// RFC 7396's media type, which PATCH takes beside plain JSON.
pub const MERGE_PATCH: &str = "application/merge-patch+json";

/// The body as a JSON object, after the media type (`application/json`) and size checks.
pub fn json_object(request: &Request) -> Result<Map<String, Value>, ApiError> {
    body_object(request, &[JSON])
}

/// A PATCH body: a JSON Merge Patch object, as `application/merge-patch+json` or plain JSON.
pub fn patch_object(request: &Request) -> Result<Map<String, Value>, ApiError> {
    body_object(request, &[MERGE_PATCH, JSON])
}

fn body_object(
    request: &Request,
    accepted: &'static [&'static str],
) -> Result<Map<String, Value>, ApiError> {
    let bytes: &[u8] = match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        // Streams never arrive from API Gateway; treat one like an unreadable body.
        _ => return Err(ApiError::InvalidJson("the body could not be read".into())),
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    if !has_media_type(request, accepted) {
        return Err(ApiError::UnsupportedMediaType(accepted));
    }
    match parse_strict(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::InvalidJson(
            "The body must be a JSON object.".into(),
        )),
        Err(JsonError::Syntax(detail)) => Err(ApiError::InvalidJson(detail)),
        Err(JsonError::Invalid(errors)) => Err(ApiError::Validation(errors)),
    }
}

fn has_media_type(request: &Request, accepted: &[&str]) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| {
            accepted
                .iter()
                .any(|a| media.trim().eq_ignore_ascii_case(a))
        })
}

/// `If-Match` (RFC 9110 §13.1.1): `*`, or the strong ETags (`"<version>"`) of the versions
/// the client read. Weak or foreign tags match no version, so they fail the precondition.
pub fn precondition(request: &Request) -> Precondition {
    let Some(value) = request
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return Precondition::None;
    };
    if value.trim() == "*" {
        return Precondition::Exists;
    }
    Precondition::Versions(
        value
            .split(',')
            .filter_map(|tag| {
                tag.trim()
                    .strip_prefix('"')?
                    .strip_suffix('"')?
                    .parse()
                    .ok()
            })
            .collect(),
    )
}

/// Every query-string parameter by name (the first value of a repeated one).
pub fn query_parameters(request: &Request) -> BTreeMap<String, String> {
    let mut parameters = BTreeMap::new();
    if let Some(query) = request.query_string_parameters_ref() {
        for (name, value) in query.iter() {
            parameters
                .entry(name.to_owned())
                .or_insert_with(|| value.to_owned());
        }
    }
    parameters
}

pub fn path_parameter<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.path_parameters_ref().and_then(|p| p.first(name))
}
