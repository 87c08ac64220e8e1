//! `DELETE /customers/{id}`: erase a customer and free every value it held.

use lambda_http::{Body, Request, Response};
use shared::http::{self, ApiError, Rendered, RequestInfo, Scope};
use shared::lambda::App;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersWrite,
            |principal, request| async move {
                let id = http::path_parameter(&request, "id").ok_or(ApiError::NotFound)?;
                let precondition = http::precondition(&request)?;
                let request_id = RequestInfo::of(&request).request_id;
                let keyed = http::keyed(&principal, &request, None, &reply)?;
                let answer = app
                    .customers
                    .erase(
                        &principal,
                        id,
                        precondition,
                        request_id.as_deref(),
                        keyed.as_ref(),
                    )
                    .await?;
                http::respond(answer, &reply)
            },
        )
        .await
}

fn reply((): &()) -> Rendered {
    http::no_content()
}
