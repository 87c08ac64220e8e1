//! Lambda's event source mapping for DynamoDB streams, locally: for each `Type: DynamoDB`
//! event of the template, the table's stream is read shard by shard (`shard`), its records
//! converted to the event Lambda delivers (`record`) and filtered by the template's patterns
//! (`filter`), and each batch carried through the function with the mapping's retries,
//! bisection and checkpoints (`delivery`); what is given up is reported to the on-failure
//! queue (`failure`). Not emulated: Lambda's 6 MB payload limit, tumbling windows, more than
//! one batch per shard at a time, and the shard's 24-hour retention.

pub mod delivery;
pub mod failure;
pub mod filter;
pub mod mapping;
pub mod record;
pub mod shard;

use crate::runtime::LocalFunction;
use crate::template::{Bindings, FunctionDef, Template, LOCAL_ACCOUNT};
use anyhow::{anyhow, Context, Result};
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use mapping::StartingPosition;
use shard::Consumer;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::{JoinHandle, JoinSet};

/// How often a stream whose shards are all read is described again for new ones.
const DESCRIBE_PAUSE: Duration = Duration::from_secs(1);

/// The clients of the event source mapping, pointed where the consuming function's own SDK
/// points (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`): a stream is served by its
/// table's server.
pub struct Clients {
    dynamodb: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    sqs: aws_sdk_sqs::Client,
    region: String,
}

impl Clients {
    /// From the variables `var` gives (a function's environment), with dummy credentials
    /// when it has none.
    pub async fn from_environment(var: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let credentials = aws_sdk_dynamodb::config::Credentials::new(
            var("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "local".into()),
            var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "local".into()),
            var("AWS_SESSION_TOKEN"),
            None,
            "local-gateway",
        );
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.clone()))
            .credentials_provider(credentials)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .load()
            .await;
        let generic = var("AWS_ENDPOINT_URL");
        let dynamodb_endpoint = var("AWS_ENDPOINT_URL_DYNAMODB").or_else(|| generic.clone());
        let streams_endpoint =
            var("AWS_ENDPOINT_URL_DYNAMODB_STREAMS").or_else(|| dynamodb_endpoint.clone());
        let sqs_endpoint = var("AWS_ENDPOINT_URL_SQS").or(generic);
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk);
        dynamodb.set_endpoint_url(dynamodb_endpoint);
        let mut streams = aws_sdk_dynamodbstreams::config::Builder::from(&sdk);
        streams.set_endpoint_url(streams_endpoint);
        let mut sqs = aws_sdk_sqs::config::Builder::from(&sdk);
        sqs.set_endpoint_url(sqs_endpoint);
        Self {
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            streams: aws_sdk_dynamodbstreams::Client::from_conf(streams.build()),
            sqs: aws_sdk_sqs::Client::from_conf(sqs.build()),
            region,
        }
    }
}

/// Starts reading the stream of every enabled DynamoDB event of `function`; one task per
/// mapping, which aborted stops its shards too. Fails when a table has no stream.
pub async fn start(
    template: &Template,
    bindings: &Bindings,
    function: &FunctionDef,
    local: Arc<LocalFunction>,
    clients: &Clients,
) -> Result<Vec<JoinHandle<()>>> {
    let mut tasks = Vec::new();
    for mapping in function.streams.iter().filter(|m| m.enabled) {
        let table = template.resource_name(&mapping.table, bindings);
        let described = clients
            .dynamodb
            .describe_table()
            .table_name(&table)
            .send()
            .await
            .with_context(|| format!("{}: describing table {table}", function.logical_id))?;
        let stream_arn = described
            .table
            .and_then(|t| t.latest_stream_arn)
            .ok_or_else(|| {
                anyhow!(
                    "{}: table {table} ({}) has no stream; create-resources makes the template's tables with theirs",
                    function.logical_id,
                    mapping.table
                )
            })?;
        tracing::info!(
            "{} consumes the stream of {} (table {table}): batches of up to {}, {} filter(s)",
            function.logical_id,
            mapping.table,
            mapping.batch_size,
            mapping.filters.len()
        );
        let consumer = Arc::new(Consumer {
            function: local.clone(),
            function_arn: format!(
                "arn:aws:lambda:{}:{LOCAL_ACCOUNT}:function:{}",
                clients.region, function.logical_id
            ),
            mapping: mapping.clone(),
            streams: clients.streams.clone(),
            stream_arn,
            region: clients.region.clone(),
            destination: mapping
                .on_failure
                .clone()
                .map(|queue_arn| failure::Destination {
                    sqs: clients.sqs.clone(),
                    queue_arn,
                }),
        });
        tasks.push(tokio::spawn(follow(consumer)));
    }
    Ok(tasks)
}

/// Reads every shard of the stream, a child shard only once its parent is read to its end
/// (so that an item's changes stay in order across shards), as Lambda does.
async fn follow(consumer: Arc<Consumer>) {
    let mut started = HashSet::new();
    let mut finished = HashSet::new();
    let mut shards = JoinSet::new();
    let mut first_look = true;
    loop {
        match describe(&consumer).await {
            Ok(described) => {
                let known: HashSet<&String> = described.iter().map(|(id, _)| id).collect();
                for (id, parent) in &described {
                    let parent_unread = parent
                        .as_ref()
                        .is_some_and(|p| known.contains(p) && !finished.contains(p));
                    if started.contains(id) || parent_unread {
                        continue;
                    }
                    // LATEST applies to the shards open when the mapping starts; a shard
                    // that appears later is read from its beginning.
                    let start = match (first_look, consumer.mapping.starting_position) {
                        (true, StartingPosition::Latest) => ShardIteratorType::Latest,
                        _ => ShardIteratorType::TrimHorizon,
                    };
                    started.insert(id.clone());
                    let (consumer, id) = (consumer.clone(), id.clone());
                    shards.spawn(async move {
                        shard::poll(consumer, id.clone(), start).await;
                        id
                    });
                }
                first_look = false;
            }
            Err(error) => tracing::warn!(stream = %consumer.stream_arn, "{error:#}"),
        }
        match shards.join_next().await {
            Some(Ok(id)) => {
                finished.insert(id);
            }
            Some(Err(_)) => {}
            None => tokio::time::sleep(DESCRIBE_PAUSE).await,
        }
    }
}

/// The stream's shards, as (id, parent id).
async fn describe(consumer: &Consumer) -> Result<Vec<(String, Option<String>)>> {
    let mut shards = Vec::new();
    let mut after = None;
    loop {
        let page = consumer
            .streams
            .describe_stream()
            .stream_arn(&consumer.stream_arn)
            .set_exclusive_start_shard_id(after)
            .send()
            .await
            .with_context(|| format!("describing stream {}", consumer.stream_arn))?;
        let description = page
            .stream_description
            .ok_or_else(|| anyhow!("DescribeStream gave no description"))?;
        shards.extend(
            description
                .shards
                .unwrap_or_default()
                .into_iter()
                .filter_map(|s| Some((s.shard_id?, s.parent_shard_id))),
        );
        after = description.last_evaluated_shard_id;
        if after.is_none() {
            return Ok(shards);
        }
    }
}
