#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(get_customer::handle).await
}
