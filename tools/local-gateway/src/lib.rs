//! The local stack behind `make dev` and the end-to-end tests: API Gateway (HTTP API with a
//! JWT authorizer), Lambda, and Lambda's event source mappings of DynamoDB streams, emulated
//! on loopback from template.yaml.

pub mod gateway;
pub mod jwt;
pub mod messaging;
pub mod runtime;
pub mod streams;
pub mod tables;
pub mod template;

use anyhow::{Context, Result};
use gateway::{Gateway, Target};
use jwt::JwtConfig;
use runtime::{Launch, LocalFunction};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use template::{Bindings, Template};
use tokio::sync::watch;

pub struct Options {
    pub template: PathBuf,
    /// Where the function binaries are (`target/debug`).
    pub bin_dir: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
    /// Execution environments per function: how many requests it serves at once.
    pub instances: usize,
    pub bindings: Bindings,
    pub jwt_secret: String,
    /// Added to every function's environment (as `sam local --env-vars` does), after the
    /// template's variables: how a local stack points the SDK at local endpoints.
    pub environment: std::collections::BTreeMap<String, String>,
    /// A file for the functions' output instead of this process's stdout and stderr.
    pub function_output: Option<PathBuf>,
}

pub struct RunningGateway {
    pub addr: SocketAddr,
    pub jwt: JwtConfig,
    shutdown: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// The event source mappings' readers of streams.
    pollers: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningGateway {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(mut self) {
        // Readers first: a batch in flight would otherwise be retried against functions
        // that are being stopped.
        for poller in self.pollers.drain(..) {
            poller.abort();
            let _ = poller.await;
        }
        let _ = self.shutdown.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for RunningGateway {
    fn drop(&mut self) {
        for poller in &self.pollers {
            poller.abort();
        }
        let _ = self.shutdown.send(true);
    }
}

pub fn jwt_config(template: &Template, bindings: &Bindings, secret: String) -> Result<JwtConfig> {
    let (issuer, audiences) = template.jwt_authorizer(bindings)?;
    Ok(JwtConfig {
        secret,
        issuer,
        audiences,
    })
}

/// Starts every function of the template, the gateway in front of them, and a reader of each
/// stream a function consumes. The template's HMAC keys that `options.bindings` leaves
/// unbound are those `create_resources` made.
pub async fn start(options: Options) -> Result<RunningGateway> {
    let template = Template::load(&options.template)?;
    let bindings = bind_created_keys(&template, options.bindings.clone()).await;
    let jwt = jwt_config(&template, &bindings, options.jwt_secret.clone())?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut targets = Vec::new();
    let mut consumers = Vec::new();
    for function in template.functions(&bindings)? {
        if let Some((name, why)) = function
            .unresolved
            .iter()
            .find(|(name, _)| !options.environment.contains_key(*name))
        {
            anyhow::bail!(
                "{}: environment variable {name} cannot be resolved locally ({why}); give it a local value",
                function.logical_id
            );
        }
        let local = LocalFunction::start(
            Launch {
                name: function.logical_id.clone(),
                executable: options.bin_dir.join(&function.binary),
                environment: function
                    .environment
                    .clone()
                    .into_iter()
                    .chain(options.environment.clone())
                    .collect(),
                timeout: function.timeout,
                memory_mb: function.memory_mb,
                instances: options.instances,
                output: options.function_output.clone(),
            },
            shutdown_rx.clone(),
        )
        .await?;
        let local = Arc::new(local);
        for route in &function.routes {
            targets.push(Target {
                route: route.clone(),
                function: local.clone(),
            });
        }
        if !function.streams.is_empty() {
            consumers.push((function, local));
        }
    }
    let mut pollers = Vec::new();
    if !consumers.is_empty() {
        // What the functions see: the options' variables over this process's own.
        let clients = streams::Clients::from_environment(|name| {
            options
                .environment
                .get(name)
                .cloned()
                .or_else(|| std::env::var(name).ok())
        })
        .await;
        for (function, local) in consumers {
            match streams::start(&template, &bindings, &function, local, &clients).await {
                Ok(started) => pollers.extend(started),
                Err(error) => {
                    pollers.iter().for_each(|poller| poller.abort());
                    return Err(error);
                }
            }
        }
    }
    let gateway = Arc::new(Gateway {
        targets,
        jwt: jwt.clone(),
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", options.port))?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new()
        .fallback(gateway::handle)
        .with_state(gateway)
        .into_make_service_with_connect_info::<SocketAddr>();
    let mut stop = shutdown_rx.clone();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.changed().await;
            })
            .await;
    });
    Ok(RunningGateway {
        addr,
        jwt,
        shutdown,
        server: Some(server),
        pollers,
    })
}

/// Local servers speak plain HTTP: no TLS stack needed.
async fn local_sdk() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .load()
        .await
}

/// The alias under which `create_resources` names the key made for the template's `logical_id`:
/// a key's id is the server's choice, the alias lets another process (`serve`) find it.
pub fn key_alias(logical_id: &str) -> String {
    format!("alias/{}/{logical_id}", template::LOCAL_STACK_NAME)
}

/// Binds each of the template's HMAC keys that `bindings` leaves unbound to the key
/// `create_resources` made for it, when the server has one; a key still unbound leaves its
/// variables unresolved (start then names them).
pub async fn bind_created_keys(template: &Template, mut bindings: Bindings) -> Bindings {
    let unbound: Vec<_> = template
        .mac_keys()
        .into_iter()
        .filter(|key| !bindings.arns.contains_key(&key.logical_id))
        .collect();
    if unbound.is_empty() {
        return bindings;
    }
    let kms = aws_sdk_kms::Client::new(&local_sdk().await);
    for key in unbound {
        match tables::find_key(&kms, &key_alias(&key.logical_id)).await {
            Ok(Some(found)) => bindings.bind(&key.logical_id, &found.key_id, &found.arn),
            Ok(None) => tracing::warn!(key = %key.logical_id, "no local key: run create-resources"),
            Err(error) => tracing::warn!(key = %key.logical_id, "{error:#}"),
        }
    }
    bindings
}

/// Creates the template's tables (with their streams), buckets, HMAC keys, event buses and
/// queues in the local servers the standard AWS variables point at (`AWS_ENDPOINT_URL`);
/// returns what it created (a key with its ARN). The keys are named by [`key_alias`], for
/// [`start`] to find them.
pub async fn create_resources(template: &Template, bindings: &Bindings) -> Result<Vec<String>> {
    let sdk = local_sdk().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let mut created = Vec::new();
    for table in template.tables() {
        let name = template.resource_name(&table.logical_id, bindings);
        tables::create_table(&dynamodb, &table, &name).await?;
        created.push(format!("table {name}"));
    }
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    for bucket in template.buckets() {
        let name = template.resource_name(&bucket, bindings);
        tables::create_bucket(&s3, &name).await?;
        created.push(format!("bucket {name}"));
    }
    let kms = aws_sdk_kms::Client::new(&sdk);
    for key in template.mac_keys() {
        let made = tables::create_mac_key(&kms, &key, Some(&key_alias(&key.logical_id))).await?;
        created.push(format!("key {} {}", key.logical_id, made.arn));
    }
    let eventbridge = aws_sdk_eventbridge::Client::new(&sdk);
    for bus in template.event_buses() {
        let name = template.resource_name(&bus, bindings);
        messaging::create_event_bus(&eventbridge, &name).await?;
        created.push(format!("event-bus {name}"));
    }
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    for queue in template.queues() {
        let name = template.resource_name(&queue, bindings);
        messaging::create_queue(&sqs, &name).await?;
        created.push(format!("queue {name}"));
    }
    Ok(created)
}
