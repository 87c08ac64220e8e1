//! Test harness: real servers on loopback. Each test gets its own table in a moto server
//! (shared when `AWS_ENDPOINT_URL` is set, as `make test` does, else one of its own), and, for
//! end-to-end tests, the local gateway running the real function binaries.

use anyhow::{bail, Context, Result};
use aws_sdk_dynamodb::Client;
use local_gateway::template::{Bindings, Template};
use local_gateway::RunningGateway;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use aws_sdk_dynamodb::types::AttributeValue;

pub mod faults;
pub use faults::{FaultProxy, Faults};

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A moto server owned by one test, killed when dropped.
pub struct Moto {
    child: Option<Child>,
    pub endpoint: String,
}

impl Moto {
    /// Starts `tools/moto-server` (moto with serialized DynamoDB operations) from `.venv`.
    pub fn start() -> Result<Self> {
        let python = workspace_root().join(".venv/bin/python");
        let launcher = workspace_root().join("tools/moto-server");
        if !python.exists() {
            bail!("{} is missing: run `make venv` first", python.display());
        }
        let port = free_port()?;
        let child = Command::new(&python)
            .arg(&launcher)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", launcher.display()))?;
        let moto = Self {
            child: Some(child),
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                bail!("moto did not listen on port {port} within 30 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(moto)
    }

    /// Kills the server at once: an outage, as far as clients can tell.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.kill();
    }
}

pub const TENANT: &str = "tenant-a";
pub const OTHER_TENANT: &str = "tenant-b";

/// Local parameter values, as `make dev` passes them.
pub fn parameters() -> BTreeMap<String, String> {
    [
        ("JwtIssuer", "http://127.0.0.1/test-issuer"),
        ("JwtAudience", "customers-api"),
        ("TenantClaim", "tenant_id"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub const JWT_SECRET: &str = "integration-test-secret-integration-test";

pub const DOCUMENT_HASH_KEY: &str = "integration-test-document-fingerprint-key";
pub const CURSOR_KEY: &str = "integration-test-pagination-cursor-signing-key";

/// One test's AWS: a table and a bucket of its own, in moto servers that are shared (when
/// `AWS_ENDPOINT_URL` is set) or its own.
pub struct Stack {
    /// The servers this stack owns: [DynamoDB's, S3's] when split, else one for both.
    pub motos: Vec<Moto>,
    pub table: String,
    pub bucket: String,
    /// What a function is given to find DynamoDB and S3: the standard AWS variables.
    pub environment: BTreeMap<String, String>,
    pub dynamodb: Client,
    /// Straight to S3, for inspecting the bucket (not through any fault proxy).
    pub s3: aws_sdk_s3::Client,
    pub sdk: aws_types::SdkConfig,
    pub faults: Option<FaultProxy>,
}

impl Stack {
    /// A fresh table and bucket in the shared moto server (or a private one when there is none).
    pub async fn new() -> Self {
        match std::env::var("AWS_ENDPOINT_URL") {
            Ok(endpoint) if !endpoint.is_empty() => {
                Self::on(Vec::new(), &endpoint, &endpoint, None).await
            }
            _ => Self::with_own_moto().await,
        }
    }

    /// A stack whose moto server this test alone uses, so it may kill it.
    pub async fn with_own_moto() -> Self {
        let moto = Moto::start().expect("moto");
        let endpoint = moto.endpoint.clone();
        Self::on(vec![moto], &endpoint, &endpoint, None).await
    }

    /// DynamoDB and S3 in separate servers of this test's own, S3 behind a fault proxy: a test
    /// can kill DynamoDB and still look into the bucket, or make S3 fail part-way.
    pub async fn split() -> Self {
        let dynamodb = Moto::start().expect("moto for DynamoDB");
        let s3 = Moto::start().expect("moto for S3");
        let proxy = FaultProxy::start(&s3.endpoint).await;
        let (dynamodb_endpoint, s3_direct) = (dynamodb.endpoint.clone(), s3.endpoint.clone());
        let mut stack = Self::on(vec![dynamodb, s3], &dynamodb_endpoint, &s3_direct, None).await;
        stack
            .environment
            .insert("AWS_ENDPOINT_URL_S3".into(), proxy.endpoint.clone());
        stack.sdk = sdk_config(&stack.environment).await;
        stack.faults = Some(proxy);
        stack
    }

    async fn on(
        motos: Vec<Moto>,
        dynamodb_endpoint: &str,
        s3_endpoint: &str,
        faults: Option<FaultProxy>,
    ) -> Self {
        let mut environment = aws_environment(dynamodb_endpoint);
        environment.insert(
            "AWS_ENDPOINT_URL_DYNAMODB".into(),
            dynamodb_endpoint.to_owned(),
        );
        environment.insert("AWS_ENDPOINT_URL_S3".into(), s3_endpoint.to_owned());
        let sdk = sdk_config(&environment).await;
        let dynamodb = Client::new(&sdk);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let table = format!("customers-{suffix}");
        let bucket = format!("documents-{suffix}");
        let template = template();
        for def in template.tables() {
            local_gateway::tables::create_table(&dynamodb, &def, &table)
                .await
                .expect("create table");
        }
        local_gateway::tables::create_bucket(&s3, &bucket)
            .await
            .expect("create bucket");
        Self {
            motos,
            table,
            bucket,
            environment,
            dynamodb,
            s3,
            sdk,
            faults,
        }
    }

    pub fn settings(&self) -> shared::config::Settings {
        shared::config::Settings {
            table_name: self.table.clone(),
            tenant_claim: "tenant_id".into(),
            cursor_key: Some(CURSOR_KEY.as_bytes().to_vec()),
            documents: Some(shared::config::DocumentSettings {
                bucket: self.bucket.clone(),
                hash_key: DOCUMENT_HASH_KEY.as_bytes().to_vec(),
            }),
        }
    }

    /// The functions' shared wiring, as a cold start builds it, against this stack.
    pub fn app(&self) -> shared::lambda::App {
        shared::lambda::App::with_documents(&self.settings(), &self.sdk).expect("app")
    }

    /// Kills the DynamoDB server (the only one, unless split).
    pub fn kill_dynamodb(&mut self) {
        self.motos
            .first_mut()
            .expect("a moto of this test's own")
            .kill();
    }

    /// The local gateway with the real function binaries, pointed at this stack.
    pub async fn gateway(&self) -> RunningGateway {
        let bin_dir = target_dir().join("debug");
        for function in template()
            .functions(&Bindings::default())
            .expect("functions")
        {
            let binary = &function.binary;
            assert!(
                bin_dir.join(binary).exists(),
                "{binary} is not built: run `cargo build --workspace --bins` (make test does)"
            );
        }
        let mut bindings = Bindings {
            parameters: parameters(),
            ..Default::default()
        };
        bindings
            .resource_names
            .insert("CustomersTable".into(), self.table.clone());
        bindings
            .resource_names
            .insert("DocumentsBucket".into(), self.bucket.clone());
        let mut environment = self.environment.clone();
        environment.insert("DOCUMENT_HASH_KEY".into(), DOCUMENT_HASH_KEY.into());
        environment.insert("CURSOR_KEY".into(), CURSOR_KEY.into());
        local_gateway::start(local_gateway::Options {
            template: workspace_root().join("template.yaml"),
            bin_dir,
            port: 0,
            instances: 4,
            bindings,
            jwt_secret: JWT_SECRET.into(),
            environment,
            function_output: None,
        })
        .await
        .expect("gateway")
    }

    /// Keys of every object in the bucket.
    pub async fn objects(&self) -> Vec<String> {
        let listing = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .send()
            .await
            .expect("list objects");
        listing
            .contents
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| o.key)
            .collect()
    }

    /// Every item of the table, for assertions on what was (not) written.
    pub async fn items(&self) -> Vec<HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// Items grouped by their `entity` attribute ("customer", "claim").
    pub async fn count(&self, entity: &str) -> usize {
        self.items()
            .await
            .iter()
            .filter(|i| {
                i.get("entity")
                    .and_then(|e| e.as_s().ok())
                    .map(String::as_str)
                    == Some(entity)
            })
            .count()
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

pub fn template() -> Template {
    Template::load(&workspace_root().join("template.yaml")).expect("template.yaml")
}

/// The standard AWS variables that point an SDK at `endpoint`, with dummy credentials.
pub fn aws_environment(endpoint: &str) -> BTreeMap<String, String> {
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The functions' own SDK configuration (timeouts, retries), resolved from `variables` instead
/// of this process's environment, so that each test can have its own endpoint: the SDK still
/// finds it through `AWS_ENDPOINT_URL`, as it does in a function.
pub async fn sdk_config(variables: &BTreeMap<String, String>) -> aws_types::SdkConfig {
    shared::config::sdk_config_from(|name| variables.get(name).cloned()).expect("sdk config")
}

/// A token as the local authorizer accepts it; `extra` adds or overrides claims.
pub fn token(tenant: Option<&str>, scope: &str, extra: &[(&str, Value)]) -> String {
    let config = jwt();
    let mut claims = config.claims("user-1", 3600);
    if let Some(tenant) = tenant {
        claims.insert("tenant_id".into(), tenant.into());
    }
    claims.insert("scope".into(), scope.into());
    for (k, v) in extra {
        claims.insert((*k).to_owned(), v.clone());
    }
    config.mint(&claims).expect("mint")
}

pub fn jwt() -> local_gateway::jwt::JwtConfig {
    let params = parameters();
    local_gateway::jwt::JwtConfig {
        secret: JWT_SECRET.into(),
        issuer: params["JwtIssuer"].clone(),
        audiences: vec![params["JwtAudience"].clone()],
    }
}

pub const READ_WRITE: &str = "customers.read customers.write";

/// Claims as API Gateway's JWT authorizer passes them to a function.
pub fn claims(tenant: &str, scope: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), "user-1".into());
    claims.insert("tenant_id".into(), tenant.into());
    claims.insert("scope".into(), scope.into());
    claims
}

/// An HTTP API (payload 2.0) event for calling a handler directly.
pub fn http_event(
    method: &str,
    path: &str,
    body: Option<&Value>,
    claims: Option<&Map<String, Value>>,
) -> lambda_http::Request {
    let mut event = serde_json::json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "test", "domainName": "test",
            "domainPrefix": "test", "requestId": "test-request",
            "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "25/Nov/2026:00:00:00 +0000", "timeEpoch": 0,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "tests"}
        },
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        event["body"] = Value::String(body.to_string());
    }
    if let Some(claims) = claims {
        event["requestContext"]["authorizer"] =
            serde_json::json!({"jwt": {"claims": claims, "scopes": null}});
    }
    if let Some(id) = path.strip_prefix("/customers/") {
        event["pathParameters"] = serde_json::json!({ "id": id });
    }
    lambda_http::request::from_str(&event.to_string()).expect("event")
}

/// An HTTP API event with a query string and extra headers.
pub fn http_event_with(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    claims: Option<&Map<String, Value>>,
) -> lambda_http::Request {
    let query_map: HashMap<String, Vec<String>> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
        .collect();
    let mut request = lambda_http::RequestExt::with_query_string_parameters(
        http_event(method, path, None, claims),
        query_map,
    );
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            lambda_http::http::HeaderName::try_from(*name),
            lambda_http::http::HeaderValue::from_str(value),
        ) {
            request.headers_mut().insert(name, value);
        }
    }
    request
}

/// A response's status and JSON body.
pub fn read(response: &lambda_http::Response<lambda_http::Body>) -> (u16, Value) {
    let body = match response.body() {
        lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        lambda_http::Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (response.status().as_u16(), body)
}

/// An `identity_document` member for a request body.
pub fn identity_document(doc_type: &str, number: &str, front: &[u8], back: Option<&[u8]>) -> Value {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut document = serde_json::json!({
        "type": doc_type,
        "number": number,
        "country": "CL",
        "expires_on": "2031-06-30",
        "front_image": format!("data:image/png;base64,{}", b64.encode(front)),
    });
    if let Some(back) = back {
        document["back_image"] = Value::String(b64.encode(back));
    }
    document
}

/// `POST /customers` through the create handler, as `tenant` with read and write scopes.
pub async fn create_customer_as(stack: &Stack, tenant: &str, body: &Value) -> (u16, Value) {
    let app = stack.app();
    let claims = claims(tenant, READ_WRITE);
    read(
        &create_customer::handle(
            &app,
            http_event("POST", "/customers", Some(body), Some(&claims)),
        )
        .await,
    )
}

/// `GET /customers/{id}` through the read handler, as `tenant`.
pub async fn get_customer_as(stack: &Stack, tenant: &str, id: &str) -> (u16, Value) {
    let app = stack.app();
    let claims = claims(tenant, READ_WRITE);
    read(
        &get_customer::handle(
            &app,
            http_event("GET", &format!("/customers/{id}"), None, Some(&claims)),
        )
        .await,
    )
}

/// Sends every body to the create handler at once, as `tenant`; the statuses, in body order.
pub async fn create_concurrently(stack: &Stack, tenant: &str, bodies: Vec<Value>) -> Vec<u16> {
    let app = stack.app();
    let claims = claims(tenant, READ_WRITE);
    let requests = bodies.iter().map(|body| {
        create_customer::handle(
            &app,
            http_event("POST", "/customers", Some(body), Some(&claims)),
        )
    });
    futures::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect()
}

/// A race for one unique value: exactly one create won (201), every other one got 409.
pub fn assert_one_winner(statuses: &[u16]) {
    let count = |status: u16| statuses.iter().filter(|s| **s == status).count();
    assert_eq!(count(201), 1, "{statuses:?}");
    assert_eq!(count(409), statuses.len() - 1, "{statuses:?}");
}
