//! `POST /customers`: register a customer.

use lambda_http::{Body, Request, Response};
use shared::auth::Scope;
use shared::http;
use shared::lambda::App;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersWrite,
            |principal, request| async move {
                let body = http::json_object(&request)?;
                let created = app.customers.create(&principal, &body).await?;
                let location = format!("/customers/{}", created.customer.id);
                Ok(http::created(
                    &location,
                    &created.customer,
                    &created.warnings,
                ))
            },
        )
        .await
}
