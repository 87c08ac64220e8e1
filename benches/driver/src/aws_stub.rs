//! DynamoDB and S3 on loopback that answer at once, so that a function's own work is what gets
//! measured, not a storage server's. It counts what it was asked and keeps what the function
//! wrote (S3 objects to read back; DynamoDB transactions to size).

use anyhow::{anyhow, Result};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Recorded {
    calls: BTreeMap<String, usize>,
    objects: HashMap<String, Bytes>,
    /// Request and answer bodies of DynamoDB operations, newest last.
    dynamodb: Vec<(String, Value, Value)>,
}

mod listing;

#[derive(Clone)]
pub struct AwsStub {
    pub addr: SocketAddr,
    recorded: Arc<Mutex<Recorded>>,
    /// The customer item the stub holds: what GetItem, lookups and pages answer with.
    item: Arc<Mutex<Option<Value>>>,
}

impl AwsStub {
    pub async fn start() -> Result<Self> {
        let stub = Self {
            addr: "127.0.0.1:0".parse()?,
            recorded: Arc::default(),
            item: Arc::default(),
        };
        let app = Router::new()
            .fallback(handle)
            .layer(DefaultBodyLimit::disable())
            .with_state(stub.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, ..stub })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Calls per operation (`DynamoDB.TransactWriteItems`, `S3.PutObject`, ...) since the last
    /// reset, and the stored object count.
    pub fn calls(&self) -> BTreeMap<String, usize> {
        self.lock().calls.clone()
    }

    pub fn objects(&self) -> usize {
        self.lock().objects.len()
    }

    pub fn reset(&self) {
        let mut recorded = self.lock();
        recorded.calls.clear();
        recorded.dynamodb.clear();
    }

    /// The last request body of a DynamoDB operation.
    pub fn last_dynamodb(&self, operation: &str) -> Result<Value> {
        self.lock()
            .dynamodb
            .iter()
            .rev()
            .find(|(op, _, _)| op == operation)
            .map(|(_, body, _)| body.clone())
            .ok_or_else(|| anyhow!("the function never called DynamoDB {operation}"))
    }

    /// Every DynamoDB request since the last reset, in the order they came, with its operation.
    pub fn dynamodb_requests(&self) -> Vec<(String, Value)> {
        self.lock()
            .dynamodb
            .iter()
            .map(|(operation, request, _)| (operation.clone(), request.clone()))
            .collect()
    }

    /// Every (request, answer) of a DynamoDB operation since the last reset, in order.
    pub fn exchanges(&self, operation: &str) -> Vec<(Value, Value)> {
        self.lock()
            .dynamodb
            .iter()
            .filter(|(op, _, _)| op == operation)
            .map(|(_, request, answer)| (request.clone(), answer.clone()))
            .collect()
    }

    pub fn answer_get_item_with(&self, item: Value) {
        *self.item.lock().unwrap_or_else(|e| e.into_inner()) = Some(item);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.recorded.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn handle(
    State(stub): State<AwsStub>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let operation = target.rsplit('.').next().unwrap_or(target).to_owned();
        if target.starts_with("secretsmanager.") {
            return secrets_manager(&stub, operation, &body);
        }
        return dynamodb(&stub, operation, &body);
    }
    let key = uri.path().to_owned();
    let operation = match method {
        Method::PUT => "PutObject",
        Method::GET => "GetObject",
        Method::DELETE => "DeleteObject",
        Method::HEAD => "HeadObject",
        _ => "Unknown",
    };
    let mut recorded = stub.lock();
    *recorded.calls.entry(format!("S3.{operation}")).or_default() += 1;
    match method {
        Method::PUT => {
            let content = if is_aws_chunked(&headers) {
                decode_aws_chunked(&body)
            } else {
                body
            };
            recorded.objects.insert(key, content);
            (StatusCode::OK, [("etag", "\"bench\"")]).into_response()
        }
        Method::GET => match recorded.objects.get(&key) {
            Some(object) => (
                StatusCode::OK,
                [("content-type", "application/octet-stream")],
                object.clone(),
            )
                .into_response(),
            None => (
                StatusCode::NOT_FOUND,
                [("content-type", "application/xml")],
                "<Error><Code>NoSuchKey</Code><Message>none</Message></Error>",
            )
                .into_response(),
        },
        Method::DELETE => {
            recorded.objects.remove(&key);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => StatusCode::NOT_IMPLEMENTED.into_response(),
    }
}

fn dynamodb(stub: &AwsStub, operation: String, body: &[u8]) -> Response {
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let item = stub.item.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let answer = match (operation.as_str(), item) {
        ("GetItem", Some(item)) => match listing::get(&request, &item) {
            Some(found) => json!({ "Item": found }),
            None => json!({}),
        },
        ("Query", Some(item)) if request["IndexName"] == listing::INDEX => {
            listing::shard_page(&request, &item)
        }
        ("BatchGetItem", Some(item)) => listing::batch(&request, &item),
        ("Query", _) => json!({ "Items": [], "Count": 0, "ScannedCount": 0 }),
        _ => json!({}),
    };
    let mut recorded = stub.lock();
    *recorded
        .calls
        .entry(format!("DynamoDB.{operation}"))
        .or_default() += 1;
    recorded.dynamodb.push((operation, request, answer.clone()));
    (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.0")],
        answer.to_string(),
    )
        .into_response()
}

/// Secrets Manager as the functions use it at init: GetSecretValue of the HMAC keys, each
/// answered with a bench value of a real key's size (64 characters).
fn secrets_manager(stub: &AwsStub, operation: String, body: &[u8]) -> Response {
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let id = request["SecretId"].as_str().unwrap_or("unknown").to_owned();
    let value = format!("{:-<64}", format!("bench-stand-in-for-{id}-"));
    *stub
        .lock()
        .calls
        .entry(format!("SecretsManager.{operation}"))
        .or_default() += 1;
    let answer = json!({
        "ARN": format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{id}-AbCdEf"),
        "Name": id,
        "SecretString": value,
        "VersionId": "00000000-0000-0000-0000-000000000001",
        "VersionStages": ["AWSCURRENT"],
        "CreatedDate": 1.7e9,
    });
    (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.1")],
        answer.to_string(),
    )
        .into_response()
}

fn is_aws_chunked(headers: &HeaderMap) -> bool {
    headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("aws-chunked"))
}

/// The payload of an `aws-chunked` body: `<hex size>[;ext]\r\n<data>\r\n` chunks, a zero-size
/// chunk, then trailers (the checksum), which are dropped.
fn decode_aws_chunked(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let header = String::from_utf8_lossy(&rest[..line_end]);
        let size_text = header.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        let start = line_end + 2;
        if size == 0 || start + size > rest.len() {
            break;
        }
        out.extend_from_slice(&rest[start..start + size]);
        rest = rest.get(start + size + 2..).unwrap_or_default();
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_chunked_bodies_are_decoded_without_their_trailers() {
        let body = b"5\r\nhello\r\n6;chunk-signature=abc\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
        assert_eq!(&decode_aws_chunked(body)[..], b"hello world");
    }
}
