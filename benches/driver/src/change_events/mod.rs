//! The change events' figures (issue 24): what one stream record costs the publisher, and what
//! an event item costs DynamoDB, on a stream batch of real items. The publisher's cold start is
//! measured with the other functions' (crate::cold), on the same batch; `GET /events` is a
//! per-request case (crate::per_request), its pages made of an event item the publisher wrote.

mod stream;

use crate::capacity::{item_size, read_units, Put};
use crate::events::Events;
use crate::measure::{Bench, Workload};
use crate::per_request::Functions;
use crate::process::Binary;
use crate::report::{Goal, Report, Row};
use anyhow::{bail, Context, Result};
use axum::body::Bytes;
use serde_json::Value;
use std::collections::BTreeMap;

pub const PUBLISHER: &str = "publish-events";
/// A batch as large as the template's `BatchSize` lets Lambda deliver.
const RECORDS: usize = 100;
/// A batch's 100 events: 25 to a `BatchWriteItem`, 10 to a `PutEvents`.
pub const BATCH_CALLS: &[(&str, usize)] = &[
    ("DynamoDB.BatchWriteItem", 4),
    ("EventBridge.PutEvents", 10),
];
/// A page of events: a query of each of the index's 8 shards.
pub const EVENTS_PAGE_CALLS: &[(&str, usize)] = &[("DynamoDB.Query", 8)];
/// The patch that makes the updated image: it reads the customer, then writes it.
const PATCH_CALLS: &[(&str, usize)] =
    &[("DynamoDB.GetItem", 1), ("DynamoDB.TransactWriteItems", 1)];
/// What the batch is called in the rows and profiles.
pub const BATCH: &str = "a stream batch of 100 records";

/// The publisher's workload: the batch, every record published.
fn workload(events: &Events) -> Workload<'_> {
    Workload {
        event: &events.stream_batch,
        status: 200,
        calls_per_request: BATCH_CALLS,
    }
}

/// Builds the stream batch from what a create and a patch really wrote, and has the stub list
/// copies of an event item the publisher really wrote.
pub async fn prepare(
    bench: &Bench,
    f: &Functions<'_>,
    publisher: &Binary,
    events: &mut Events,
) -> Result<()> {
    let created = crate::lifecycle::hold_a_customer(bench, f.create, events).await?;
    bench
        .single_run(f.update, &events.patch_plain, 200, PATCH_CALLS)
        .await?;
    let updated = bench.aws.last_dynamodb("TransactWriteItems")?["TransactItems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| &entry["Put"]["Item"])
        .find(|item| item["sk"]["S"] == "PROFILE")
        .cloned()
        .context("the patch wrote no customer item")?;
    let table = publisher
        .environment
        .get("TABLE_NAME")
        .context("the publisher has no TABLE_NAME")?;
    let batch = stream::batch(&created, &updated, RECORDS, table)?;
    events.stream_batch = Bytes::from(batch.to_string());
    let written = publish_once(bench, publisher, events).await?;
    let (_, event) = written.first().context("the publisher wrote no event")?;
    bench.aws.answer_event_pages_with(event.clone());
    Ok(())
}

/// One batch through a fresh publisher: every record an event, kept and put on the bus. The
/// event items it wrote, with their tables.
async fn publish_once(
    bench: &Bench,
    publisher: &Binary,
    events: &Events,
) -> Result<Vec<(String, Value)>> {
    let workload = workload(events);
    bench
        .single_run(publisher, workload.event, workload.status, BATCH_CALLS)
        .await?;
    let mut written = Vec::new();
    for (request, _) in bench.aws.exchanges("BatchWriteItem") {
        for (table, writes) in request["RequestItems"].as_object().into_iter().flatten() {
            for write in writes.as_array().into_iter().flatten() {
                written.push((table.clone(), write["PutRequest"]["Item"].clone()));
            }
        }
    }
    let put = bench.aws.events_put();
    if written.len() != RECORDS || put != RECORDS as u64 {
        bail!(
            "{RECORDS} records: {} events kept and {put} put on the bus",
            written.len()
        );
    }
    Ok(written)
}

/// Instructions per stream record: callgrind, as for a request (crate::measure), on whole
/// batches, divided by the records of one.
pub async fn instructions(
    bench: &Bench,
    publisher: &Binary,
    events: &Events,
    report: &mut Report,
) -> Result<()> {
    let per_batch = bench
        .instructions_per_request(publisher, BATCH, &workload(events), 3, 30)
        .await?;
    report.push(Row::value(
        format!(
            "instructions per stream record, {PUBLISHER} (batches of {RECORDS}, {} KB: {} created, {} updated)",
            events.stream_batch.len() / 1000,
            RECORDS / 2,
            RECORDS / 2
        ),
        per_batch / RECORDS as f64,
        "instr",
        Goal::Report,
    ));
    Ok(())
}

/// WRU of the event items one batch wrote, sized with the events table's index by the stub's
/// rules (crate::capacity::Tables): the largest item of each event type, and the batch.
pub async fn capacity(
    bench: &Bench,
    publisher: &Binary,
    events: &Events,
    report: &mut Report,
) -> Result<()> {
    let written = publish_once(bench, publisher, events).await?;
    let mut largest: BTreeMap<String, Put> = BTreeMap::new();
    let mut total = 0;
    for (table, item) in &written {
        let put = bench
            .aws
            .tables()
            .put(table, item.as_object().context("an event item")?)?;
        total += put.units();
        let kind = item["type"]["S"].as_str().unwrap_or("unknown").to_owned();
        if largest.get(&kind).is_none_or(|known| known.size < put.size) {
            largest.insert(kind, put);
        }
    }
    for (kind, put) in largest {
        let indexes: String = put
            .indexes
            .iter()
            .map(|(index, units)| format!(" + {index} {units}"))
            .collect();
        report.push(Row::value(
            format!(
                "WRU per event item, {kind} ({} B: table {}{indexes})",
                put.size, put.table
            ),
            put.units() as f64,
            "WRU",
            // An event is small: one unit wherever it is written.
            Goal::AtMost((1 + put.indexes.len()) as f64),
        ));
    }
    report.push(Row::value(
        format!(
            "WRU per stream batch of {RECORDS} records ({} event items)",
            written.len()
        ),
        total as f64,
        "WRU",
        Goal::Report,
    ));
    Ok(())
}

/// RRU of a page of `GET /events`: 8 shard queries of the index, which holds whole events.
pub async fn page_capacity(
    bench: &Bench,
    list_events: &Binary,
    events: &Events,
    report: &mut Report,
) -> Result<()> {
    bench
        .single_run(list_events, &events.list_events, 200, EVENTS_PAGE_CALLS)
        .await?;
    let mut read = 0.0;
    let mut listed = 0;
    for (request, answer) in bench.aws.exchanges("Query") {
        let consistent = request["ConsistentRead"].as_bool().unwrap_or(false);
        let items = answer["Items"].as_array().context("a page of events")?;
        let size = items
            .iter()
            .map(|item| item_size(item.as_object().context("an event item")?))
            .sum::<Result<usize>>()?;
        // DynamoDB rounds a query's whole read, not each item.
        read += read_units(size, consistent);
        listed += items.len();
    }
    report.push(Row::value(
        format!("RRU per GET /events page of 20 (8 shard queries, {listed} events read)"),
        read,
        "RRU",
        Goal::Report,
    ));
    Ok(())
}
