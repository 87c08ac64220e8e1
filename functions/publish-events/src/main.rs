//! Publishes every committed change of the customers table (its DynamoDB stream) as a
//! CloudEvent: kept for `GET /events`, and put on the event bus.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve_publisher().await
}
