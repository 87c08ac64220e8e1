//! `GET /events`: the tenant's change events, newest first, by subject and type.

use lambda_http::{Body, Request, Response};
use shared::http::{self, Envelope, Scope};
use shared::lambda::EventsApp;

pub async fn handle(app: &EventsApp, request: Request) -> Response<Body> {
    let list = |principal, request| async move {
        let query = http::query_parameters(&request);
        let page = app.events.list(&principal, &query).await?;
        Envelope::events(&page.events)
            .next_cursor(page.next_cursor.as_deref())
            .ok()
    };
    app.endpoint
        .respond(request, Scope::CustomersRead, list)
        .await
}
