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
    let response = if fresh {
        not_modified(&caching)
    } else {
        with_body(StatusCode::OK, body, JSON, caching)
    };
    tagged(response, &etag)
}

/// A document built into the function (a page, a specification): the same bytes for every
/// caller of a deployment, stored plain and gzip-compressed, each with its strong entity tag
/// (computed when the function is built: the tags of two encodings differ, as RFC 9110 §8.8.3
/// asks of two representations).
#[derive(Debug, Clone, Copy)]
pub struct BuiltDocument {
    pub media_type: &'static str,
    pub plain: &'static [u8],
    pub plain_etag: &'static str,
    pub gzip: &'static [u8],
    pub gzip_etag: &'static str,
}

/// The request headers that choose and revalidate a [`BuiltDocument`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Negotiation<'h> {
    pub accept_encoding: Option<&'h str>,
    pub if_none_match: Option<&'h str>,
}

/// 200 with `document`, gzip-compressed when the client accepts it, cacheable by anyone for
/// `max_age` seconds; 304 without a body when the client's tag is the current one.
pub fn built_document(
    document: &BuiltDocument,
    max_age: u32,
    negotiation: Negotiation<'_>,
) -> Response<Body> {
    let gzip = negotiation.accept_encoding.is_some_and(accepts_gzip);
    let (bytes, etag) = if gzip {
        (document.gzip, document.gzip_etag)
    } else {
        (document.plain, document.plain_etag)
    };
    let fresh = negotiation
        .if_none_match
        .is_some_and(|header| none_match(header, etag));
    let caching = Caching::Public(max_age);
    let mut response = if fresh {
        not_modified(&caching)
    } else {
        let mut r = Response::new(Body::Binary(bytes.to_vec()));
        let headers = r.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(document.media_type),
        );
        headers.insert(header::CACHE_CONTROL, caching.header());
        if gzip {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    tagged(response, etag)
}

/// Whether an `Accept-Encoding` value accepts gzip (RFC 9110 §12.5.3): by its own weight when
/// named, else by `*`'s; a weight of 0 refuses.
fn accepts_gzip(header: &str) -> bool {
    let weight_of = |name: &str| {
        header.split(',').find_map(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            if !parts.next()?.eq_ignore_ascii_case(name) {
                return None;
            }
            let q = parts
                .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            Some(q)
        })
    };
    weight_of("gzip")
        .or_else(|| weight_of("*"))
        .is_some_and(|q| q > 0.0)
}

fn not_modified(caching: &Caching) -> Response<Body> {
    let mut r = Response::new(Body::Empty);
    *r.status_mut() = StatusCode::NOT_MODIFIED;
    r.headers_mut()
        .insert(header::CACHE_CONTROL, caching.header());
    r
}

fn tagged(mut response: Response<Body>, etag: &str) -> Response<Body> {
    if let Ok(value) = HeaderValue::from_str(etag) {
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

    const DOCUMENT: BuiltDocument = BuiltDocument {
        media_type: "text/html; charset=utf-8",
        plain: b"<p>hi</p>",
        plain_etag: "\"plain\"",
        gzip: b"\x1f\x8b...",
        gzip_etag: "\"gzip\"",
    };

    fn answer(accept_encoding: Option<&str>, if_none_match: Option<&str>) -> Response<Body> {
        let negotiation = Negotiation {
            accept_encoding,
            if_none_match,
        };
        built_document(&DOCUMENT, 300, negotiation)
    }

    #[test]
    fn a_built_document_is_compressed_only_for_clients_that_accept_gzip() {
        let plain = answer(None, None);
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(matches!(plain.body(), Body::Binary(b) if b.as_slice() == DOCUMENT.plain));
        assert!(!plain.headers().contains_key(header::CONTENT_ENCODING));
        assert_eq!(plain.headers()[header::ETAG], "\"plain\"");
        assert_eq!(plain.headers()[header::VARY], "Accept-Encoding");
        assert_eq!(plain.headers()[header::CONTENT_TYPE], DOCUMENT.media_type);
        assert_eq!(
            plain.headers()[header::CACHE_CONTROL],
            "public, max-age=300"
        );
        for accepted in [
            "gzip, deflate, br",
            "br;q=1.0, GZIP;q=0.5",
            "*",
            "br, *;q=0.1",
        ] {
            let gzip = answer(Some(accepted), None);
            assert!(matches!(gzip.body(), Body::Binary(b) if b.as_slice() == DOCUMENT.gzip));
            assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");
            assert_eq!(gzip.headers()[header::ETAG], "\"gzip\"");
        }
        for refused in [
            "br",
            "gzip;q=0",
            "GZIP; Q=0",
            "gzip;q=0, *",
            "identity",
            "gzipped",
        ] {
            let plain = answer(Some(refused), None);
            assert!(
                !plain.headers().contains_key(header::CONTENT_ENCODING),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_built_document_revalidates_by_the_tag_of_its_encoding() {
        let fresh = answer(Some("gzip"), Some("\"gzip\""));
        assert_eq!(fresh.status(), StatusCode::NOT_MODIFIED);
        assert!(matches!(fresh.body(), Body::Empty));
        assert_eq!(fresh.headers()[header::VARY], "Accept-Encoding");
        // The plain tag does not revalidate the compressed representation.
        assert_eq!(
            answer(Some("gzip"), Some("\"plain\"")).status(),
            StatusCode::OK
        );
        assert_eq!(
            answer(None, Some("W/\"plain\"")).status(),
            StatusCode::NOT_MODIFIED
        );
    }
}
