//! DynamoDB capacity consumed while serving one request. The store adds what DynamoDB reports
//! (`ReturnConsumedCapacity=TOTAL`); the endpoint puts the sums in the request's log line, from
//! which template.yaml's metric filters make CloudWatch metrics. A task-local keeps the store's
//! signatures free of bookkeeping.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static CONSUMED: Cell<Consumed>;
}

/// Capacity units, as DynamoDB bills them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Consumed {
    pub read: f64,
    pub write: f64,
}

/// Runs `work`, and sums the capacity the store reports while it runs.
pub async fn measure<F: Future>(work: F) -> (F::Output, Consumed) {
    CONSUMED
        .scope(Cell::new(Consumed::default()), async {
            let output = work.await;
            (output, CONSUMED.with(Cell::get))
        })
        .await
}

pub fn add_read(units: Option<f64>) {
    add(|c| c.read += units.unwrap_or(0.0));
}

pub fn add_write(units: Option<f64>) {
    add(|c| c.write += units.unwrap_or(0.0));
}

fn add(update: impl FnOnce(&mut Consumed)) {
    // Outside `measure` (a test calling the store directly) there is nothing to report to.
    let _ = CONSUMED.try_with(|cell| {
        let mut consumed = cell.get();
        update(&mut consumed);
        cell.set(consumed);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_the_store_reports_inside_a_request_is_summed() {
        let ((), consumed) = measure(async {
            add_write(Some(6.0));
            add_read(Some(1.0));
            add_read(None);
            add_write(Some(2.0));
        })
        .await;
        assert_eq!(
            consumed,
            Consumed {
                read: 1.0,
                write: 8.0
            }
        );
        // Outside a request nothing is kept, and nothing fails.
        add_write(Some(1.0));
        let ((), fresh) = measure(async {}).await;
        assert_eq!(fresh, Consumed::default());
    }
}
