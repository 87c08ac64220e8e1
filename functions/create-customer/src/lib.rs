//! `POST /customers`: register a customer (or, opt-in, add a source account to the existing
//! customer its identifiers belong to).

use lambda_http::{Body, Request, Response};
use shared::auth::Scope;
use shared::http::{self, Envelope};
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
                let envelope = Envelope::new(&created.customer)
                    .warnings(&created.warnings)
                    .version(created.customer.version);
                if created.linked {
                    return envelope.ok();
                }
                envelope.created_at(&format!("/customers/{}", created.customer.id))
            },
        )
        .await
}
