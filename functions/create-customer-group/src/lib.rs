//! `POST /customer-groups`: create a customer group.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::domain::CustomerGroup;
use shared::http::auth::Scope;
use shared::http::{self, Envelope};
use shared::lambda::App;
use shared::use_cases::idempotency::{RecordedResponse, RenderError};

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersWrite,
            |principal, request| async move {
                let body = http::json_object(&request)?;
                let idempotent = http::idempotent(&request, Some(&body), &render)?;
                let answer = app
                    .groups
                    .create(&principal, &body, idempotent.as_ref())
                    .await?;
                http::respond(answer, &render)
            },
        )
        .await
}

fn render(group: &CustomerGroup) -> Result<RecordedResponse, RenderError> {
    http::record(Envelope::new(group), StatusCode::CREATED, None)
}
