//! `DELETE /customers/{id}`: erase a customer and free every value it held.

use lambda_http::{Body, Request, Response};
use shared::http::auth::Scope;
use shared::http::{self, ApiError, RequestInfo};
use shared::lambda::App;
use shared::use_cases::idempotency::{RecordedResponse, RenderError};

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersWrite,
            |principal, request| async move {
                let id = http::path_parameter(&request, "id").ok_or(ApiError::NotFound)?;
                let precondition = http::precondition(&request);
                let request_id = RequestInfo::of(&request).request_id;
                let idempotent = http::idempotent(&request, None, &render)?;
                let answer = app
                    .customers
                    .erase(
                        &principal,
                        id,
                        &precondition,
                        request_id.as_deref(),
                        idempotent.as_ref(),
                    )
                    .await?;
                http::respond(answer, &render)
            },
        )
        .await
}

/// 204 without a body.
fn render(_: &()) -> Result<RecordedResponse, RenderError> {
    Ok(RecordedResponse {
        status: 204,
        body: None,
        location: None,
        etag: None,
    })
}
