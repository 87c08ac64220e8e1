//! `GET /customers`: the tenant's customers a page at a time, newest first, or the one customer
//! holding an email, mobile, external id or card number.

use lambda_http::{Body, Request, Response};
use shared::http::{self, Envelope, Scope};
use shared::lambda::App;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersRead,
            |principal, request| async move {
                let params = http::query_parameters(&request);
                let page = app.customers.list(&principal, &params).await?;
                Envelope::customers(&page.customers)
                    .next_cursor(page.next_cursor.as_deref())
                    .ok()
            },
        )
        .await
}
