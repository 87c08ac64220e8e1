//! `GET /customers/{id}`: read one customer of the caller's tenant.

use lambda_http::{Body, Request, Response};
use shared::http::{self, ApiError, Envelope, Scope};
use shared::lambda::App;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersRead,
            |principal, request| async move {
                let id = http::path_parameter(&request, "id").ok_or(ApiError::NotFound)?;
                let customer = app.customers.get(&principal, id).await?;
                Envelope::customer(&customer).ok()
            },
        )
        .await
}
