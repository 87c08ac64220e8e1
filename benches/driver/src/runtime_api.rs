//! A Lambda Runtime API on loopback for one function process: it notes when the process first
//! asks for work (the end of its init), hands it the events it is given, and collects replies.

use anyhow::{anyhow, bail, Context, Result};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, watch, Mutex};

const PREFIX: &str = "/2018-06-01/runtime";
const REPLY_TIMEOUT: Duration = Duration::from_secs(120);

pub struct RuntimeApi {
    pub addr: SocketAddr,
    first_poll: watch::Receiver<Option<Instant>>,
    events: mpsc::UnboundedSender<Bytes>,
    replies: mpsc::UnboundedReceiver<Reply>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

pub enum Reply {
    Response(Bytes),
    Error(Bytes),
    InitError(Bytes),
}

struct Shared {
    first_poll: watch::Sender<Option<Instant>>,
    polled_once: OnceLock<()>,
    events: Mutex<mpsc::UnboundedReceiver<Bytes>>,
    replies: mpsc::UnboundedSender<Reply>,
    sequence: std::sync::atomic::AtomicU64,
}

impl RuntimeApi {
    pub async fn start() -> Result<Self> {
        let (first_tx, first_rx) = watch::channel(None);
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (replies_tx, replies_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            first_poll: first_tx,
            polled_once: OnceLock::new(),
            events: Mutex::new(events_rx),
            replies: replies_tx,
            sequence: 0.into(),
        });
        let app = Router::new()
            .route(&format!("{PREFIX}/invocation/next"), get(next))
            .route(
                &format!("{PREFIX}/invocation/{{id}}/response"),
                post(response),
            )
            .route(&format!("{PREFIX}/invocation/{{id}}/error"), post(error))
            .route(&format!("{PREFIX}/init/error"), post(init_error))
            .layer(DefaultBodyLimit::disable())
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            first_poll: first_rx,
            events: events_tx,
            replies: replies_rx,
            stop: Some(stop),
        })
    }

    /// When the process first asked for an event, waiting at most `limit` for it.
    pub async fn first_poll(&mut self, limit: Duration) -> Result<Instant> {
        let polled = tokio::time::timeout(limit, self.first_poll.wait_for(Option::is_some))
            .await
            .map_err(|_| anyhow!("the function did not poll the Runtime API within {limit:?}"))?
            .context("runtime stub stopped")?;
        polled.ok_or_else(|| anyhow!("no poll time"))
    }

    /// Hands the process one event and waits for its successful response.
    pub async fn invoke(&mut self, event: Bytes) -> Result<Bytes> {
        self.events
            .send(event)
            .map_err(|_| anyhow!("runtime stub stopped"))?;
        match tokio::time::timeout(REPLY_TIMEOUT, self.replies.recv()).await {
            Ok(Some(Reply::Response(body))) => Ok(body),
            Ok(Some(Reply::Error(body))) => {
                bail!("the invocation failed: {}", String::from_utf8_lossy(&body))
            }
            Ok(Some(Reply::InitError(body))) => {
                bail!(
                    "the function's init failed: {}",
                    String::from_utf8_lossy(&body)
                )
            }
            Ok(None) => bail!("runtime stub stopped"),
            Err(_) => bail!("no reply within {REPLY_TIMEOUT:?}"),
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let now = Instant::now();
    if shared.polled_once.set(()).is_ok() {
        shared.first_poll.send_replace(Some(now));
    }
    // Held until the bench has an event, as Lambda holds a poll between invocations.
    let event = shared.events.lock().await.recv().await;
    let Some(event) = event else {
        return std::future::pending().await;
    };
    let id = shared
        .sequence
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let deadline = SystemTime::now() + Duration::from_secs(60);
    let deadline_ms = deadline
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let pairs = [
        ("lambda-runtime-aws-request-id", format!("bench-{id}")),
        ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
        ),
        // Sampled, as Lambda marks an invocation X-Ray records: a function traces only when
        // it also knows the daemon's address (crate::per_request::tracing).
        (
            "lambda-runtime-trace-id",
            format!("Root=1-67a0b1c2-{id:024x};Parent={id:016x};Sampled=1"),
        ),
        ("content-type", "application/json".to_owned()),
    ];
    for (name, value) in pairs {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    }
    (StatusCode::OK, headers, event).into_response()
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    let _ = shared.replies.send(Reply::Response(body));
    StatusCode::ACCEPTED
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    let _ = shared.replies.send(Reply::Error(body));
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let _ = shared.replies.send(Reply::InitError(body));
    StatusCode::ACCEPTED
}
