//! The baseline every function is measured against: the smallest `lambda_http` function, as
//! `cargo lambda new` generates it (default tracing subscriber, echo of the request body).

use lambda_http::{run, service_fn, tracing, Body, Error, Request, Response};

async fn echo(request: Request) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(request.into_body())?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    run(service_fn(echo)).await
}
