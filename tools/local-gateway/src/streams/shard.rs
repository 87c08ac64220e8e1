//! One shard, read as Lambda's event source mapping reads it: polled about four times a
//! second, its records filtered, gathered into batches (up to the batch size, or for as long
//! as the batching window allows), each batch delivered before the next one starts, so a
//! shard's records reach the function in order.

use super::delivery::{deliver, Discarded};
use super::failure::{self, Destination, Origin};
use super::mapping::EventSourceMapping;
use super::record::{lambda_record, StreamRecord};
use crate::runtime::LocalFunction;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Lambda polls a shard four times a second: a change reaches the function within the
/// batching window and a quarter of a second.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// After the stream cannot be read (the server is down): how long until the next try.
const ERROR_PAUSE: Duration = Duration::from_secs(1);
/// GetRecords' own maximum.
const PAGE: i32 = 1000;

/// What every shard of one mapping shares.
pub struct Consumer {
    pub function: Arc<LocalFunction>,
    pub function_arn: String,
    pub mapping: EventSourceMapping,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub stream_arn: String,
    pub region: String,
    pub destination: Option<Destination>,
}

/// Records read and admitted by the filters, waiting for their batch.
pub struct Gathered {
    records: VecDeque<(Instant, StreamRecord)>,
    batch_size: usize,
    window: Duration,
}

impl Gathered {
    pub fn new(batch_size: usize, window: Duration) -> Self {
        Self {
            records: VecDeque::new(),
            batch_size,
            window,
        }
    }

    pub fn push(&mut self, record: StreamRecord, read_at: Instant) {
        self.records.push_back((read_at, record));
    }

    /// The next batch, when there is one to invoke with at `now`: a full one, or whatever
    /// the oldest record has waited the window for; `flush` (the shard ended) takes the rest.
    pub fn take(&mut self, now: Instant, flush: bool) -> Option<Vec<StreamRecord>> {
        let (oldest, _) = self.records.front()?;
        let waited = now.saturating_duration_since(*oldest) >= self.window;
        if self.records.len() < self.batch_size && !waited && !flush {
            return None;
        }
        let size = self.records.len().min(self.batch_size);
        Some(self.records.drain(..size).map(|(_, r)| r).collect())
    }
}

enum Position {
    Start(ShardIteratorType),
    After(String),
}

/// Reads `shard_id` from `start` until it ends (a closed shard) or the task is aborted.
pub async fn poll(consumer: Arc<Consumer>, shard_id: String, start: ShardIteratorType) {
    let mapping = &consumer.mapping;
    let mut gathered = Gathered::new(mapping.batch_size, mapping.batching_window);
    let mut position = Position::Start(start);
    let mut iterator: Option<String> = None;
    let mut failing = false;
    loop {
        let current = match iterator.take() {
            Some(current) => Ok(current),
            None => shard_iterator(&consumer, &shard_id, &position).await,
        };
        let page = match current {
            Ok(current) => consumer
                .streams
                .get_records()
                .shard_iterator(current)
                .limit(PAGE)
                .send()
                .await
                .map_err(anyhow::Error::new),
            Err(error) => Err(error),
        };
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                if !failing {
                    tracing::warn!(shard = %shard_id, "cannot read the stream, retrying: {error:#}");
                }
                failing = true;
                tokio::time::sleep(ERROR_PAUSE).await;
                continue;
            }
        };
        failing = false;
        let records = page.records.unwrap_or_default();
        let now = Instant::now();
        for record in &records {
            let record = match lambda_record(record, &consumer.stream_arn, &consumer.region) {
                Ok(record) => record,
                Err(error) => {
                    tracing::error!(shard = %shard_id, "stopped reading the shard: {error:#}");
                    return;
                }
            };
            position = Position::After(record.sequence_number.clone());
            if mapping.filters.admit(&record.json) {
                gathered.push(record, now);
            }
        }
        iterator = page.next_shard_iterator;
        let ended = iterator.is_none();
        while let Some(batch) = gathered.take(Instant::now(), ended) {
            for discarded in deliver(consumer.function.as_ref(), &mapping.policy, batch).await {
                report(&consumer, &shard_id, &discarded).await;
            }
        }
        if ended {
            return;
        }
        if records.len() < PAGE as usize {
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

async fn shard_iterator(
    consumer: &Consumer,
    shard_id: &str,
    position: &Position,
) -> anyhow::Result<String> {
    let request = consumer
        .streams
        .get_shard_iterator()
        .stream_arn(&consumer.stream_arn)
        .shard_id(shard_id);
    let request = match position {
        Position::Start(kind) => request.shard_iterator_type(kind.clone()),
        Position::After(sequence) => request
            .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
            .sequence_number(sequence),
    };
    let answer = request.send().await?;
    answer
        .shard_iterator
        .ok_or_else(|| anyhow::anyhow!("GetShardIterator gave no iterator"))
}

/// Tells the on-failure destination (and the log) of records given up.
async fn report(consumer: &Consumer, shard_id: &str, discarded: &Discarded) {
    let origin = Origin {
        function_arn: consumer.function_arn.clone(),
        shard_id: shard_id.to_owned(),
        stream_arn: consumer.stream_arn.clone(),
    };
    let record = failure::record(discarded, &origin);
    let sent = match &consumer.destination {
        Some(destination) => match destination.send(&record).await {
            Ok(true) => format!("sent to {}", destination.queue_arn),
            Ok(false) => format!("{} does not exist locally", destination.queue_arn),
            Err(error) => format!("not sent: {error:#}"),
        },
        None => "no on-failure destination".to_owned(),
    };
    tracing::warn!(
        function = %consumer.function_arn,
        records = discarded.records.len(),
        destination = %sent,
        "gave up stream records: {record}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(seq: u32) -> StreamRecord {
        StreamRecord {
            sequence_number: seq.to_string(),
            created: 0,
            json: json!({}),
        }
    }

    fn numbers(batch: Option<Vec<StreamRecord>>) -> Vec<String> {
        batch
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.sequence_number)
            .collect()
    }

    #[test]
    fn a_full_batch_goes_at_once_and_the_rest_waits_for_the_window() {
        let start = Instant::now();
        let mut gathered = Gathered::new(2, Duration::from_secs(1));
        for seq in 1..=3 {
            gathered.push(record(seq), start);
        }
        assert_eq!(numbers(gathered.take(start, false)), ["1", "2"]);
        assert!(gathered.take(start, false).is_none());
        assert!(gathered
            .take(start + Duration::from_millis(999), false)
            .is_none());
        assert_eq!(
            numbers(gathered.take(start + Duration::from_secs(1), false)),
            ["3"]
        );
        assert!(gathered
            .take(start + Duration::from_secs(5), false)
            .is_none());
    }

    #[test]
    fn the_window_runs_from_the_oldest_waiting_record() {
        let start = Instant::now();
        let mut gathered = Gathered::new(10, Duration::from_secs(1));
        gathered.push(record(1), start);
        gathered.push(record(2), start + Duration::from_millis(900));
        assert_eq!(
            numbers(gathered.take(start + Duration::from_secs(1), false)),
            ["1", "2"]
        );
    }

    #[test]
    fn without_a_window_records_go_as_soon_as_they_are_read() {
        let start = Instant::now();
        let mut gathered = Gathered::new(100, Duration::ZERO);
        gathered.push(record(1), start);
        assert_eq!(numbers(gathered.take(start, false)), ["1"]);
    }

    #[test]
    fn an_ended_shard_flushes_what_waits() {
        let start = Instant::now();
        let mut gathered = Gathered::new(2, Duration::from_secs(60));
        for seq in 1..=3 {
            gathered.push(record(seq), start);
        }
        assert_eq!(numbers(gathered.take(start, true)), ["1", "2"]);
        assert_eq!(numbers(gathered.take(start, true)), ["3"]);
        assert!(gathered.take(start, true).is_none());
    }
}
