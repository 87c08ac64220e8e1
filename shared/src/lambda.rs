//! Wiring of one function: everything is built once per cold start, then every invocation
//! reuses it.

use crate::config::{aws_sdk_config, ConfigError, Settings};
use crate::customers::Customers;
use crate::http::{init_tracing, Endpoint};
use crate::store::DynamoStore;
use lambda_http::{service_fn, Body, Request, Response};
use std::convert::Infallible;
use std::future::Future;

/// What a function needs to answer requests.
pub struct App {
    pub endpoint: Endpoint,
    pub customers: Customers<DynamoStore>,
}

impl App {
    pub fn new(settings: &Settings, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        Self {
            endpoint: Endpoint::new(settings.tenant_claim.clone()),
            customers: Customers::new(DynamoStore::new(dynamodb, settings.table_name.clone())),
        }
    }

    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::from_env()?;
        let sdk = aws_sdk_config().await;
        Ok(Self::new(&settings, aws_sdk_dynamodb::Client::new(&sdk)))
    }
}

/// A function's `main`: configure, then serve `handler` until the runtime stops us. A
/// configuration error fails the cold start loudly (reported to Lambda as an init error).
pub async fn serve<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(&'static App, Request) -> Fut,
    Fut: Future<Output = Response<Body>> + Send,
{
    init_tracing();
    // Lives as long as the execution environment; leaking it is what makes it shareable by
    // every invocation without reference counting.
    let app: &'static App = Box::leak(Box::new(App::from_env().await?));
    lambda_http::run(service_fn(|request| {
        let response = handler(app, request);
        async move { Ok::<_, Infallible>(response.await) }
    }))
    .await
}
