//! `GET /docs` and `GET /openapi.json`: the reference page and the specification it renders,
//! built from openapi.yaml with the function (build.rs), so a deployment always describes
//! itself. The only routes without a token: they hold nothing of any tenant.

use lambda_http::http::header::{self, HeaderName, HeaderValue};
use lambda_http::{Body, Request, RequestExt, Response};
use shared::http::{self, ApiError, BuiltDocument, Negotiation};
use shared::lambda::App;

include!(concat!(env!("OUT_DIR"), "/documents.rs"));

#[cfg(test)]
mod inline;

/// A deployment changes both; within one they never do, and the `ETag` revalidates them.
const MAX_AGE_SECONDS: u32 = 300;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond_public(request, |request| async move {
            // The raw path carries a named stage or a custom domain's base path before the route.
            let path = request.raw_http_path();
            let page = if path.ends_with("/docs") {
                true
            } else if path.ends_with("/openapi.json") {
                false
            } else {
                return Err(ApiError::NotFound);
            };
            let document: &BuiltDocument = if page { &PAGE } else { &SPEC };
            let negotiation = Negotiation {
                accept_encoding: header_str(&request, header::ACCEPT_ENCODING),
                if_none_match: header_str(&request, header::IF_NONE_MATCH),
            };
            let mut response = http::built_document(document, MAX_AGE_SECONDS, negotiation);
            let headers = response.headers_mut();
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            if page {
                headers.insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CONTENT_SECURITY_POLICY),
                );
                headers.insert(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                );
            }
            Ok(response)
        })
        .await
}

fn header_str(request: &Request, name: HeaderName) -> Option<&str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}
