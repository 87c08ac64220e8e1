//! The event publisher's wiring: a DynamoDB stream batch in (through the event source mapping,
//! which filters out what is no change of a customer or group), its events kept and put on the
//! bus, and the first record that did not get through reported back, so that the stream
//! retries from there and not from the batch's start (`ReportBatchItemFailures`).

use super::config::{aws_sdk_config, ConfigError, Settings};
use super::{dynamodb, init_telemetry, invocation_span};
use crate::bus::EventBridgeBus;
use crate::store::items::read_change;
use crate::store::DynamoEvents;
use crate::support::clients::LazyClient;
use crate::support::{metrics, spans, usage};
use crate::use_cases::publishing::{Published, Publisher, StreamedChange};
use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use std::time::Instant;
use tracing::Instrument;

pub type EventPublisher = Publisher<DynamoEvents, EventBridgeBus>;

/// The publisher function's `main`: configured once per cold start, then one batch per
/// invocation until the runtime stops it.
pub async fn serve_publisher() -> Result<(), lambda_http::Error> {
    init_telemetry();
    let sdk = aws_sdk_config()?;
    let publisher: &'static EventPublisher =
        Box::leak(Box::new(publisher(&Settings::load()?, &sdk)?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let (span, cold_start) = invocation_span(Some(&event.context));
        publish(publisher, event.payload, cold_start).instrument(span)
    }))
    .await
}

/// The publisher as a cold start wires it: the events table and the bus its settings name.
pub fn publisher(
    settings: &Settings,
    sdk: &aws_types::SdkConfig,
) -> Result<EventPublisher, ConfigError> {
    let events = &settings.events;
    let table = events
        .table
        .clone()
        .ok_or(ConfigError::Missing("EVENTS_TABLE_NAME"))?;
    let bus = events
        .bus
        .clone()
        .ok_or(ConfigError::Missing("EVENT_BUS_NAME"))?;
    let for_bus = sdk.clone();
    let eventbridge = LazyClient::new(move || aws_sdk_eventbridge::Client::new(&for_bus));
    Ok(Publisher::new(
        DynamoEvents::new(dynamodb(sdk).connected(), table),
        EventBridgeBus::new(eventbridge.connected(), bus),
        events.source.clone(),
    ))
}

/// One batch: published in stream order; the answer names the first record to retry, if any.
/// A batch whose first record cannot be read fails as a whole, for the stream to isolate it.
/// Its metrics go to the log (`cold_start`: the execution environment's first batch).
pub async fn publish(
    publisher: &EventPublisher,
    event: Event,
    cold_start: bool,
) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    let started = Instant::now();
    let records = event.records.len();
    let positions: Vec<String> = event
        .records
        .iter()
        .map(|r| r.change.sequence_number.clone().unwrap_or_default())
        .collect();
    let batch = event.records.into_iter().map(streamed).collect();
    let span = spans::use_case("publish");
    let work = publisher.publish(batch).instrument(span.clone());
    let (published, usage) = usage::measure(work).await;
    let Published {
        events,
        retry_from,
        first_unreadable,
    } = published;
    let handed_back = match (&retry_from, first_unreadable) {
        (_, true) => records,
        (None, false) => 0,
        (Some((position, _)), false) => {
            let from = positions.iter().position(|p| p == position).unwrap_or(0);
            records - from
        }
    };
    if handed_back > 0 {
        // A record not published is a dependency's failure, or an unreadable record.
        spans::outcome(&span, 500);
    }
    let flag = |on: bool| if on { 1.0 } else { 0.0 };
    let mut metrics = metrics::Document::new(metrics::service(), metrics::PUBLISHER_ROUTE);
    metrics
        .put(metrics::LATENCY, started.elapsed().as_secs_f64() * 1e3)
        .put(metrics::COLD_START, flag(cold_start))
        .put(metrics::RECORDS, records as f64)
        .put(metrics::EVENTS_PUBLISHED, events as f64)
        .put(metrics::RECORDS_FAILED, handed_back as f64)
        .put(metrics::WRITE_CAPACITY, usage.write);
    metrics.emit();
    if first_unreadable {
        let reason = retry_from.map(|(_, reason)| reason).unwrap_or_default();
        tracing::error!(records, %reason, "the batch's first record cannot be read");
        return Err(format!("the batch's first record cannot be read: {reason}").into());
    }
    let batch_item_failures = match retry_from {
        None => {
            tracing::info!(records, events, "published");
            Vec::new()
        }
        Some((position, reason)) => {
            // Positions and reasons hold no personal value: sequence numbers, error codes.
            tracing::error!(records, events, retry_from = %position, %reason, "not all published");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(position);
            vec![failure]
        }
    };
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = batch_item_failures;
    Ok(response)
}

fn streamed(record: EventRecord) -> StreamedChange {
    let stream = record.change;
    StreamedChange {
        position: stream.sequence_number.unwrap_or_default(),
        change: read_change(
            &record.event_name,
            stream.old_image.into(),
            stream.new_image.into(),
        ),
    }
}
