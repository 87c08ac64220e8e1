//! `POST /customer-groups`: create a customer group.

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
                let group = app.groups.create(&principal, &body).await?;
                Envelope::new(&group).created()
            },
        )
        .await
}
