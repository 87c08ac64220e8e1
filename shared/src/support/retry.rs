//! Retries of optimistic writes that lost to a concurrent one (a transaction conflict, a
//! version that moved on). Contention is not an outage: a request keeps trying while it still
//! has time to answer well inside the function's timeout, so that a race ends in a success or a
//! real conflict, never in a 5xx.

use std::time::Duration;
use tokio::time::Instant;

/// How long a request may keep retrying after contention. The functions' timeout is 10 s and an
/// attempt may take up to the SDK's 3 s attempt timeout: 4 s of retries leaves room for both.
pub const CONTENTION_BUDGET: Duration = Duration::from_secs(4);

const BASE: Duration = Duration::from_millis(10);
const CAP: Duration = Duration::from_millis(500);

/// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
/// Jitter"): contenders spread out instead of colliding again in lockstep. Bounded by time,
/// not by a count: how many attempts fit depends on how long each one takes.
#[derive(Debug)]
pub struct Backoff {
    deadline: Instant,
    attempt: u32,
}

impl Backoff {
    pub fn new(budget: Duration) -> Self {
        Self {
            deadline: Instant::now() + budget,
            attempt: 0,
        }
    }

    /// Whether the budget is gone: an attempt that needs no pause may still be made until then.
    pub fn spent(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Waits before the next attempt; `false` (without waiting) once the budget is spent.
    pub async fn wait(&mut self) -> bool {
        let delay = self.next_delay();
        if Instant::now() + delay >= self.deadline {
            return false;
        }
        tokio::time::sleep(delay).await;
        true
    }

    fn next_delay(&mut self) -> Duration {
        let ceiling = BASE.saturating_mul(1 << self.attempt.min(16)).min(CAP);
        self.attempt += 1;
        Duration::from_millis(fastrand::u64(0..=ceiling.as_millis() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_and_are_jittered() {
        let mut backoff = Backoff::new(CONTENTION_BUDGET);
        let delays: Vec<Duration> = (0..40).map(|_| backoff.next_delay()).collect();
        assert!(delays.iter().all(|d| *d <= CAP));
        assert!(delays[..3].iter().all(|d| *d <= BASE * 4), "{delays:?}");
        let late: std::collections::HashSet<_> = delays[20..].iter().collect();
        assert!(late.len() > 1, "jittered: {delays:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_when_the_budget_is_spent() {
        let started = Instant::now();
        let mut backoff = Backoff::new(Duration::from_secs(2));
        let mut waits = 0;
        while backoff.wait().await {
            waits += 1;
        }
        let spent = started.elapsed();
        assert!(spent < Duration::from_secs(2), "{spent:?}");
        assert!(waits > 3, "several attempts fit in the budget: {waits}");
    }
}
