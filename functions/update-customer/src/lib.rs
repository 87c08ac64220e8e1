//! `PATCH /customers/{id}`: correct a customer with a JSON Merge Patch.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::http::{self, ApiError, Envelope, Rendered, Scope};
use shared::lambda::App;
use shared::use_cases::customers::Updated;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersWrite,
            |principal, request| async move {
                let id = http::path_parameter(&request, "id")
                    .ok_or(ApiError::NotFound)?
                    .to_owned();
                let precondition = http::precondition(&request)?;
                let patch = http::patch_object(&request)?;
                let keyed = http::keyed(&principal, &request, Some(&patch), &reply)?;
                // The raw body (up to 6 MB with a document's images) is not needed once parsed.
                drop(request);
                let answer = app
                    .customers
                    .update(&principal, &id, patch, precondition, keyed.as_ref())
                    .await?;
                http::respond(answer, &reply)
            },
        )
        .await
}

fn reply(updated: &Updated) -> Rendered {
    Envelope::customer(&updated.customer)
        .warnings(&updated.warnings)
        .reply(StatusCode::OK)
}
