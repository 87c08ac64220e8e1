//! `POST /customers`: register a customer (or, opt-in, add a source account to the existing
//! customer its identifiers belong to).

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
                // The raw body (up to 6 MB) is not needed once parsed.
                drop(request);
                let created = app.customers.create(&principal, body).await?;
                if created.linked {
                    return Ok(http::ok_with_warnings(&created.customer, &created.warnings));
                }
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
