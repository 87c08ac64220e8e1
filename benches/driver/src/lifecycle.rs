//! The DynamoDB capacity of the customer routes (a create with and without a document, a get,
//! `GET /customers`, `PATCH` and `DELETE /customers/{id}`), from their exact requests and the
//! stub's answers, sized by the Developer Guide's rules. The stub holds one customer, written
//! by a real create first.

use crate::capacity::{self, Transaction};
use crate::events::Events;
use crate::measure::Bench;
use crate::process::Binary;
use crate::report::{Goal, Report, Row};
use anyhow::{bail, Context, Result};
use serde_json::Value;

const PAGE_CALLS: &[(&str, usize)] = &[("DynamoDB.BatchGetItem", 1), ("DynamoDB.Query", 8)];
const LOOKUP_CALLS: &[(&str, usize)] = &[("DynamoDB.GetItem", 2)];
/// A patch or an erasure reads the customer, then writes one transaction.
const WRITE_CALLS: &[(&str, usize)] =
    &[("DynamoDB.GetItem", 1), ("DynamoDB.TransactWriteItems", 1)];

/// Writes a customer through the create function and has the stub hold that very item.
pub async fn hold_a_customer(bench: &Bench, create: &Binary, events: &Events) -> Result<Value> {
    let request = bench
        .single_call(create, &events.create, 201, "TransactWriteItems")
        .await?;
    let item = request["TransactItems"][0]["Put"]["Item"].clone();
    if !item.is_object() {
        bail!("the create's first item is not the customer");
    }
    bench.aws.answer_get_item_with(item.clone());
    Ok(item)
}

pub async fn capacity(
    bench: &Bench,
    f: &crate::per_request::Functions<'_>,
    events: &Events,
    report: &mut Report,
) -> Result<()> {
    let customer = hold_a_customer(bench, f.create, events).await?;
    let customer_size = capacity::item_size(customer.as_object().context("customer item")?)?;
    // Deletes are sized by their key (the deleted item is not in the request); every item this
    // bench deletes, the customer included, is under the 1 KB a write unit covers.
    if customer_size > 1024 {
        bail!("the bench's customer is {customer_size} B: deletes would be undercounted");
    }
    for (label, binary, event, status) in [
        (
            "patch, no unique value moved",
            f.update,
            &events.patch_plain,
            200,
        ),
        (
            "patch moving the email",
            f.update,
            &events.patch_unique,
            200,
        ),
        ("delete", f.delete, &events.delete, 204),
    ] {
        bench.single_run(binary, event, status, WRITE_CALLS).await?;
        let transaction = Transaction::of(&bench.aws.last_dynamodb("TransactWriteItems")?)?;
        let kinds: Vec<&str> = transaction.items.iter().map(|(k, _)| k.as_str()).collect();
        let items = kinds.len();
        report.push(Row::value(
            format!("WRU per {label} ({})", kinds.join(", ")),
            transaction.write_units() as f64,
            "WRU",
            Goal::AtMost(2.0 * items as f64),
        ));
    }

    bench
        .single_run(f.list, &events.list, 200, PAGE_CALLS)
        .await?;
    let mut index_read = 0.0;
    for (request, answer) in bench.aws.exchanges("Query") {
        let consistent = request["ConsistentRead"].as_bool().unwrap_or(false);
        index_read += capacity::read_units(answer_size(&answer["Items"])?, consistent);
    }
    let mut customers_read = 0.0;
    let mut customers = 0;
    for (request, answer) in bench.aws.exchanges("BatchGetItem") {
        let consistent = request["RequestItems"]
            .as_object()
            .and_then(|tables| tables.values().next())
            .and_then(|t| t["ConsistentRead"].as_bool())
            .unwrap_or(false);
        for items in answer["Responses"]
            .as_object()
            .into_iter()
            .flat_map(|t| t.values())
        {
            for item in items.as_array().into_iter().flatten() {
                let size = capacity::item_size(item.as_object().context("item")?)?;
                customers_read += capacity::read_units(size, consistent);
                customers += 1;
            }
        }
    }
    report.push(Row::value(
        format!("RRU per list page of {customers} (8 index queries {index_read} + reads {customers_read})"),
        index_read + customers_read,
        "RRU",
        Goal::Report,
    ));

    bench
        .single_run(f.list, &events.lookup, 200, LOOKUP_CALLS)
        .await?;
    let lookup = capacity::get_item_units(&bench.aws.exchanges("GetItem"))?;
    report.push(Row::value(
        "RRU per lookup (a claim, then its customer, strongly consistent)",
        lookup,
        "RRU",
        Goal::AtMost(2.0),
    ));
    Ok(())
}

/// WRU of the create transactions and RRU of a get, from the items the functions sent.
pub async fn create_and_get_capacity(
    bench: &Bench,
    create: &Binary,
    get: &Binary,
    events: &Events,
    report: &mut Report,
) -> Result<()> {
    let mut customer_item = None;
    for (label, event, status) in [
        ("create", &events.create, 201),
        ("create with document", &events.create_with_images, 201),
    ] {
        let request = bench
            .single_call(create, event, status, "TransactWriteItems")
            .await?;
        let transaction = capacity::Transaction::of(&request)?;
        if transaction.items.iter().any(|(kind, _)| kind != "Put") {
            bail!(
                "{label}: the transaction has items other than Put: {:?}",
                transaction.items
            );
        }
        let items = transaction.items.len();
        report.push(Row::value(
            format!(
                "WRU per {label} ({items} items, largest {} B)",
                transaction.largest_item()
            ),
            transaction.write_units() as f64,
            "WRU",
            Goal::AtMost(2.0 * items as f64),
        ));
        customer_item.get_or_insert(request["TransactItems"][0]["Put"]["Item"].clone());
    }
    let customer_item = customer_item.context("no customer item was written")?;
    let size = capacity::item_size(customer_item.as_object().context("customer item")?)?;
    bench.aws.answer_get_item_with(customer_item);
    let request = bench.single_call(get, &events.get, 200, "GetItem").await?;
    let consistent = request["ConsistentRead"].as_bool().unwrap_or(false);
    report.push(Row::value(
        format!(
            "RRU per get ({size} B item, {} read)",
            if consistent {
                "strongly consistent"
            } else {
                "eventually consistent"
            }
        ),
        capacity::read_units(size, consistent),
        "RRU",
        Goal::AtMost(1.0),
    ));
    Ok(())
}

/// The summed size of a Query's items: DynamoDB rounds a query's whole read, not each item.
fn answer_size(items: &Value) -> Result<usize> {
    items
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| capacity::item_size(item.as_object().context("index entry")?))
        .sum()
}
