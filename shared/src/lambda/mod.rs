//! Wiring of one function: the adapters built once per cold start (configuration, clients,
//! store, documents, edge) and handed to the use cases; every invocation reuses them.

pub mod config;
mod publisher;
mod xray;

pub use publisher::{publish, publisher, serve_publisher, EventPublisher};

use crate::documents::{Documents, KmsKey, S3Bucket};
use crate::http::{log_layer, ColdStart, Endpoint, Tolerant};
use crate::store::{DynamoEvents, DynamoStore};
use crate::support::clients::LazyClient;
use crate::support::clock;
use crate::support::log_format;
use crate::use_cases::customers::Customers;
use crate::use_cases::events::Events;
use crate::use_cases::groups::Groups;
use config::{aws_sdk_config, ConfigError, Settings};
use lambda_http::{lambda_runtime, service_fn, Adapter, Body, Request, RequestExt, Response};
use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

/// What a function needs to answer requests.
pub struct App {
    pub endpoint: Endpoint,
    pub customers: Customers<DynamoStore, Documents<S3Bucket>>,
    pub groups: Groups<DynamoStore>,
}

/// How a function builds its [`App`] ([`App::new`], [`App::with_documents`] or
/// [`App::without_storage`]), or another wiring ([`EventsApp::new`]).
pub type Wiring<A = App> = fn(&Settings, &aws_types::SdkConfig) -> Result<A, ConfigError>;

/// What `GET /events` needs: the edge and the events table.
pub struct EventsApp {
    pub endpoint: Endpoint,
    pub events: Events<DynamoEvents>,
}

impl EventsApp {
    pub fn new(settings: &Settings, sdk: &aws_types::SdkConfig) -> Result<Self, ConfigError> {
        let table = settings.events.table.clone();
        let table = table.ok_or(ConfigError::Missing("EVENTS_TABLE_NAME"))?;
        Ok(Self {
            endpoint: endpoint(settings),
            events: Events::new(DynamoEvents::new(dynamodb(sdk).connected(), table)),
        })
    }
}

impl App {
    /// The wiring of the functions that use the table but stage no documents: the DynamoDB
    /// client is built now, at init. Building the S3 client only in [`App::with_documents`]
    /// keeps it out of the other binaries (the linker drops what no function calls).
    pub fn new(settings: &Settings, sdk: &aws_types::SdkConfig) -> Result<Self, ConfigError> {
        Self::assemble(settings, dynamodb(sdk).connected(), None)
    }

    /// The wiring of a function that serves data compiled into it (`GET /countries`): the
    /// DynamoDB client is never built, so its cost stays out of the cold start.
    pub fn without_storage(
        settings: &Settings,
        sdk: &aws_types::SdkConfig,
    ) -> Result<Self, ConfigError> {
        Self::assemble(settings, dynamodb(sdk), None)
    }

    /// The wiring of the functions that take identity documents (create and update): staged
    /// in S3, when configured, and fingerprinted by KMS. Both clients are built on first use:
    /// most requests carry no document.
    pub fn with_documents(
        settings: &Settings,
        sdk: &aws_types::SdkConfig,
    ) -> Result<Self, ConfigError> {
        let documents = match &settings.documents {
            None => None,
            Some(documents) => {
                // Even their configurations are made on first use: at init they cost as much
                // as a tenth of it (docs/performance.md, "Against the SDK floor").
                let for_s3 = sdk.clone();
                let client =
                    LazyClient::new(move || aws_sdk_s3::Client::from_conf(s3_config(&for_s3)));
                let for_kms = sdk.clone();
                let kms = LazyClient::new(move || aws_sdk_kms::Client::new(&for_kms));
                Some(Documents::with_header_verifier(
                    S3Bucket::new(client, documents.bucket.clone()),
                    KmsKey::new(kms, documents.fingerprint_key.clone()),
                ))
            }
        };
        Self::assemble(settings, dynamodb(sdk).connected(), documents)
    }

    fn assemble(
        settings: &Settings,
        dynamodb: LazyClient<aws_sdk_dynamodb::Client>,
        documents: Option<Documents<S3Bucket>>,
    ) -> Result<Self, ConfigError> {
        let store = DynamoStore::new(dynamodb, settings.table_name.clone());
        Ok(Self {
            endpoint: endpoint(settings),
            customers: Customers::new(store.clone(), clock::system).with_documents(documents),
            groups: Groups::new(store, clock::system),
        })
    }
}

/// A function's `main`: configure with `wiring`, then serve `handler` until the runtime stops
/// us. A configuration error fails the cold start loudly (reported to Lambda as an init error).
pub async fn serve<A, F, Fut>(wiring: Wiring<A>, handler: F) -> Result<(), lambda_http::Error>
where
    A: Sync + 'static,
    F: Fn(&'static A, Request) -> Fut,
    Fut: Future<Output = Response<Body>> + Send,
{
    init_telemetry();
    // Lives as long as the execution environment; leaking it is what makes it shareable by
    // every invocation without reference counting.
    let sdk = aws_sdk_config()?;
    let settings = Settings::load()?;
    let app: &'static A = Box::leak(Box::new(wiring(&settings, &sdk)?));
    // lambda_http::run, with the events made tolerable for its conversion first.
    let service = service_fn(|mut request: Request| {
        let (span, cold_start) = invocation_span(request.lambda_context_ref());
        request.extensions_mut().insert(ColdStart(cold_start));
        // A route's future is large (every use case and SDK call it may await): boxed where
        // it is made, the runtime moves a pointer instead of copying it twice per request.
        let response = Box::pin(handler(app, request).instrument(span));
        async move { Ok::<_, Infallible>(response.await) }
    });
    // One invocation at a time per execution environment (`run`, not `run_concurrent`): the
    // cold-start flag and X-Ray's sampling decision are the process's, set as each begins.
    lambda_runtime::run(Tolerant(Adapter::from(service))).await
}

/// The process's log and traces: JSON lines on stdout, and X-Ray subsegments where Lambda
/// runs the X-Ray daemon.
pub(crate) fn init_telemetry() {
    let subscriber = tracing_subscriber::registry()
        .with(log_layer(std::io::stdout))
        .with(xray::XRay::from_env());
    // Another subscriber may already be set (tests); keeping it is right.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The span an invocation runs in (its keys on every log line), and whether it is this
/// execution environment's first.
pub(crate) fn invocation_span(context: Option<&lambda_runtime::Context>) -> (tracing::Span, bool) {
    static STARTED: AtomicBool = AtomicBool::new(false);
    let cold_start = !STARTED.swap(true, Ordering::Relaxed);
    xray::Trace::begin(context.and_then(|c| c.xray_trace_id.as_deref()));
    let span = match context {
        Some(context) => log_format::invocation(
            &context.request_id,
            context.xray_trace_id.as_deref(),
            &context.invoked_function_arn,
            cold_start,
        ),
        None => log_format::invocation("", None, "", cold_start),
    };
    (span, cold_start)
}

fn endpoint(settings: &Settings) -> Endpoint {
    Endpoint::new(settings.tenant_claim.clone()).with_local_auth(settings.local_auth.clone())
}

/// DynamoDB's client, to be built at init by the functions whose every request uses it.
pub(crate) fn dynamodb(sdk: &aws_types::SdkConfig) -> LazyClient<aws_sdk_dynamodb::Client> {
    let config = aws_sdk_dynamodb::Config::from(sdk);
    LazyClient::new(move || aws_sdk_dynamodb::Client::from_conf(config.clone()))
}

/// S3's configuration (the client is built on first use, by [`S3Bucket`]). Through a custom
/// endpoint (a local server) S3 must use path-style addresses: virtual-host style would put
/// the bucket in the host name.
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
