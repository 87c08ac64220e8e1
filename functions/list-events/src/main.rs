#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::serve(shared::lambda::EventsApp::new, list_events::handle).await
}
