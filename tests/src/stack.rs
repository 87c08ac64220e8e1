//! One test's AWS: the template's tables, a bucket, a fingerprint key (KMS), an event bus and
//! queues of its own in moto (shared when `AWS_ENDPOINT_URL` is set, as `make test` does, else
//! a server of the test's own), the functions' wiring against them, and the local gateway
//! running the real function binaries, its event source mapping reading this stack's stream.

use crate::bus::{kebab, Bus};
use crate::faults::FaultProxy;
use crate::moto::Moto;
use crate::tokens::{parameters, JWT_SECRET};
use crate::workspace_root;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use local_gateway::tables::CreatedKey;
use local_gateway::template::{Bindings, Template};
use local_gateway::RunningGateway;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

/// The template's HMAC key that makes identity-document fingerprints.
pub const FINGERPRINT_KEY: &str = "DocumentFingerprintKey";
/// The template's table of customers (the one whose stream is published).
pub const CUSTOMERS_TABLE: &str = "CustomersTable";
/// The template's table of change events.
pub const EVENTS_TABLE: &str = "EventsTable";
/// The template's queue for the stream batches the publisher's mapping gives up on.
pub const ON_FAILURE_QUEUE: &str = "PublishEventsFailures";

/// How long [`Stack::wait_for_event_items`] waits: the stream is polled four times a second
/// and batches wait up to a second, so a change that takes longer than this went missing.
const EVENT_PATIENCE: Duration = Duration::from_secs(10);

/// One test's AWS: the template's tables, a bucket, a fingerprint key, an event bus and queues
/// of its own, in moto servers that are shared (when `AWS_ENDPOINT_URL` is set) or its own.
pub struct Stack {
    /// The servers this stack owns: [DynamoDB's, S3's] when split, else one for both.
    pub motos: Vec<Moto>,
    /// The customers table (`CustomersTable`).
    pub table: String,
    /// The change events' table (`EventsTable`).
    pub events_table: String,
    /// Every table of the template: logical id -> this stack's table (`CustomersTable` ->
    /// `customers-<suffix>`, `EventsTable` -> `events-<suffix>`).
    pub tables: BTreeMap<String, String>,
    pub bucket: String,
    /// The stack's event bus (`changes-<suffix>`), its queues, and what reached the bus.
    pub bus: Bus,
    /// The stack's own `DocumentFingerprintKey`: an HMAC key made by moto's KMS, as the template
    /// declares it; `arn` is what the functions get as `DOCUMENT_FINGERPRINT_KEY`.
    pub fingerprint_key: CreatedKey,
    /// What a function is given to find DynamoDB, S3 and KMS: the standard AWS variables.
    pub environment: BTreeMap<String, String>,
    /// Straight to DynamoDB, for looking into the tables (patient: not a function's client).
    pub dynamodb: Client,
    /// Straight to S3, for inspecting the bucket (not through any fault proxy).
    pub s3: aws_sdk_s3::Client,
    /// The KMS that holds the fingerprint key, for computing what a claim must be.
    pub kms: aws_sdk_kms::Client,
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
    /// can kill DynamoDB and still look into the bucket, or make S3 fail part-way. KMS is S3's
    /// server (reached directly, not through the proxy): the fingerprint is made after the
    /// images are verified and before the write, so a DynamoDB outage must leave it working for
    /// the write to be what fails, and S3's faults are S3's alone.
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

    /// DynamoDB behind a fault proxy (a server of this test's own): a test can lose the
    /// answers of transactions that were applied.
    pub async fn with_dynamodb_faults() -> Self {
        let moto = Moto::start().expect("moto");
        let proxy = FaultProxy::start(&moto.endpoint).await;
        let direct = moto.endpoint.clone();
        let mut stack = Self::on(vec![moto], &direct, &direct, None).await;
        stack
            .environment
            .insert("AWS_ENDPOINT_URL_DYNAMODB".into(), proxy.endpoint.clone());
        stack.sdk = sdk_config(&stack.environment).await;
        stack.faults = Some(proxy);
        stack
    }

    /// The general `AWS_ENDPOINT_URL`, which KMS uses, is S3's server (see [`Stack::split`]).
    async fn on(
        motos: Vec<Moto>,
        dynamodb_endpoint: &str,
        s3_endpoint: &str,
        faults: Option<FaultProxy>,
    ) -> Self {
        let mut environment = aws_environment(s3_endpoint);
        environment.insert(
            "AWS_ENDPOINT_URL_DYNAMODB".into(),
            dynamodb_endpoint.to_owned(),
        );
        environment.insert("AWS_ENDPOINT_URL_S3".into(), s3_endpoint.to_owned());
        let sdk = sdk_config(&environment).await;
        let patient = patient(&sdk);
        let dynamodb = Client::new(&patient);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&patient)
                .force_path_style(true)
                .build(),
        );
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let bucket = format!("documents-{suffix}");
        let template = template();
        let mut tables = BTreeMap::new();
        for def in template.tables() {
            let id = def.logical_id.as_str();
            let name = format!("{}-{suffix}", kebab(id.strip_suffix("Table").unwrap_or(id)));
            local_gateway::tables::create_table(&dynamodb, &def, &name)
                .await
                .expect("create table");
            tables.insert(def.logical_id.clone(), name);
        }
        let table_named = |id: &str| {
            tables
                .get(id)
                .cloned()
                .unwrap_or_else(|| panic!("template.yaml declares {id}"))
        };
        let (table, events_table) = (table_named(CUSTOMERS_TABLE), table_named(EVENTS_TABLE));
        local_gateway::tables::create_bucket(&s3, &bucket)
            .await
            .expect("create bucket");
        let kms = aws_sdk_kms::Client::new(&patient);
        let key = template
            .mac_keys()
            .into_iter()
            .find(|key| key.logical_id == FINGERPRINT_KEY)
            .expect("template.yaml declares DocumentFingerprintKey as an HMAC key");
        // No alias: many stacks share one server, each binds its own key explicitly.
        let fingerprint_key = local_gateway::tables::create_mac_key(&kms, &key, None)
            .await
            .expect("create the fingerprint key");
        let bus = Bus::create(&template, &patient, &suffix).await;
        Self {
            motos,
            table,
            events_table,
            tables,
            bucket,
            bus,
            fingerprint_key,
            environment,
            dynamodb,
            s3,
            kms,
            sdk,
            faults,
        }
    }

    pub fn settings(&self) -> shared::lambda::config::Settings {
        shared::lambda::config::Settings {
            table_name: self.table.clone(),
            tenant_claim: "tenant_id".into(),
            documents: Some(shared::lambda::config::DocumentSettings {
                bucket: self.bucket.clone(),
                fingerprint_key: self.fingerprint_key.arn.clone(),
            }),
            local_auth: None,
            events: shared::lambda::config::EventSettings {
                table: Some(self.events_table.clone()),
                bus: Some(self.bus.name.clone()),
                source: shared::lambda::config::DEFAULT_EVENT_SOURCE.into(),
            },
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
        for (logical_id, table) in &self.tables {
            bindings
                .resource_names
                .insert(logical_id.clone(), table.clone());
        }
        bindings.bind(&self.bus.logical_id, &self.bus.name, &self.bus.arn);
        for (logical_id, queue) in &self.bus.queues {
            let name = queue.arn.rsplit(':').next().unwrap_or_default();
            bindings.bind(logical_id, name, &queue.arn);
        }
        bindings
            .resource_names
            .insert("DocumentsBucket".into(), self.bucket.clone());
        bindings.bind(
            FINGERPRINT_KEY,
            &self.fingerprint_key.key_id,
            &self.fingerprint_key.arn,
        );
        local_gateway::start(local_gateway::Options {
            template: workspace_root().join("template.yaml"),
            bin_dir,
            port: 0,
            instances: 4,
            bindings,
            jwt_secret: JWT_SECRET.into(),
            environment: self.environment.clone(),
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
        self.scan(&self.table).await
    }

    /// Every item of the events table, as JSON, in key order.
    pub async fn event_items(&self) -> Vec<serde_json::Value> {
        as_sorted_json(self.scan(&self.events_table).await)
    }

    /// The events table's items once there are at least `count`, or what there is after
    /// [`EVENT_PATIENCE`].
    pub async fn wait_for_event_items(&self, count: usize) -> Vec<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + EVENT_PATIENCE;
        loop {
            let items = self.event_items().await;
            if items.len() >= count || tokio::time::Instant::now() >= deadline {
                return items;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What reached the event bus since the last call: the EventBridge envelopes (`source`,
    /// `detail-type`, `detail` = the CloudEvent...), taken off the bus's tap queue.
    pub async fn bus_messages(&self) -> Vec<serde_json::Value> {
        self.bus.drain(&self.bus.tap.url).await
    }

    /// What the publisher's event source mapping gave up on since the last call: Lambda's
    /// on-failure records, taken off this stack's `PublishEventsFailures`.
    pub async fn failure_messages(&self) -> Vec<serde_json::Value> {
        let queue = self
            .bus
            .queues
            .get(ON_FAILURE_QUEUE)
            .unwrap_or_else(|| panic!("template.yaml declares {ON_FAILURE_QUEUE}"));
        self.bus.drain(&queue.url).await
    }

    async fn scan(&self, table: &str) -> Vec<HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .scan()
                .table_name(table)
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

    /// Every item as JSON, in key order: equal snapshots mean nothing was written between them.
    pub async fn snapshot(&self) -> Vec<serde_json::Value> {
        as_sorted_json(self.items().await)
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

/// Items as JSON, in key order. Every item, or the scans that look for what must not remain
/// could miss one; binary attributes (a sealed reply) as base64, as the console shows them.
fn as_sorted_json(items: Vec<HashMap<String, AttributeValue>>) -> Vec<serde_json::Value> {
    let mut items: Vec<serde_json::Value> = items
        .into_iter()
        .map(|mut item| {
            for value in item.values_mut() {
                if let AttributeValue::B(bytes) = value {
                    *value = AttributeValue::S(STANDARD.encode(bytes.as_ref()));
                }
            }
            serde_dynamo::aws_sdk_dynamodb_1::from_item(item).expect("an item as JSON")
        })
        .collect();
    items.sort_by_key(|item| format!("{}{}", item["pk"], item["sk"]));
    items
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

pub fn template() -> Template {
    Template::load(&workspace_root().join("template.yaml")).expect("template.yaml")
}

/// `sdk` for setting a stack up and looking into it, which are not a function's requests: a
/// shared server busy with other tests may take longer than a function's 3 s an attempt, and
/// a create retried after a timeout finds what its first attempt made ("already exists").
fn patient(sdk: &aws_types::SdkConfig) -> aws_types::SdkConfig {
    sdk.to_builder()
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(60))
                .build(),
        )
        .build()
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
    shared::lambda::config::sdk_config_from(|name| variables.get(name).cloned())
        .expect("sdk config")
}
