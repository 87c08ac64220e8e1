//! `PATCH /customers/{id}`: correct a customer with a JSON Merge Patch.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::http::auth::Scope;
use shared::http::{self, ApiError, Envelope};
use shared::lambda::App;
use shared::use_cases::customers::Updated;
use shared::use_cases::idempotency::{RecordedResponse, RenderError};

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersWrite,
            |principal, request| async move {
                let id = http::path_parameter(&request, "id")
                    .ok_or(ApiError::NotFound)?
                    .to_owned();
                let precondition = http::precondition(&request);
                let patch = http::merge_patch(&request)?;
                let idempotent = http::idempotent(&request, Some(&patch), &render)?;
                // The raw body (up to 6 MB with a document's images) is not needed once parsed.
                drop(request);
                let answer = app
                    .customers
                    .update(&principal, &id, patch, &precondition, idempotent.as_ref())
                    .await?;
                http::respond(answer, &render)
            },
        )
        .await
}

fn render(updated: &Updated) -> Result<RecordedResponse, RenderError> {
    let envelope = Envelope::new(&updated.customer)
        .warnings(&updated.warnings)
        .version(updated.customer.version);
    http::record(envelope, StatusCode::OK, None)
}
