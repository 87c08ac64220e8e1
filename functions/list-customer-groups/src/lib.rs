//! `GET /customer-groups`: the tenant's customer groups, a page at a time.

use lambda_http::{Body, Request, Response};
use shared::http::{self, Envelope, Scope};
use shared::lambda::App;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersRead,
            |principal, request| async move {
                let query = http::query_parameters(&request);
                let page = app.groups.list(&principal, &query).await?;
                Envelope::groups(&page.groups)
                    .next_cursor(page.next_cursor.as_deref())
                    .ok()
            },
        )
        .await
}
