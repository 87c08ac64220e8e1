//! A fault-injecting HTTP proxy in front of a local S3 or DynamoDB: it passes requests through
//! until told to fail some, so that tests can break storage part-way through a request.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Fail every object upload from this one on (1 = the first).
    pub fail_puts_from: Option<usize>,
    pub fail_gets: bool,
    pub fail_deletes: bool,
    /// DynamoDB transactions reach the server (and are applied) but their answers are lost:
    /// the function sees a 500 each time, as if the server had died before answering.
    pub lose_transaction_answers: bool,
    /// Calls of one DynamoDB operation (`BatchWriteItem`), numbered from 1 since the faults
    /// were set, that are answered 500 without reaching the server.
    pub fail_dynamodb: Option<(&'static str, std::ops::RangeInclusive<usize>)>,
    /// Calls of one DynamoDB operation from the nth on are held, not forwarded, until the
    /// faults are set again: a caller stuck mid-way, as a process is when it dies there.
    pub hold_dynamodb: Option<(&'static str, usize)>,
}

#[derive(Default)]
struct ProxyState {
    upstream: String,
    faults: Mutex<Faults>,
    puts: AtomicUsize,
    /// DynamoDB calls per operation since the faults were set.
    calls: Mutex<std::collections::HashMap<String, usize>>,
    client: reqwest::Client,
}

pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<ProxyState>,
    server: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(upstream: &str) -> Self {
        let state = Arc::new(ProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            ..Default::default()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind proxy");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            endpoint,
            state,
            server,
        }
    }

    /// Object uploads seen since the last [`FaultProxy::set`] (failed ones included).
    pub fn puts(&self) -> usize {
        self.state.puts.load(Ordering::SeqCst)
    }

    pub fn set(&self, faults: Faults) {
        *self.state.faults.lock().expect("faults") = faults;
        self.state.puts.store(0, Ordering::SeqCst);
        self.state.calls.lock().expect("calls").clear();
    }

    /// Calls of DynamoDB `operation` seen since the faults were set (failed and held included).
    pub fn calls(&self, operation: &str) -> usize {
        let calls = self.state.calls.lock().expect("calls");
        calls.get(operation).copied().unwrap_or(0)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn dynamodb_error() -> Response {
    let mut response = Response::new(Body::from(
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected fault"}"#,
    ));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.headers_mut().insert(
        "content-type",
        "application/x-amz-json-1.0".parse().expect("header"),
    );
    response
}

fn s3_error(code: &str) -> Response {
    let mut response = Response::new(Body::from(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected fault</Message></Error>"
    )));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response
        .headers_mut()
        .insert("content-type", "application/xml".parse().expect("header"));
    response
}

async fn forward(State(state): State<Arc<ProxyState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let is_object = parts.uri.path().contains("/documents/");
    let is_transaction = parts
        .headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.ends_with("TransactWriteItems"));
    let faults = state.faults.lock().expect("faults").clone();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .and_then(|t| t.rsplit_once('.'))
        .map(|(_, operation)| operation.to_owned());
    if let Some(operation) = &operation {
        let n = {
            let mut calls = state.calls.lock().expect("calls");
            let n = calls.entry(operation.clone()).or_default();
            *n += 1;
            *n
        };
        if let Some((failing, range)) = &faults.fail_dynamodb {
            if failing == operation && range.contains(&n) {
                return dynamodb_error();
            }
        }
        if let Some((held, from)) = &faults.hold_dynamodb {
            if held == operation && n >= *from {
                while state.faults.lock().expect("faults").hold_dynamodb.is_some() {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
        }
    }
    if is_object {
        let injected = match parts.method {
            Method::PUT => {
                let n = state.puts.fetch_add(1, Ordering::SeqCst) + 1;
                faults.fail_puts_from.is_some_and(|from| n >= from)
            }
            Method::GET => faults.fail_gets,
            Method::DELETE => faults.fail_deletes,
            _ => false,
        };
        if injected {
            return s3_error("ServiceUnavailable");
        }
    }
    let body = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let url = format!(
        "{}{}",
        state.upstream,
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            headers.append(name.clone(), value.clone());
        }
    }
    let upstream = state
        .client
        .request(parts.method.clone(), url)
        .headers(headers)
        .body(body)
        .send()
        .await;
    match upstream {
        Ok(_) if is_transaction && faults.lose_transaction_answers => dynamodb_error(),
        Ok(r) => {
            let status = r.status();
            let headers = r.headers().clone();
            let bytes = r.bytes().await.unwrap_or_default();
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            for (name, value) in &headers {
                if name != "content-length" && name != "transfer-encoding" {
                    response.headers_mut().append(name.clone(), value.clone());
                }
            }
            response
        }
        Err(_) => s3_error("ServiceUnavailable"),
    }
}
