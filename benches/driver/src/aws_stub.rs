//! DynamoDB, S3, KMS and EventBridge on loopback that answer at once, so that a function's own
//! work is what gets measured, not a storage server's. It counts what it was asked and keeps
//! what the function wrote (S3 objects to read back; DynamoDB writes to size; events put).

use crate::capacity::Tables;
use anyhow::{anyhow, Result};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
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
    /// Entries put on the bus.
    events_put: u64,
}

mod change_events;
mod listing;

#[derive(Clone)]
pub struct AwsStub {
    pub addr: SocketAddr,
    recorded: Arc<Mutex<Recorded>>,
    /// The customer item the stub holds: what GetItem, lookups and pages answer with.
    item: Arc<Mutex<Option<Value>>>,
    /// The customer-group item the stub holds: what a page of groups is made of.
    group: Arc<Mutex<Option<Value>>>,
    /// The change-event item the stub holds: what a page of events is made of.
    event: Arc<Mutex<Option<Value>>>,
    /// The tables and their indexes, which size the writes it answers.
    tables: Arc<Tables>,
}

impl AwsStub {
    pub async fn start(tables: Tables) -> Result<Self> {
        let stub = Self {
            addr: "127.0.0.1:0".parse()?,
            recorded: Arc::default(),
            item: Arc::default(),
            group: Arc::default(),
            event: Arc::default(),
            tables: Arc::new(tables),
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
        recorded.events_put = 0;
    }

    /// Entries put on the bus since the last reset.
    pub fn events_put(&self) -> u64 {
        self.lock().events_put
    }

    pub fn tables(&self) -> &Tables {
        &self.tables
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

    pub fn answer_group_pages_with(&self, group: Value) {
        *self.group.lock().unwrap_or_else(|e| e.into_inner()) = Some(group);
    }

    pub fn answer_event_pages_with(&self, event: Value) {
        *self.event.lock().unwrap_or_else(|e| e.into_inner()) = Some(event);
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
        if target.starts_with("TrentService.") {
            return kms(&stub, operation, &body);
        }
        if target.starts_with("AWSEvents.") {
            return eventbridge(&stub, operation, &body);
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
    let group = stub.group.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let event = stub.event.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let answer = match (operation.as_str(), item) {
        ("BatchWriteItem", _) => change_events::batch_write(&request, &stub.tables),
        ("Query", _) if request["IndexName"] == change_events::EVENTS_INDEX => {
            Ok(change_events::events_page(&request, event.as_ref()))
        }
        ("Query", _) if request["IndexName"] == listing::GROUPS_INDEX => {
            Ok(listing::group_page(&request, group.as_ref()))
        }
        ("GetItem", Some(item)) => Ok(match listing::get(&request, &item) {
            Some(found) => json!({ "Item": found }),
            None => json!({}),
        }),
        ("Query", Some(item)) if request["IndexName"] == listing::INDEX => {
            Ok(listing::shard_page(&request, &item))
        }
        ("BatchGetItem", Some(item)) => Ok(listing::batch(&request, &item)),
        ("Query", _) => Ok(json!({ "Items": [], "Count": 0, "ScannedCount": 0 })),
        _ => Ok(json!({})),
    };
    let mut recorded = stub.lock();
    *recorded
        .calls
        .entry(format!("DynamoDB.{operation}"))
        .or_default() += 1;
    let (status, answer) = match answer {
        Ok(answer) => (StatusCode::OK, answer),
        Err(message) => (
            StatusCode::BAD_REQUEST,
            json!({"__type": "com.amazonaws.dynamodb.v20120810#ValidationException", "message": message}),
        ),
    };
    recorded.dynamodb.push((operation, request, answer.clone()));
    (
        status,
        [("content-type", "application/x-amz-json-1.0")],
        answer.to_string(),
    )
        .into_response()
}

/// EventBridge as the publisher uses it: `PutEvents` (change_events::put_events); any other
/// operation is refused.
fn eventbridge(stub: &AwsStub, operation: String, body: &[u8]) -> Response {
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut recorded = stub.lock();
    *recorded
        .calls
        .entry(format!("EventBridge.{operation}"))
        .or_default() += 1;
    let answer = match operation.as_str() {
        "PutEvents" => change_events::put_events(&request, recorded.events_put),
        _ => Err(format!(
            "the bench's EventBridge stub does not answer {operation}"
        )),
    };
    if let Ok(answer) = &answer {
        recorded.events_put += answer["Entries"].as_array().map_or(0, Vec::len) as u64;
    }
    json_1_1(answer)
}

/// An answer of a JSON 1.1 service (KMS, EventBridge), or its validation error.
fn json_1_1(answer: Result<Value, String>) -> Response {
    match answer {
        Ok(answer) => (
            StatusCode::OK,
            [("content-type", "application/x-amz-json-1.1")],
            answer.to_string(),
        )
            .into_response(),
        Err(message) => (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/x-amz-json-1.1")],
            json!({"__type": "ValidationException", "message": message}).to_string(),
        )
            .into_response(),
    }
}

/// The ARN of the one KMS key the stub holds; any key id is accepted as naming it.
pub const KMS_KEY_ARN: &str =
    "arn:aws:kms:us-east-1:123456789012:key/0b5e4d1a-8c2f-4c1e-9d7a-5f3e2c1b0a99";
/// The stub key's material: fixed, so that equal messages get equal MACs in every run.
const KMS_HMAC_KEY: &[u8; 32] = b"bench-stand-in-hmac-key-32-bytes";

/// KMS as the functions use it: `GenerateMac` (HMAC-SHA256 of the decoded `Message`, the
/// answer KMS gives, of the same size); any other operation is refused as KMS would refuse an
/// unknown one.
fn kms(stub: &AwsStub, operation: String, body: &[u8]) -> Response {
    *stub
        .lock()
        .calls
        .entry(format!("KMS.{operation}"))
        .or_default() += 1;
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    json_1_1(match operation.as_str() {
        "GenerateMac" => generate_mac(&request),
        _ => Err(format!("the bench's KMS stub does not answer {operation}")),
    })
}

fn generate_mac(request: &Value) -> Result<Value, String> {
    let engine = base64::engine::general_purpose::STANDARD;
    if request["KeyId"].as_str().is_none_or(str::is_empty) {
        return Err("GenerateMac without a KeyId".into());
    }
    if request["MacAlgorithm"] != "HMAC_SHA_256" {
        return Err(format!(
            "the stub key is HMAC_256: {} is not its algorithm",
            request["MacAlgorithm"]
        ));
    }
    let message = request["Message"]
        .as_str()
        .and_then(|text| engine.decode(text).ok())
        .filter(|message| (1..=4096).contains(&message.len()))
        .ok_or("GenerateMac needs a Message of 1 to 4096 bytes, base64")?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, KMS_HMAC_KEY);
    let mac = ring::hmac::sign(&key, &message);
    Ok(json!({
        "KeyId": KMS_KEY_ARN,
        "Mac": engine.encode(mac.as_ref()),
        "MacAlgorithm": "HMAC_SHA_256",
    }))
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

    #[test]
    fn equal_messages_get_equal_macs_of_32_bytes() {
        let engine = base64::engine::general_purpose::STANDARD;
        let request = |message: &[u8]| json!({"KeyId": "alias/any", "Message": engine.encode(message), "MacAlgorithm": "HMAC_SHA_256"});
        let mac = |message: &[u8]| generate_mac(&request(message)).unwrap()["Mac"].clone();
        assert_eq!(mac(b"passport\x1fCL\x1fAB1"), mac(b"passport\x1fCL\x1fAB1"));
        assert_ne!(mac(b"passport\x1fCL\x1fAB1"), mac(b"passport\x1fCL\x1fAB2"));
        let decoded = engine.decode(mac(b"x").as_str().unwrap()).unwrap();
        assert_eq!(decoded.len(), 32);
        let mut wrong = request(b"x");
        wrong["MacAlgorithm"] = json!("HMAC_SHA_512");
        assert!(generate_mac(&wrong).is_err());
    }
}
