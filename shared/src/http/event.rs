//! The event as API Gateway hands it over, made safe for lambda_http's conversion into an
//! `http::Request`, which happens before any handler runs and panics (an invocation error,
//! API Gateway's 500) on a URI that `http` refuses. A client can send such a request target:
//! `GET /countries?search<sau` reaches the function with `<` in `rawQueryString` (found by
//! fuzzing; fuzz/regressions/event_claims/). The characters a URI may not hold are
//! percent-encoded, which is what the client meant by them, so the request goes on and is
//! answered by the API's own rules (here: 200, the countries matching no `search`, since the
//! query holds the parameter `search%3Csau`, which `/countries` ignores).

use lambda_http::request::LambdaRequest;
use lambda_http::{LambdaEvent, Service};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use std::borrow::Cow;
use std::task::{Context, Poll};

/// Everything but what RFC 3986 allows in a path or query as is (`%` stays: an existing
/// escape is the client's).
const NOT_IN_A_URI: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// `request` with its raw path and query string escaped where a URI needs it, and its path
/// absolute (lambda_http writes it right after the host name).
pub fn tolerant(mut request: LambdaRequest) -> LambdaRequest {
    match &mut request {
        LambdaRequest::ApiGatewayV2(event) => {
            escape(&mut event.raw_path, Part::Path);
            escape(&mut event.raw_query_string, Part::Query);
        }
        // REST APIs: lambda_http encodes the query from its parameters itself.
        LambdaRequest::ApiGatewayV1(event) => escape(&mut event.path, Part::Path),
        _ => {}
    }
    request
}

#[derive(PartialEq)]
enum Part {
    Path,
    Query,
}

fn escape(raw: &mut Option<String>, part: Part) {
    let Some(text) = raw.as_deref() else {
        return;
    };
    // Borrowed while nothing needs escaping, as for nearly every request: no copy to compare.
    let mut escaped: Cow<str> = utf8_percent_encode(text, NOT_IN_A_URI).into();
    if part == Part::Path {
        // A path is never a query: `?` in a raw path is an escaped one.
        if escaped.contains('?') {
            escaped = Cow::Owned(escaped.replace('?', "%3F"));
        }
        if !escaped.starts_with('/') {
            escaped.to_mut().insert(0, '/');
        }
    }
    if let Cow::Owned(escaped) = escaped {
        *raw = Some(escaped);
    }
}

/// A Lambda service that hands the next one [`tolerant`] events.
pub struct Tolerant<S>(pub S);

impl<S: Service<LambdaEvent<LambdaRequest>>> Service<LambdaEvent<LambdaRequest>> for Tolerant<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, event: LambdaEvent<LambdaRequest>) -> Self::Future {
        self.0
            .call(LambdaEvent::new(tolerant(event.payload), event.context))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Request;

    fn event(raw_path: &str, raw_query: &str) -> LambdaRequest {
        let mut event: serde_json::Value =
            serde_json::from_str(include_str!("../../../events/list-countries.json")).unwrap();
        event["rawPath"] = raw_path.into();
        event["rawQueryString"] = raw_query.into();
        serde_json::from_value(event).unwrap()
    }

    #[test]
    fn a_request_target_http_refuses_becomes_one_it_accepts_with_the_same_meaning() {
        for (path, query) in [
            ("/countries", "search<sau"),
            ("/countries", "search=a b|c{d}\"e\\f^g`h#i"),
            ("/countries/ü<x>", "search=é"),
            ("/countries", "search=%3C&x=%zz"),
            ("\u{FFFD}\u{FFFD}/countries", "search=x"),
            ("countries?x", ""),
        ] {
            let request = Request::from(tolerant(event(path, query)));
            let uri = request.uri().to_string();
            assert!(uri.contains("/countries"), "{uri}");
        }
        let request = Request::from(tolerant(event("/countries", "search<sau")));
        assert_eq!(request.uri().query(), Some("search%3Csau"));
    }

    #[test]
    fn a_rest_api_path_is_made_absolute_and_escaped() {
        let mut event: serde_json::Value =
            serde_json::from_str(include_str!("../../../events/get-customer-rest.json")).unwrap();
        for path in [":99999/customers", "customers|x^y", "/customers/<id>"] {
            event["path"] = path.into();
            let request = Request::from(tolerant(serde_json::from_value(event.clone()).unwrap()));
            assert!(request.uri().path().starts_with('/'), "{path}");
        }
    }

    #[test]
    fn a_valid_request_target_is_left_alone() {
        let request = Request::from(tolerant(event("/countries", "search=sau&x=%2B1")));
        assert_eq!(request.uri().query(), Some("search=sau&x=%2B1"));
    }
}
