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
/// the client read, compared strongly: weak tags, foreign tags and other spellings of a number
/// (`"03"`) match no version, so they fail the precondition (412), as does an empty list. A
/// value that is not a list of entity tags at all (`3`, unquoted) is the client's mistake, not a
/// change it missed, so it is refused (400) instead of failing as stale forever.
pub fn precondition(request: &Request) -> Result<Precondition, ApiError> {
    let lines = request.headers().get_all(header::IF_MATCH);
    if lines.iter().next().is_none() {
        return Ok(Precondition::None);
    }
    // Repeated lines are one comma-separated list (RFC 9110 §5.3).
    let value = lines
        .iter()
        .map(|line| line.as_bytes())
        .collect::<Vec<_>>()
        .join(&b","[..]);
    if value.trim_ascii() == b"*" {
        return Ok(Precondition::Exists);
    }
    let tags = entity_tags(&value).ok_or(ApiError::InvalidIfMatch)?;
    Ok(Precondition::Versions(
        tags.into_iter()
            .filter(|(weak, _)| !weak)
            .filter_map(|(_, opaque)| {
                let text = std::str::from_utf8(opaque).ok()?;
                let version: u64 = text.parse().ok()?;
                (version.to_string() == text).then_some(version)
            })
            .collect(),
    ))
}

/// A list of entity tags (`"3"`, `W/"3"`, RFC 9110 §8.8.3), each as whether it is weak and its
/// opaque part; empty elements are skipped (§5.6.1). `None` when the value is no such list.
fn entity_tags(mut rest: &[u8]) -> Option<Vec<(bool, &[u8])>> {
    let mut tags = Vec::new();
    loop {
        rest = skip(rest, b" \t,");
        if rest.is_empty() {
            return Some(tags);
        }
        let (weak, quoted) = match rest.strip_prefix(b"W/") {
            Some(after) => (true, after),
            None => (false, rest),
        };
        let opaque_and_rest = quoted.strip_prefix(b"\"")?;
        let end = opaque_and_rest.iter().position(|&b| b == b'"')?;
        let opaque = &opaque_and_rest[..end];
        // etagc: `!`, `#` to `~`, and obs-text (bytes from 0x80).
        if !opaque
            .iter()
            .all(|&b| b == 0x21 || (b >= 0x23 && b != 0x7f))
        {
            return None;
        }
        tags.push((weak, opaque));
        rest = skip(&opaque_and_rest[end + 1..], b" \t");
        if !rest.is_empty() && rest[0] != b',' {
            return None;
        }
    }
}

fn skip<'a>(bytes: &'a [u8], these: &[u8]) -> &'a [u8] {
    let start = bytes
        .iter()
        .position(|b| !these.contains(b))
        .unwrap_or(bytes.len());
    &bytes[start..]
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

#[cfg(test)]
mod tests {
    use super::*;

    fn if_match(value: &[u8]) -> Result<Precondition, ApiError> {
        let request = lambda_http::http::Request::builder()
            .header(header::IF_MATCH, value)
            .body(Body::Empty)
            .expect("request");
        precondition(&request)
    }

    fn versions(value: &str) -> Vec<u64> {
        match if_match(value.as_bytes()) {
            Ok(Precondition::Versions(versions)) => versions,
            other => panic!("{value}: {other:?}"),
        }
    }

    #[test]
    fn strong_tags_name_versions_and_others_match_none() {
        assert_eq!(versions("\"3\""), [3]);
        assert_eq!(versions(" \"3\" ,\"5\",, "), [3, 5]);
        // Weak, foreign or otherwise spelt tags are tags: they fail the precondition (412), as
        // RFC 9110's strong comparison says; so does an empty list.
        assert_eq!(versions("W/\"3\""), Vec::<u64>::new());
        assert_eq!(versions("\"abc\", \"\", \"03\", \"+3\""), Vec::<u64>::new());
        assert_eq!(versions("\"a,b\", \"4\""), [4]);
        assert_eq!(versions(""), Vec::<u64>::new());
        assert_eq!(versions(" , "), Vec::<u64>::new());
        assert!(
            matches!(if_match(b"\"caf\xc3\xa9\", \"2\""), Ok(Precondition::Versions(v)) if v == [2])
        );
        assert!(matches!(if_match(b" * "), Ok(Precondition::Exists)));
        let request = lambda_http::http::Request::builder()
            .body(Body::Empty)
            .expect("request");
        assert!(matches!(precondition(&request), Ok(Precondition::None)));
    }

    #[test]
    fn repeated_lines_are_one_list() {
        let request = lambda_http::http::Request::builder()
            .header(header::IF_MATCH, "\"2\"")
            .header(header::IF_MATCH, "\"7\"")
            .body(Body::Empty)
            .expect("request");
        assert!(matches!(precondition(&request), Ok(Precondition::Versions(v)) if v == [2, 7]));
    }

    #[test]
    fn a_value_that_is_not_a_list_of_tags_is_refused() {
        for value in [
            &b"3"[..],
            b"\"3",
            b"\"3\" 4",
            b"W/3",
            b"w/\"3\"",
            b"\"a\"b\"",
            b"\"3\", *",
            b"\"a b\"",
        ] {
            assert!(
                matches!(if_match(value), Err(ApiError::InvalidIfMatch)),
                "{}",
                String::from_utf8_lossy(value)
            );
        }
    }
}
