//! `PATCH /customers/{id}`: correct a customer with a JSON Merge Patch.

use lambda_http::{Body, Request, Response};
use shared::auth::Scope;
use shared::http::{self, ApiError, Envelope};
use shared::lambda::App;

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
                // The raw body (up to 6 MB with a document's images) is not needed once parsed.
                drop(request);
                let updated = app
                    .customers
                    .update(&principal, &id, patch, &precondition)
                    .await?;
                Envelope::new(&updated.customer)
                    .warnings(&updated.warnings)
                    .version(updated.customer.version)
                    .ok()
            },
        )
        .await
}
