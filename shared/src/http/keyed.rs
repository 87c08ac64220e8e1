//! `Idempotency-Key` at the edge: the header read into a keyed request, a use case's outcome
//! rendered into the response its record keeps, and a recorded response answered again.

use super::{ApiError, Envelope, RequestInfo};
use crate::use_cases::idempotency::{
    Answer, IdempotencyKey, Idempotent, KeyedRequest, RecordedResponse, RenderError,
};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::{Map, Value};

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

/// How a use case's outcome `T` is answered, as the record keeps it.
pub type Render<T> = dyn Fn(&T) -> Result<RecordedResponse, RenderError> + Send + Sync;

/// The request's key, if it has one, with what makes this request this request (its route,
/// method, path and `body`) and how its outcome is answered.
pub fn idempotent<'a, T>(
    request: &Request,
    body: Option<&Map<String, Value>>,
    render: &'a Render<T>,
) -> Result<Option<Idempotent<'a, T>>, ApiError> {
    let Some(raw) = request.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = raw
        .to_str()
        .ok()
        .and_then(|raw| IdempotencyKey::parse(raw).ok())
        .ok_or(ApiError::InvalidIdempotencyKey)?;
    let route = RequestInfo::of(request).route;
    let method = request.method().as_str();
    let path = request.uri().path();
    Ok(Some(Idempotent {
        request: KeyedRequest::new(&key, &route, method, path, body),
        render,
    }))
}

/// A write's answer: a fresh outcome rendered, or the recorded response of an earlier request
/// with the key, marked `Idempotent-Replayed: true`.
pub fn respond<T>(answer: Answer<T>, render: &Render<T>) -> Result<Response<Body>, ApiError> {
    match answer {
        Answer::Fresh(outcome) => Ok(self::answer(
            &render(&outcome).map_err(|_| ApiError::Serialization)?,
            false,
        )),
        Answer::Replayed(recorded) => Ok(self::answer(&recorded, true)),
    }
}

/// A JSON envelope as a response to record: `status`, the body, and its `Location` and `ETag`.
pub fn record<T: Serialize + ?Sized>(
    envelope: Envelope<'_, T>,
    status: StatusCode,
    location: Option<String>,
) -> Result<RecordedResponse, RenderError> {
    Ok(RecordedResponse {
        status: status.as_u16(),
        body: Some(envelope.to_json().map_err(|_| RenderError)?),
        location,
        etag: envelope.etag_value().map(str::to_owned),
    })
}

/// The response a record keeps, as sent.
pub fn answer(recorded: &RecordedResponse, replayed: bool) -> Response<Body> {
    let mut response = match &recorded.body {
        Some(body) => Response::new(Body::Text(body.clone())),
        None => Response::new(Body::Empty),
    };
    *response.status_mut() =
        StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if recorded.body.is_some() {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let mut set = |name: header::HeaderName, value: &Option<String>| {
        if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    };
    set(header::LOCATION, &recorded.location);
    set(header::ETAG, &recorded.etag);
    if replayed {
        headers.insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}
