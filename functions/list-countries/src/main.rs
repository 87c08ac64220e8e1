#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(list_countries::handle).await
}
