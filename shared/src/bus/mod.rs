//! The event bus adapter: change events put on an EventBridge bus, 10 to a `PutEvents` (its
//! limit), each as its CloudEvent (`detail`) with its type as `detail-type`. Subscribers
//! receive an event at least once: a batch retried after a partial failure puts again what
//! already went through, and they deduplicate by the CloudEvent's `id`.

use crate::api::CloudEventView;
use crate::domain::ChangeEvent;
use crate::support::clients::{boxed, LazyClient};
use crate::use_cases::ports::{EventBus, Undelivered};
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

/// `PutEvents`' limit of entries per call.
const BATCH: usize = 10;

#[derive(Debug, Clone)]
pub struct EventBridgeBus {
    client: LazyClient<Client>,
    bus: String,
}

impl EventBridgeBus {
    /// `bus`: its name or ARN.
    pub fn new(client: LazyClient<Client>, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }

    fn entry(&self, event: &ChangeEvent) -> Result<PutEventsRequestEntry, String> {
        let detail = serde_json::to_string(&CloudEventView::from(event))
            .map_err(|_| "an event could not be rendered".to_owned())?;
        let millis = event.time.unix_timestamp_nanos() / 1_000_000;
        Ok(PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(&event.source)
            .detail_type(event.kind.name())
            .detail(detail)
            .time(DateTime::from_millis(millis as i64))
            .build())
    }
}

impl EventBus for EventBridgeBus {
    async fn publish(&self, events: &[ChangeEvent]) -> Result<(), Undelivered> {
        for (chunk, batch) in events.chunks(BATCH).enumerate() {
            let start = chunk * BATCH;
            let failed = |offset: usize, reason: String| Undelivered {
                first: start + offset,
                reason,
            };
            let entries = batch
                .iter()
                .map(|event| self.entry(event))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|reason| failed(0, reason))?;
            let output = boxed(
                self.client
                    .get()
                    .put_events()
                    .set_entries(Some(entries))
                    .send(),
            )
            .await
            .map_err(|error| failed(0, sdk_reason(&error)))?;
            if output.failed_entry_count() > 0 {
                // Entries answer in request order; the first that failed is where to resume.
                let (offset, code) = output
                    .entries()
                    .iter()
                    .enumerate()
                    .find_map(|(i, entry)| Some((i, entry.error_code()?.to_owned())))
                    .unwrap_or((0, "unknown".to_owned()));
                return Err(failed(
                    offset,
                    format!("PutEvents refused an entry: {code}"),
                ));
            }
        }
        Ok(())
    }
}

/// The SDK error's kind and code, never its message.
fn sdk_reason<E, R>(error: &aws_sdk_eventbridge::error::SdkError<E, R>) -> String
where
    E: aws_sdk_eventbridge::error::ProvideErrorMetadata,
{
    use aws_sdk_eventbridge::error::SdkError;
    match error {
        SdkError::DispatchFailure(_) => "EventBridge unreachable".into(),
        SdkError::TimeoutError(_) => "EventBridge timed out".into(),
        SdkError::ServiceError(service) => format!(
            "EventBridge refused: {}",
            service.err().code().unwrap_or("Unknown")
        ),
        _ => "EventBridge call failed".into(),
    }
}
