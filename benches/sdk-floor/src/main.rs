//! The bench's second baseline: the SDK floor of one of our functions. It starts as our
//! functions do (the same SDK configuration, HTTPS client and DynamoDB client, built at init;
//! like them it reads no secret and calls nothing at init), and for each request it makes the
//! DynamoDB calls that function made for the same request — the very requests, captured by the
//! bench — and answers with a fixed body of the function's response size. What a function
//! costs above its floor is our code: parsing, validation, item conversion, auth, logging, the
//! response. (The S3 and KMS clients of create and update are built on a document's first use:
//! no floor has a document request.)

mod plan;

use aws_sdk_dynamodb::Client;
use lambda_http::{run, service_fn, tracing, Body, Request, Response};
use plan::{Call, Error, Plan};
use std::sync::OnceLock;

struct Floor {
    dynamodb: Client,
    /// Rebuilt on the first request rather than at init: parsing the plan is the bench's
    /// work, and at init it would lengthen the floor's cold start, flattering ours. The bench
    /// takes its instructions out of the floor's first request (`SDK_FLOOR_PARSE_ONLY`).
    plan: OnceLock<Plan>,
}

/// The runtime the functions use (one request at a time: no worker threads to wake).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // What parsing the plan costs, for the bench to take out: only that, then exit.
    if std::env::var_os("SDK_FLOOR_PARSE_ONLY").is_some() {
        std::hint::black_box(read_plan()?);
        return Ok(());
    }
    tracing::init_default_subscriber();
    let sdk = shared::lambda::config::aws_sdk_config()?;
    let floor: &'static Floor = Box::leak(Box::new(Floor {
        dynamodb: Client::from_conf(aws_sdk_dynamodb::Config::from(&sdk)),
        plan: OnceLock::new(),
    }));
    run(service_fn(|request| floor.answer(request))).await
}

fn read_plan() -> Result<Plan, Error> {
    let path = std::env::var("SDK_FLOOR_PLAN").map_err(|_| "SDK_FLOOR_PLAN is not set")?;
    Plan::parse(&std::fs::read_to_string(path)?)
}

impl Floor {
    async fn answer(&self, request: Request) -> Result<Response<Body>, Error> {
        std::hint::black_box(request.body().as_ref());
        let plan = self.plan()?;
        // Queries in a row went out together (a page's shard queries): so do they here.
        for group in plan.calls.chunk_by(|a, b| a.is_query() && b.is_query()) {
            futures_util::future::try_join_all(group.iter().map(|call| self.send(call))).await?;
        }
        Ok(Response::builder()
            .status(plan.status)
            .header("content-type", "application/json")
            .body(Body::Text(plan.body.clone()))?)
    }

    fn plan(&self) -> Result<&Plan, Error> {
        if let Some(plan) = self.plan.get() {
            return Ok(plan);
        }
        let plan = read_plan()?;
        Ok(self.plan.get_or_init(|| plan))
    }

    /// One call, built from the plan's parts as our store builds it from its own: cloned
    /// into the SDK's builder for each request.
    async fn send(&self, call: &Call) -> Result<(), Error> {
        let client = &self.dynamodb;
        match call {
            Call::GetItem {
                table,
                key,
                consistent,
                capacity,
            } => {
                client
                    .get_item()
                    .table_name(table)
                    .set_key(Some(key.clone()))
                    .set_consistent_read(*consistent)
                    .set_return_consumed_capacity(capacity.clone())
                    .send()
                    .await?;
            }
            Call::TransactWriteItems { items, capacity } => {
                client
                    .transact_write_items()
                    .set_transact_items(Some(items.clone()))
                    .set_return_consumed_capacity(capacity.clone())
                    .send()
                    .await?;
            }
            Call::Query {
                table,
                index,
                condition,
                names,
                values,
                forward,
                limit,
                start,
                capacity,
            } => {
                client
                    .query()
                    .table_name(table)
                    .set_index_name(index.clone())
                    .set_key_condition_expression(condition.clone())
                    .set_expression_attribute_names(names.clone())
                    .set_expression_attribute_values(values.clone())
                    .set_scan_index_forward(*forward)
                    .set_limit(*limit)
                    .set_exclusive_start_key(start.clone())
                    .set_return_consumed_capacity(capacity.clone())
                    .send()
                    .await?;
            }
            Call::BatchGetItem { requests, capacity } => {
                client
                    .batch_get_item()
                    .set_request_items(Some(requests.clone()))
                    .set_return_consumed_capacity(capacity.clone())
                    .send()
                    .await?;
            }
        }
        Ok(())
    }
}
