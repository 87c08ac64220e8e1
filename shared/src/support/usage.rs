//! What serving one request used and went through, for its log line and its metrics: the
//! DynamoDB capacity the store reports (`ReturnConsumedCapacity=TOTAL`), the write attempts
//! lost to contention, how long each identity-document image stayed in the bucket. A
//! task-local keeps the store's, the executor's and the staging's signatures free of
//! bookkeeping.

use std::cell::RefCell;
use std::future::Future;

tokio::task_local! {
    static USAGE: RefCell<Usage>;
}

/// One request's account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// Read capacity units, as DynamoDB bills them.
    pub read: f64,
    /// Write capacity units.
    pub write: f64,
    /// Write attempts that lost to a concurrent write and were made again.
    pub contention_retries: u32,
    /// For each identity-document image staged, how long it was in the bucket (ms).
    pub document_retention_ms: Vec<f64>,
}

/// Runs `work`, and keeps what it reports while it runs.
pub async fn measure<F: Future>(work: F) -> (F::Output, Usage) {
    USAGE
        .scope(RefCell::new(Usage::default()), async {
            let output = work.await;
            (output, USAGE.with(|usage| usage.take()))
        })
        .await
}

pub fn add_read(units: Option<f64>) {
    add(|u| u.read += units.unwrap_or(0.0));
}

pub fn add_write(units: Option<f64>) {
    add(|u| u.write += units.unwrap_or(0.0));
}

pub fn add_contention_retry() {
    add(|u| u.contention_retries += 1);
}

pub fn add_document_retention(milliseconds: f64) {
    add(|u| u.document_retention_ms.push(milliseconds));
}

fn add(update: impl FnOnce(&mut Usage)) {
    // Outside `measure` (a test calling the store directly, an image deleted after its
    // request was abandoned) there is nothing to report to.
    let _ = USAGE.try_with(|usage| update(&mut usage.borrow_mut()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_is_reported_inside_a_request_is_kept() {
        let ((), usage) = measure(async {
            add_write(Some(6.0));
            add_read(Some(1.0));
            add_read(None);
            add_contention_retry();
            add_write(Some(2.0));
            add_document_retention(12.5);
            add_contention_retry();
        })
        .await;
        assert_eq!(
            usage,
            Usage {
                read: 1.0,
                write: 8.0,
                contention_retries: 2,
                document_retention_ms: vec![12.5],
            }
        );
        // Outside a request nothing is kept, and nothing fails.
        add_write(Some(1.0));
        add_contention_retry();
        let ((), fresh) = measure(async {}).await;
        assert_eq!(fresh, Usage::default());
    }
}
