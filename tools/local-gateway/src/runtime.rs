//! A local Lambda service for one function: the function's processes, each an execution
//! environment that handles one invocation at a time, as on Lambda, and each with the Lambda
//! Runtime API (the interface the real `lambda_runtime` crate polls) on a loopback port of its
//! own, so that the invocation a process held when it died is known, and fails at once.

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot, watch, Mutex};

#[derive(Debug)]
pub enum Outcome {
    /// The function's response document.
    Response(Bytes),
    /// The function reported an error (or its process died while handling the event).
    Error(Bytes),
    TimedOut,
}

struct Invocation {
    id: String,
    event: Bytes,
    deadline: SystemTime,
    reply: oneshot::Sender<Outcome>,
}

struct Shared {
    name: String,
    queue: Mutex<mpsc::Receiver<Invocation>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
}

/// One execution environment's Runtime API.
struct Environment {
    shared: Arc<Shared>,
    /// The invocation its process is handling.
    holding: std::sync::Mutex<Option<String>>,
}

/// One function's local Lambda service.
pub struct LocalFunction {
    shared: Arc<Shared>,
    queue: mpsc::Sender<Invocation>,
    timeout: Duration,
}

pub struct Launch {
    pub name: String,
    pub executable: PathBuf,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u64,
    pub instances: usize,
    /// Where the processes' output goes; this process's own stdout and stderr when `None`.
    pub output: Option<PathBuf>,
}

impl LocalFunction {
    /// Starts `instances` processes of the function, each with a Runtime API of its own,
    /// restarting any that exits until `shutdown` fires.
    pub async fn start(launch: Launch, shutdown: watch::Receiver<bool>) -> Result<Self> {
        let (queue_tx, queue_rx) = mpsc::channel(1024);
        let shared = Arc::new(Shared {
            name: launch.name.clone(),
            queue: Mutex::new(queue_rx),
            in_flight: Mutex::new(HashMap::new()),
        });
        if !launch.executable.is_file() {
            anyhow::bail!(
                "{} not found: build the functions first (cargo build --workspace --bins)",
                launch.executable.display()
            );
        }
        let output = match &launch.output {
            Some(path) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("opening {}", path.display()))?,
            ),
            None => None,
        };
        for instance in 0..launch.instances {
            let environment = Arc::new(Environment {
                shared: shared.clone(),
                holding: std::sync::Mutex::new(None),
            });
            let runtime_api = serve_runtime_api(environment.clone(), shutdown.clone()).await?;
            tokio::spawn(supervise(
                environment,
                instance,
                command(&launch, runtime_api, output.as_ref())?,
                shutdown.clone(),
            ));
        }
        Ok(Self {
            shared,
            queue: queue_tx,
            timeout: launch.timeout,
        })
    }

    /// Invokes the function synchronously, as API Gateway does, bounded by its timeout.
    pub async fn invoke(&self, event: Bytes) -> Outcome {
        let id = uuid::Uuid::new_v4().to_string();
        let (reply, outcome) = oneshot::channel();
        let invocation = Invocation {
            id: id.clone(),
            event,
            deadline: SystemTime::now() + self.timeout,
            reply,
        };
        if self.queue.send(invocation).await.is_err() {
            return Outcome::Error(Bytes::from_static(
                b"{\"errorType\":\"Runtime.Unavailable\"}",
            ));
        }
        // Queueing for a free environment counts against the timeout too; it stands in for
        // Lambda's scaling delay.
        match tokio::time::timeout(self.timeout, outcome).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => {
                Outcome::Error(Bytes::from_static(b"{\"errorType\":\"Runtime.ExitError\"}"))
            }
            Err(_) => {
                self.shared.in_flight.lock().await.remove(&id);
                tracing::warn!(function = %self.shared.name, "invocation timed out");
                Outcome::TimedOut
            }
        }
    }
}

/// Serves one environment's Runtime API on a free loopback port until `shutdown` fires.
async fn serve_runtime_api(
    environment: Arc<Environment>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the Runtime API")?;
    let address = listener.local_addr()?;
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(respond),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(environment);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown.changed().await;
            })
            .await;
    });
    Ok(address)
}

fn command(
    launch: &Launch,
    runtime_api: SocketAddr,
    output: Option<&std::fs::File>,
) -> Result<Command> {
    let mut command = Command::new(&launch.executable);
    // The environment Lambda gives every function, then the template's variables.
    command
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &launch.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            launch.memory_mb.to_string(),
        )
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", launch.name),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        .envs(&launch.environment)
        .stdin(std::process::Stdio::null())
        // Out of the terminal's process group: Ctrl-C stops the gateway, which then stops these.
        .process_group(0)
        .kill_on_drop(true);
    if let Some(file) = output {
        command.stdout(file.try_clone()?).stderr(file.try_clone()?);
    }
    Ok(command)
}

async fn supervise(
    environment: Arc<Environment>,
    instance: usize,
    mut command: Command,
    mut shutdown: watch::Receiver<bool>,
) {
    let name = environment.shared.name.clone();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                tracing::error!(function = %name, error = %e, "cannot start function");
                return;
            }
        };
        tokio::select! {
            status = child.wait() => {
                tracing::warn!(function = %name, instance, status = ?status.ok(), "function process exited; restarting");
                // As Lambda does when the runtime exits mid-invocation: the invocation fails
                // now, not when its timeout runs out.
                let held = environment.holding.lock().map(|mut h| h.take()).unwrap_or_default();
                if let Some(id) = held {
                    let error = Bytes::from_static(b"{\"errorType\":\"Runtime.ExitError\"}");
                    complete(&environment.shared, &id, Outcome::Error(error)).await;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            _ = shutdown.changed() => {
                let _ = child.kill().await;
                return;
            }
        }
    }
}

async fn next(State(environment): State<Arc<Environment>>) -> Response {
    let shared = &environment.shared;
    let invocation = {
        let mut queue = shared.queue.lock().await;
        match queue.recv().await {
            Some(invocation) => invocation,
            // The gateway is stopping and will kill this process. Lambda never answers `next`
            // without an event (the runtime client would panic on such an answer), so neither
            // does this: the poll simply never returns.
            None => std::future::pending().await,
        }
    };
    shared
        .in_flight
        .lock()
        .await
        .insert(invocation.id.clone(), invocation.reply);
    if let Ok(mut holding) = environment.holding.lock() {
        *holding = Some(invocation.id.clone());
    }
    let deadline_ms = invocation
        .deadline
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", invocation.id);
    set("lambda-runtime-deadline-ms", deadline_ms.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{}",
            shared.name
        ),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
    );
    set("content-type", "application/json".into());
    (headers, invocation.event).into_response()
}

async fn complete(shared: &Shared, id: &str, outcome: Outcome) -> StatusCode {
    match shared.in_flight.lock().await.remove(id) {
        Some(reply) => {
            let _ = reply.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

/// The environment's process is done with invocation `id`.
fn release(environment: &Environment, id: &str) {
    if let Ok(mut holding) = environment.holding.lock() {
        if holding.as_deref() == Some(id) {
            *holding = None;
        }
    }
}

async fn respond(
    State(environment): State<Arc<Environment>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    release(&environment, &id);
    complete(&environment.shared, &id, Outcome::Response(body)).await
}

async fn fail(
    State(environment): State<Arc<Environment>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    tracing::warn!(function = %environment.shared.name, "function reported an invocation error");
    release(&environment, &id);
    complete(&environment.shared, &id, Outcome::Error(body)).await
}

async fn init_error(State(environment): State<Arc<Environment>>, body: Bytes) -> StatusCode {
    tracing::error!(function = %environment.shared.name, error = %String::from_utf8_lossy(&body), "function failed to initialise");
    StatusCode::ACCEPTED
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A function whose process takes one invocation and dies without answering.
    const DIES_MID_INVOCATION: &str = r#"#!/usr/bin/env python3
import os, sys, urllib.request
api = os.environ["AWS_LAMBDA_RUNTIME_API"]
urllib.request.urlopen(f"http://{api}/2018-06-01/runtime/invocation/next").read()
sys.exit(3)
"#;

    #[tokio::test]
    async fn a_process_that_dies_mid_invocation_fails_it_at_once() {
        let script = std::env::temp_dir().join(format!("dies-{}", uuid::Uuid::new_v4()));
        std::fs::write(&script, DIES_MID_INVOCATION).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let (stop, shutdown) = watch::channel(false);
        let function = LocalFunction::start(
            Launch {
                name: "Dies".into(),
                executable: script.clone(),
                environment: BTreeMap::new(),
                timeout: Duration::from_secs(30),
                memory_mb: 128,
                instances: 1,
                output: None,
            },
            shutdown,
        )
        .await
        .unwrap();
        let started = std::time::Instant::now();
        let outcome = function.invoke(Bytes::from_static(b"{}")).await;
        assert!(
            matches!(&outcome, Outcome::Error(body) if body.as_ref() == b"{\"errorType\":\"Runtime.ExitError\"}"),
            "{outcome:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        let _ = stop.send(true);
        let _ = std::fs::remove_file(script);
    }
}
