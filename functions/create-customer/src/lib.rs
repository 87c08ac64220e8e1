//! `POST /customers`: register a customer (or, opt-in, add a source account to the existing
//! customer its identifiers belong to).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::http::auth::Scope;
use shared::http::{self, Envelope};
use shared::lambda::App;
use shared::use_cases::customers::Created;
use shared::use_cases::idempotency::{RecordedResponse, RenderError};

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersWrite,
            |principal, request| async move {
                let body = http::json_object(&request)?;
                let idempotent = http::idempotent(&request, Some(&body), &render)?;
                // The raw body (up to 6 MB) is not needed once parsed.
                drop(request);
                let answer = app
                    .customers
                    .create(&principal, body, idempotent.as_ref())
                    .await?;
                http::respond(answer, &render)
            },
        )
        .await
}

/// 201 with the new customer's `Location`; 200 for a source account added to an existing one.
fn render(created: &Created) -> Result<RecordedResponse, RenderError> {
    let customer = &created.customer;
    let envelope = Envelope::new(customer)
        .warnings(&created.warnings)
        .version(customer.version);
    if created.linked {
        http::record(envelope, StatusCode::OK, None)
    } else {
        let location = format!("/customers/{}", customer.id);
        http::record(envelope, StatusCode::CREATED, Some(location))
    }
}
