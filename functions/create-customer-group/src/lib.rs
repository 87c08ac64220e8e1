//! `POST /customer-groups`: create a customer group.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::http::{self, Envelope, Rendered, Scope};
use shared::lambda::App;
use shared::use_cases::groups::Created;

pub async fn handle(app: &App, request: Request) -> Response<Body> {
    app.endpoint
        .respond(
            request,
            Scope::CustomersWrite,
            |principal, request| async move {
                let body = http::json_object(&request)?;
                let keyed = http::keyed(&principal, &request, Some(&body), &reply)?;
                let answer = app.groups.create(&principal, &body, keyed.as_ref()).await?;
                http::respond(answer, &reply)
            },
        )
        .await
}

fn reply(created: &Created) -> Rendered {
    Envelope::group(&created.group).reply(StatusCode::CREATED)
}
