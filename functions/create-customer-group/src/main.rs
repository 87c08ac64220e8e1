#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(create_customer_group::handle).await
}
