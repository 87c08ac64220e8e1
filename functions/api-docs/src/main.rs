#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::lambda::App::without_storage, api_docs::handle).await
}
