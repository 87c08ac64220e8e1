//! Responses that are the same for every caller: shared caches may keep them, and clients
//! revalidate them with a strong `ETag`.

use super::request::JSON;
use super::response::{with_body, Caching};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use sha2::{Digest, Sha256};

/// A strong entity tag of a representation: the same bytes, the same tag.
fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether an `If-None-Match` header value matches `etag` (weak comparison, RFC 9110 §13.1.2).
fn none_match(header: &str, etag: &str) -> bool {
    header.trim() == "*"
        || header
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == etag)
}

/// 200 with `body`, cacheable by anyone for `max_age` seconds, with its `ETag`; 304 without a
/// body when `if_none_match` already names it.
pub fn cacheable(body: String, max_age: u32, if_none_match: Option<&str>) -> Response<Body> {
    let etag = etag(body.as_bytes());
    let fresh = if_none_match.is_some_and(|header| none_match(header, &etag));
    let caching = Caching::Public(max_age);
    let mut response = if fresh {
        let mut r = Response::new(Body::Empty);
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r.headers_mut()
            .insert(header::CACHE_CONTROL, caching.header());
        r
    } else {
        with_body(StatusCode::OK, body, JSON, caching)
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags() {
        let tag = etag(b"abc");
        assert_eq!(tag, etag(b"abc"));
        assert_ne!(tag, etag(b"abd"));
        assert!(none_match(&tag, &tag));
        assert!(none_match(&format!("W/{tag}, \"other\""), &tag));
        assert!(none_match("*", &tag));
        assert!(!none_match("\"other\"", &tag));
    }

    #[test]
    fn revalidation_answers_304_without_a_body() {
        let first = cacheable("{}".into(), 60, None);
        assert_eq!(first.status(), StatusCode::OK);
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        assert_eq!(first.headers()[header::CACHE_CONTROL], "public, max-age=60");
        let again = cacheable("{}".into(), 60, Some(&tag));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(matches!(again.body(), Body::Empty));
        assert_eq!(again.headers()[header::ETAG], tag.as_str());
    }
}
