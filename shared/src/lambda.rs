//! Wiring of one function: everything is built once per cold start, then every invocation
//! reuses it.

use crate::config::{aws_sdk_config, ConfigError, Settings};
use crate::cursor::CursorKey;
use crate::customers::Customers;
use crate::documents::{Documents, FingerprintKey, HeaderVerifier, Staging};
use crate::groups::Groups;
use crate::http::{init_tracing, Endpoint};
use crate::store::DynamoStore;
use lambda_http::{service_fn, Body, Request, Response};
use std::convert::Infallible;
use std::future::Future;

/// What a function needs to answer requests.
pub struct App {
    pub endpoint: Endpoint,
    pub customers: Customers<DynamoStore>,
    pub groups: Groups<DynamoStore>,
}

/// How a function builds its [`App`]: [`App::new`] or [`App::with_documents`].
pub type Wiring = fn(&Settings, &aws_types::SdkConfig) -> Result<App, ConfigError>;

impl App {
    /// The wiring of every function but the create: no identity-document staging. Building
    /// the S3 client only in [`App::with_documents`] keeps it out of the other binaries
    /// (the linker drops what no function calls).
    pub fn new(settings: &Settings, sdk: &aws_types::SdkConfig) -> Result<Self, ConfigError> {
        Self::assemble(settings, sdk, None)
    }

    /// The create function's wiring: identity documents staged in S3, when configured.
    pub fn with_documents(
        settings: &Settings,
        sdk: &aws_types::SdkConfig,
    ) -> Result<Self, ConfigError> {
        let documents = match &settings.documents {
            None => None,
            Some(documents) => {
                let staging = Staging::new(s3_config(sdk), documents.bucket.clone());
                Some(Documents::new(
                    staging.clone(),
                    HeaderVerifier::new(staging),
                    FingerprintKey::new(&documents.hash_key)?,
                ))
            }
        };
        Self::assemble(settings, sdk, documents)
    }

    fn assemble(
        settings: &Settings,
        sdk: &aws_types::SdkConfig,
        documents: Option<Documents<HeaderVerifier>>,
    ) -> Result<Self, ConfigError> {
        let cursor_key = settings
            .cursor_key
            .as_deref()
            .map(CursorKey::new)
            .transpose()?;
        let store = DynamoStore::new(
            aws_sdk_dynamodb::Client::new(sdk),
            settings.table_name.clone(),
        );
        Ok(Self {
            endpoint: Endpoint::new(settings.tenant_claim.clone()),
            customers: Customers::new(store.clone(), documents),
            groups: Groups::new(store, cursor_key),
        })
    }
}

/// A function's `main`: configure with `wiring`, then serve `handler` until the runtime stops
/// us. A configuration error fails the cold start loudly (reported to Lambda as an init error).
pub async fn serve<F, Fut>(wiring: Wiring, handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(&'static App, Request) -> Fut,
    Fut: Future<Output = Response<Body>> + Send,
{
    init_tracing();
    // Lives as long as the execution environment; leaking it is what makes it shareable by
    // every invocation without reference counting.
    let settings = Settings::from_env()?;
    let app: &'static App = Box::leak(Box::new(wiring(&settings, &aws_sdk_config()?)?));
    lambda_http::run(service_fn(|request| {
        let response = handler(app, request);
        async move { Ok::<_, Infallible>(response.await) }
    }))
    .await
}

/// S3's configuration (the client is built on first use, by [`Staging`]). S3 through a custom endpoint (a local server) must use path-style addresses: virtual-host
/// style would put the bucket in the host name.
fn s3_config(sdk: &aws_types::SdkConfig) -> aws_sdk_s3::Config {
    let s3_endpoint = aws_types::service_config::ServiceConfigKey::builder()
        .service_id("S3")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()
        .and_then(|key| sdk.service_config()?.load_config(key));
    let custom_endpoint = s3_endpoint.is_some() || sdk.endpoint_url().is_some();
    aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(custom_endpoint)
        .build()
}
