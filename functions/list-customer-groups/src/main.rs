#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(list_customer_groups::handle).await
}
