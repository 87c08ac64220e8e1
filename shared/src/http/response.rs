//! Successful JSON responses. Every one has the same envelope: `{"data": ...}`, with the
//! `warnings` of a write and the `next_cursor` of a page.

use super::warnings::WarningBody;
use super::ApiError;
use crate::domain::Warning;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Envelope<'a, T: ?Sized> {
    data: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<Vec<WarningBody>>,
    /// `Some(None)` is a last page: `"next_cursor": null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<Option<&'a str>>,
    #[serde(skip)]
    etag: Option<String>,
}

/// 204 without a body.
pub fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

impl<'a, T: Serialize + ?Sized> Envelope<'a, T> {
    pub fn new(data: &'a T) -> Self {
        Self {
            data,
            warnings: None,
            next_cursor: None,
            etag: None,
        }
    }

    /// The representation's version, as a strong `ETag` (`"3"`): what `If-Match` names.
    pub fn version(mut self, version: u64) -> Self {
        self.etag = Some(format!("\"{version}\""));
        self
    }

    /// A write's warnings; present (maybe empty) on every write's response.
    pub fn warnings(mut self, warnings: &[Warning]) -> Self {
        self.warnings = Some(warnings.iter().map(WarningBody::from).collect());
        self
    }

    /// A page's cursor; `None` on the last page.
    pub fn next_cursor(mut self, cursor: Option<&'a str>) -> Self {
        self.next_cursor = Some(cursor);
        self
    }

    /// The `ETag` this envelope's response carries, if any.
    pub fn etag_value(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    pub fn to_json(&self) -> Result<String, ApiError> {
        serde_json::to_string(self).map_err(|_| ApiError::Serialization)
    }

    /// 200.
    pub fn ok(&self) -> Result<Response<Body>, ApiError> {
        self.respond(StatusCode::OK)
    }

    /// 201 for a resource that has no URL of its own.
    pub fn created(&self) -> Result<Response<Body>, ApiError> {
        self.respond(StatusCode::CREATED)
    }

    /// 201 with the new resource's `Location`.
    pub fn created_at(&self, location: &str) -> Result<Response<Body>, ApiError> {
        let mut response = self.respond(StatusCode::CREATED)?;
        let location = HeaderValue::from_str(location).map_err(|_| ApiError::Serialization)?;
        response.headers_mut().insert(header::LOCATION, location);
        Ok(response)
    }

    fn respond(&self, status: StatusCode) -> Result<Response<Body>, ApiError> {
        let mut response = Response::new(Body::Text(self.to_json()?));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        // Customer data is personal data: no shared cache may keep it.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(etag) = &self.etag {
            let etag = HeaderValue::from_str(etag).map_err(|_| ApiError::Serialization)?;
            headers.insert(header::ETAG, etag);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn body(response: &Response<Body>) -> Value {
        match response.body() {
            Body::Text(text) => serde_json::from_str(text).unwrap(),
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn the_envelope_carries_only_what_the_response_is_about() {
        let data = json!({"id": 1});
        assert_eq!(
            body(&Envelope::new(&data).ok().unwrap()),
            json!({"data": {"id": 1}})
        );
        let write = Envelope::new(&data).warnings(&[]).created().unwrap();
        assert_eq!(write.status(), StatusCode::CREATED);
        assert_eq!(body(&write), json!({"data": {"id": 1}, "warnings": []}));
        let items = [1, 2];
        let last = Envelope::new(&items[..]).next_cursor(None).ok().unwrap();
        assert_eq!(body(&last), json!({"data": [1, 2], "next_cursor": null}));
        let more = Envelope::new(&items[..])
            .next_cursor(Some("c"))
            .ok()
            .unwrap();
        assert_eq!(body(&more)["next_cursor"], "c");
    }

    #[test]
    fn a_version_is_a_strong_etag() {
        let data = json!({});
        let response = Envelope::new(&data).version(3).ok().unwrap();
        assert_eq!(response.headers()[header::ETAG], "\"3\"");
        assert!(!Envelope::new(&data)
            .ok()
            .unwrap()
            .headers()
            .contains_key(header::ETAG));
        assert_eq!(no_content().status(), StatusCode::NO_CONTENT);
    }

    #[test]
    fn a_creation_says_where_the_resource_is_and_nothing_is_cached() {
        let data = json!({});
        let response = Envelope::new(&data).created_at("/customers/1").unwrap();
        assert_eq!(response.headers()[header::LOCATION], "/customers/1");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        assert!(matches!(
            Envelope::new(&data).created_at("/bad\nheader"),
            Err(ApiError::Serialization)
        ));
    }
}
