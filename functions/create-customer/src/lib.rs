//! `POST /customers`: register a customer (or, opt-in, add a source account to the existing
//! customer its identifiers belong to).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::http::{self, Envelope, Rendered, Scope};
use shared::lambda::App;
use shared::use_cases::customers::Created;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersWrite,
            |principal, request| async move {
                let body = http::json_object(&request)?;
                let keyed = http::keyed(&principal, &request, Some(&body), &reply)?;
                // The raw body (up to 6 MB) is not needed once parsed.
                drop(request);
                let answer = app
                    .customers
                    .create(&principal, body, keyed.as_ref())
                    .await?;
                http::respond(answer, &reply)
            },
        )
        .await
}

/// 201 with the new customer's `Location`; 200 for a source account added to an existing one.
fn reply(created: &Created) -> Rendered {
    let customer = &created.customer;
    let envelope = Envelope::customer(customer).warnings(&created.warnings);
    if created.linked {
        envelope.reply(StatusCode::OK)
    } else {
        envelope.created(format!("/customers/{}", customer.id))
    }
}
