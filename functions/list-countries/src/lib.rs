//! `GET /countries`: the ISO 3166-1 countries with their calling codes, for pickers.

use lambda_http::http::header::IF_NONE_MATCH;
use lambda_http::{Body, Request, Response};
use shared::http::{self, Envelope, Scope};
use shared::lambda::App;
use shared::use_cases::countries;

/// The list changes only with a new build (new ISO or libphonenumber data).
const MAX_AGE_SECONDS: u32 = 86_400;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersRead,
            |_principal, request| async move {
                let query = http::query_parameters(&request);
                let found = countries::search(&query)?;
                let body = Envelope::countries(&found).to_json()?;
                let if_none_match = request
                    .headers()
                    .get(IF_NONE_MATCH)
                    .and_then(|v| v.to_str().ok());
                Ok(http::cacheable(body, MAX_AGE_SECONDS, if_none_match))
            },
        )
        .await
}
