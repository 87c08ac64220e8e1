//! One batch of a shard through the function, as Lambda's event source mapping carries it:
//! retried until it is done, split on function errors when asked to, given up after the
//! retries the mapping allows. What is done stays done (the checkpoint): a retry starts at
//! the first record not done, and the records stay in order.

use super::record::{event, StreamRecord};
use crate::runtime::{LocalFunction, Outcome};
use axum::body::Bytes;
use serde_json::Value;
use std::collections::VecDeque;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What delivers an event to the function and says how it went: the local Lambda service,
/// or a fake in tests.
pub trait Invoke {
    fn invoke(&self, event: Bytes) -> impl Future<Output = Outcome> + Send;
}

impl Invoke for LocalFunction {
    fn invoke(&self, event: Bytes) -> impl Future<Output = Outcome> + Send {
        LocalFunction::invoke(self, event)
    }
}

/// The mapping's error handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `FunctionResponseTypes: [ReportBatchItemFailures]`: the response names the records
    /// that failed.
    pub report_item_failures: bool,
    /// `BisectBatchOnFunctionError`.
    pub bisect_on_error: bool,
    /// `MaximumRetryAttempts`; `None` (-1) retries until the records expire.
    pub max_retries: Option<u32>,
    /// `MaximumRecordAgeInSeconds`; `None` (-1) keeps records as long as the stream does.
    pub max_record_age: Option<Duration>,
    /// Between a failed invocation and its retry: Lambda's own pause is not documented, and
    /// none at all would spin on a function that fails at once.
    pub retry_pause: Duration,
}

/// Why records were given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    RetryAttemptsExhausted,
    RecordAgeExceeded,
}

impl Condition {
    /// As Lambda writes it in an on-failure record.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RetryAttemptsExhausted => "RetryAttemptsExhausted",
            Self::RecordAgeExceeded => "RecordAgeExceeded",
        }
    }
}

/// Records given up, in order: what an on-failure destination is told of.
#[derive(Debug, Clone, PartialEq)]
pub struct Discarded {
    pub records: Vec<StreamRecord>,
    pub condition: Condition,
    /// Invocations with these records (0 when they expired before any).
    pub invocations: u32,
    /// The last invocation failed as a whole (an error, a crash, a timeout, a response that
    /// cannot be read), rather than naming failed records.
    pub function_error: bool,
}

/// Part of the batch still to be done, and how many times it has been retried.
struct Pending {
    records: Vec<StreamRecord>,
    retries: u32,
    invocations: u32,
}

/// How one invocation went.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Done,
    /// The records before this index are done; the rest failed.
    FailedFrom(usize),
    /// Nothing is done.
    Failed,
}

/// Delivers `batch` (one shard's records, in order) until every record is done or given up;
/// returns those given up. Splitting a batch does not consume a retry, as in Lambda.
pub async fn deliver(
    function: &impl Invoke,
    policy: &Policy,
    batch: Vec<StreamRecord>,
) -> Vec<Discarded> {
    let mut discarded = Vec::new();
    let mut queue = VecDeque::from([Pending {
        records: batch,
        retries: 0,
        invocations: 0,
    }]);
    while let Some(mut pending) = queue.pop_front() {
        if let Some(expired) = expire(policy, &mut pending) {
            discarded.push(expired);
        }
        if pending.records.is_empty() {
            continue;
        }
        let outcome = function
            .invoke(Bytes::from(event(&pending.records).to_string()))
            .await;
        pending.invocations += 1;
        let (rest, function_error) = match judge(policy, &pending.records, outcome) {
            Verdict::Done => continue,
            Verdict::FailedFrom(index) => {
                pending.records.drain(..index);
                (pending, false)
            }
            Verdict::Failed if policy.bisect_on_error && pending.records.len() > 1 => {
                let second = pending.records.split_off(pending.records.len() / 2);
                queue.push_front(Pending {
                    records: second,
                    ..pending
                });
                queue.push_front(pending);
                continue;
            }
            Verdict::Failed => (pending, true),
        };
        let retries = rest.retries + 1;
        if policy.max_retries.is_some_and(|max| retries > max) {
            discarded.push(Discarded {
                records: rest.records,
                condition: Condition::RetryAttemptsExhausted,
                invocations: rest.invocations,
                function_error,
            });
            continue;
        }
        queue.push_front(Pending { retries, ..rest });
        tokio::time::sleep(policy.retry_pause).await;
    }
    discarded
}

/// Takes the records older than the mapping keeps (the oldest come first) out of `pending`.
fn expire(policy: &Policy, pending: &mut Pending) -> Option<Discarded> {
    let max_age = policy.max_record_age?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let oldest_kept = now - max_age.as_secs() as i64;
    let expired = pending
        .records
        .iter()
        .take_while(|record| record.created < oldest_kept)
        .count();
    (expired > 0).then(|| Discarded {
        records: pending.records.drain(..expired).collect(),
        condition: Condition::RecordAgeExceeded,
        invocations: pending.invocations,
        function_error: false,
    })
}

/// Reads the function's answer as Lambda does. With `ReportBatchItemFailures`, an empty or
/// null response or list means all done; the failed record with the lowest sequence number
/// is where the retry starts; a response that cannot be read, or that names a record not in
/// the batch, fails the whole batch.
fn judge(policy: &Policy, records: &[StreamRecord], outcome: Outcome) -> Verdict {
    let body = match outcome {
        Outcome::Response(body) => body,
        Outcome::Error(_) | Outcome::TimedOut => return Verdict::Failed,
    };
    if !policy.report_item_failures || body.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Done;
    }
    let failures = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Null) => return Verdict::Done,
        Ok(Value::Object(response)) => match response.get("batchItemFailures") {
            None | Some(Value::Null) => return Verdict::Done,
            Some(Value::Array(failures)) => failures.clone(),
            Some(_) => return Verdict::Failed,
        },
        _ => return Verdict::Failed,
    };
    let mut first = None::<usize>;
    for failure in &failures {
        let identifier = failure.get("itemIdentifier").and_then(Value::as_str);
        let index = identifier.and_then(|id| records.iter().position(|r| r.sequence_number == id));
        let Some(index) = index else {
            return Verdict::Failed;
        };
        first = Some(first.map_or(index, |first| first.min(index)));
    }
    match first {
        None => Verdict::Done,
        Some(index) => Verdict::FailedFrom(index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Mutex;

    /// A function that answers each invocation with `answer(sequence numbers)` and records
    /// what it was given.
    struct Fake<F> {
        answer: F,
        calls: Mutex<Vec<Vec<String>>>,
    }

    impl<F: Fn(&[String], usize) -> Outcome + Sync> Fake<F> {
        fn new(answer: F) -> Self {
            Self {
                answer,
                calls: Mutex::new(Vec::new()),
            }
        }

        fn calls(&self) -> Vec<Vec<String>> {
            self.calls.lock().unwrap().clone()
        }
    }

    impl<F: Fn(&[String], usize) -> Outcome + Sync> Invoke for Fake<F> {
        fn invoke(&self, event: Bytes) -> impl Future<Output = Outcome> + Send {
            let event: Value = serde_json::from_slice(&event).unwrap();
            let seqs: Vec<String> = event["Records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap().to_owned())
                .collect();
            let mut calls = self.calls.lock().unwrap();
            calls.push(seqs.clone());
            let outcome = (self.answer)(&seqs, calls.len());
            std::future::ready(outcome)
        }
    }

    fn now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn records(seqs: &[&str]) -> Vec<StreamRecord> {
        seqs.iter()
            .map(|seq| StreamRecord {
                sequence_number: (*seq).to_owned(),
                created: now(),
                json: json!({ "dynamodb": { "SequenceNumber": seq } }),
            })
            .collect()
    }

    fn policy(max_retries: Option<u32>, bisect: bool) -> Policy {
        Policy {
            report_item_failures: true,
            bisect_on_error: bisect,
            max_retries,
            max_record_age: None,
            retry_pause: Duration::ZERO,
        }
    }

    fn respond(body: Value) -> Outcome {
        Outcome::Response(Bytes::from(body.to_string()))
    }

    fn failing(ids: &[&str]) -> Outcome {
        let failures: Vec<Value> = ids
            .iter()
            .map(|id| json!({ "itemIdentifier": id }))
            .collect();
        respond(json!({ "batchItemFailures": failures }))
    }

    fn error() -> Outcome {
        Outcome::Error(Bytes::from_static(br#"{"errorType":"Boom"}"#))
    }

    fn seqs(calls: &[&[&str]]) -> Vec<Vec<String>> {
        calls
            .iter()
            .map(|call| call.iter().map(|s| (*s).to_owned()).collect())
            .collect()
    }

    fn sequence_numbers(discarded: &Discarded) -> Vec<&str> {
        discarded
            .records
            .iter()
            .map(|r| r.sequence_number.as_str())
            .collect()
    }

    #[tokio::test]
    async fn a_batch_that_succeeds_is_invoked_once() {
        let fake = Fake::new(|_: &[String], _| respond(json!({ "batchItemFailures": [] })));
        let discarded = deliver(&fake, &policy(Some(3), true), records(&["1", "2"])).await;
        assert!(discarded.is_empty());
        assert_eq!(fake.calls(), seqs(&[&["1", "2"]]));
    }

    #[tokio::test]
    async fn every_empty_answer_means_all_done() {
        for body in ["", "  ", "null", "{}", r#"{"batchItemFailures":null}"#] {
            let fake = Fake::new(|_: &[String], _| Outcome::Response(Bytes::from(body)));
            let discarded = deliver(&fake, &policy(Some(3), true), records(&["1", "2"])).await;
            assert!(discarded.is_empty(), "{body:?}");
            assert_eq!(fake.calls().len(), 1, "{body:?}");
        }
    }

    #[tokio::test]
    async fn a_partial_failure_retries_from_the_lowest_failed_record() {
        let fake = Fake::new(|seqs: &[String], call| match call {
            1 => failing(&["4", "2"]),
            _ => {
                assert_eq!(seqs, ["2", "3", "4", "5"]);
                failing(&[])
            }
        });
        let discarded = deliver(
            &fake,
            &policy(Some(3), true),
            records(&["1", "2", "3", "4", "5"]),
        )
        .await;
        assert!(discarded.is_empty());
        assert_eq!(
            fake.calls(),
            seqs(&[&["1", "2", "3", "4", "5"], &["2", "3", "4", "5"]])
        );
    }

    #[tokio::test]
    async fn partial_failures_consume_retries_and_then_the_rest_is_given_up() {
        let fake = Fake::new(|_: &[String], _| failing(&["2"]));
        let discarded = deliver(&fake, &policy(Some(2), true), records(&["1", "2", "3"])).await;
        assert_eq!(
            fake.calls(),
            seqs(&[&["1", "2", "3"], &["2", "3"], &["2", "3"]])
        );
        assert_eq!(discarded.len(), 1);
        assert_eq!(sequence_numbers(&discarded[0]), ["2", "3"]);
        assert_eq!(discarded[0].condition, Condition::RetryAttemptsExhausted);
        assert_eq!(discarded[0].invocations, 3);
        assert!(!discarded[0].function_error);
    }

    #[tokio::test]
    async fn a_function_error_bisects_down_to_the_bad_record_without_consuming_retries() {
        let fake = Fake::new(|seqs: &[String], _| {
            if seqs.iter().any(|s| s == "3") {
                error()
            } else {
                respond(Value::Null)
            }
        });
        let discarded = deliver(
            &fake,
            &policy(Some(2), true),
            records(&["1", "2", "3", "4"]),
        )
        .await;
        assert_eq!(
            fake.calls(),
            seqs(&[
                &["1", "2", "3", "4"],
                &["1", "2"],
                &["3", "4"],
                &["3"],
                &["3"],
                &["3"],
                &["4"],
            ])
        );
        assert_eq!(discarded.len(), 1);
        assert_eq!(sequence_numbers(&discarded[0]), ["3"]);
        assert!(discarded[0].function_error);
    }

    #[tokio::test]
    async fn without_bisect_a_failing_batch_is_retried_whole_then_given_up() {
        let fake = Fake::new(|_: &[String], _| Outcome::TimedOut);
        let discarded = deliver(&fake, &policy(Some(1), false), records(&["1", "2"])).await;
        assert_eq!(fake.calls(), seqs(&[&["1", "2"], &["1", "2"]]));
        assert_eq!(sequence_numbers(&discarded[0]), ["1", "2"]);
        assert_eq!(discarded[0].invocations, 2);
    }

    #[tokio::test]
    async fn zero_retries_gives_up_after_the_first_failure() {
        let fake = Fake::new(|_: &[String], _| error());
        let discarded = deliver(&fake, &policy(Some(0), false), records(&["1"])).await;
        assert_eq!(fake.calls().len(), 1);
        assert_eq!(discarded.len(), 1);
    }

    #[tokio::test]
    async fn unbounded_retries_go_on_until_the_function_succeeds() {
        let fake = Fake::new(|_: &[String], call| {
            if call < 6 {
                error()
            } else {
                respond(Value::Null)
            }
        });
        let discarded = deliver(&fake, &policy(None, false), records(&["1"])).await;
        assert!(discarded.is_empty());
        assert_eq!(fake.calls().len(), 6);
    }

    #[tokio::test]
    async fn an_answer_that_cannot_be_read_fails_the_whole_batch() {
        for body in [
            "not json",
            r#""done""#,
            r#"{"batchItemFailures":{}}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":"9"}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":""}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":null}]}"#,
            r#"{"batchItemFailures":[{"id":"1"}]}"#,
        ] {
            let fake = Fake::new(|_: &[String], call| {
                if call == 1 {
                    Outcome::Response(Bytes::from(body))
                } else {
                    respond(Value::Null)
                }
            });
            let discarded = deliver(&fake, &policy(Some(3), false), records(&["1", "2"])).await;
            assert!(discarded.is_empty(), "{body}");
            assert_eq!(fake.calls(), seqs(&[&["1", "2"], &["1", "2"]]), "{body}");
        }
    }

    #[tokio::test]
    async fn without_report_batch_item_failures_a_response_is_success_whatever_it_says() {
        let fake = Fake::new(|_: &[String], _| failing(&["1"]));
        let mut policy = policy(Some(3), true);
        policy.report_item_failures = false;
        assert!(deliver(&fake, &policy, records(&["1", "2"]))
            .await
            .is_empty());
        assert_eq!(fake.calls().len(), 1);
    }

    #[tokio::test]
    async fn records_older_than_the_maximum_age_are_given_up_without_an_invocation() {
        let fake = Fake::new(|_: &[String], _| respond(Value::Null));
        let mut policy = policy(Some(3), true);
        policy.max_record_age = Some(Duration::from_secs(60));
        let mut batch = records(&["1", "2", "3"]);
        batch[0].created = 0;
        batch[1].created = now() - 61;
        let discarded = deliver(&fake, &policy, batch).await;
        assert_eq!(fake.calls(), seqs(&[&["3"]]));
        assert_eq!(sequence_numbers(&discarded[0]), ["1", "2"]);
        assert_eq!(discarded[0].condition, Condition::RecordAgeExceeded);
        assert_eq!(discarded[0].invocations, 0);
    }

    #[tokio::test]
    async fn reads_the_response_type_of_aws_lambda_events() {
        use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = Some("2".into());
        let mut response = DynamoDbEventResponse::default();
        response.batch_item_failures.push(failure);
        let body = serde_json::to_vec(&response).unwrap();
        let fake = Fake::new(move |_: &[String], call| match call {
            1 => Outcome::Response(Bytes::from(body.clone())),
            _ => respond(serde_json::to_value(DynamoDbEventResponse::default()).unwrap()),
        });
        let discarded = deliver(&fake, &policy(Some(3), true), records(&["1", "2", "3"])).await;
        assert!(discarded.is_empty());
        assert_eq!(fake.calls(), seqs(&[&["1", "2", "3"], &["2", "3"]]));
    }
}
