//! What `Idempotency-Key` costs a create: the read of the key's record before the write (it
//! finds none: each keyed request here is a first one) and the record's `Put` in the write's
//! own transaction, sized by the Developer Guide's rules like every capacity figure.

use crate::capacity::{self, Transaction};
use crate::events::Events;
use crate::measure::Bench;
use crate::process::Binary;
use crate::report::{Goal, Report, Row};
use anyhow::{Context, Result};

/// The record's read, then the write with the record in it.
const KEYED_CREATE_CALLS: &[(&str, usize)] =
    &[("DynamoDB.GetItem", 1), ("DynamoDB.TransactWriteItems", 1)];

/// A record of a customer like the bench's (about 1.5 KB of response) is under 2 KB: 4 WRU.
const RECORD_WRU: f64 = 4.0;

pub async fn capacity(
    bench: &Bench,
    create: &Binary,
    events: &Events,
    report: &mut Report,
) -> Result<()> {
    bench
        .single_run(create, &events.create_keyed, 201, KEYED_CREATE_CALLS)
        .await?;
    let request = bench.aws.last_dynamodb("TransactWriteItems")?;
    let transaction = Transaction::of(&request)?;
    let record = request["TransactItems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["Put"]["Item"].as_object())
        .find(|item| item["sk"]["S"] == "IDEMPOTENCY")
        .context("the keyed create's transaction has no idempotency record")?;
    let record_size = capacity::item_size(record)?;
    let record_wru = 2 * record_size.div_ceil(1024);
    let total = transaction.write_units();
    report.push(Row::value(
        format!(
            "WRU per create with a key ({} items; the record {record_size} B, {record_wru} WRU of it)",
            transaction.items.len()
        ),
        total as f64,
        "WRU",
        Goal::AtMost((total - record_wru) as f64 + RECORD_WRU),
    ));

    let read = capacity::get_item_units(&bench.aws.exchanges("GetItem"))?;
    report.push(Row::value(
        "RRU per create with a key (its record read, strongly consistent, none found)",
        read,
        "RRU",
        Goal::AtMost(1.0),
    ));
    Ok(())
}
