//! The event publisher's wiring: a DynamoDB stream batch in (through the event source mapping,
//! which filters out what is no change of a customer or group), its events kept and put on the
//! bus, and the first record that did not get through reported back, so that the stream
//! retries from there and not from the batch's start (`ReportBatchItemFailures`).

use super::config::{aws_sdk_config, ConfigError, Settings};
use super::dynamodb;
use crate::bus::EventBridgeBus;
use crate::http::init_tracing;
use crate::store::items::read_change;
use crate::store::DynamoEvents;
use crate::support::clients::LazyClient;
use crate::use_cases::publishing::{Published, Publisher, StreamedChange};
use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};

pub type EventPublisher = Publisher<DynamoEvents, EventBridgeBus>;

/// The publisher function's `main`: configured once per cold start, then one batch per
/// invocation until the runtime stops it.
pub async fn serve_publisher() -> Result<(), lambda_http::Error> {
    init_tracing();
    let sdk = aws_sdk_config()?;
    let publisher: &'static EventPublisher =
        Box::leak(Box::new(publisher(&Settings::load()?, &sdk)?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        publish(publisher, event.payload).await
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
pub async fn publish(
    publisher: &EventPublisher,
    event: Event,
) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    let records = event.records.len();
    let batch = event.records.into_iter().map(streamed).collect();
    let Published {
        events,
        retry_from,
        first_unreadable,
    } = publisher.publish(batch).await;
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
