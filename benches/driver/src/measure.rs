//! The figures that run a function process: cold init, per-request CPU time and instructions,
//! and peak memory.

use crate::aws_stub::AwsStub;
use crate::process::{cpu_ns, peak_rss, Binary, Running};
use anyhow::{bail, Context, Result};
use axum::body::Bytes;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const INIT_LIMIT: Duration = Duration::from_secs(20);
/// Valgrind runs code some 50 times slower, and the first request compiles phone patterns.
const VALGRIND_INIT_LIMIT: Duration = Duration::from_secs(120);

pub struct Bench {
    pub aws: AwsStub,
    pub logs: PathBuf,
}

/// A request to measure: the event, the status it must get, and the storage calls each one
/// must make (the check that the stub really served the function).
pub struct Workload<'a> {
    pub event: &'a Bytes,
    pub status: u16,
    pub calls_per_request: &'a [(&'a str, usize)],
}

impl Bench {
    /// Process start to first Runtime API poll, `runs` times per binary, binaries alternating
    /// so that a slow moment of the machine hits all of them alike. Median per binary, in µs.
    pub async fn cold_init(&self, binaries: &[Binary], runs: usize) -> Result<Vec<f64>> {
        let mut samples = vec![Vec::with_capacity(runs); binaries.len()];
        for _ in 0..runs {
            for (binary, samples) in binaries.iter().zip(&mut samples) {
                let running = self.start(binary, &[], INIT_LIMIT).await?;
                samples.push(running.init.as_secs_f64() * 1e6);
                running.kill().await?;
            }
        }
        Ok(samples.into_iter().map(median).collect())
    }

    /// CPU time per request (all threads, from /proc) of `subject` and of `baseline`, after
    /// `warmup` requests: rounds of `requests` each, the two alternating so that a busy moment
    /// of the machine hits both; the median round of each, in µs.
    pub async fn cpu_side_by_side(
        &self,
        subject: (&Binary, &Workload<'_>),
        baseline: (&Binary, &Workload<'_>),
        warmup: usize,
        requests: usize,
        rounds: usize,
    ) -> Result<(f64, f64)> {
        let (mut measured, mut base) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            measured.push(
                self.cpu_round(subject.0, subject.1, warmup, requests)
                    .await?,
            );
            base.push(
                self.cpu_round(baseline.0, baseline.1, warmup, requests)
                    .await?,
            );
        }
        Ok((median(measured), median(base)))
    }

    async fn cpu_round(
        &self,
        binary: &Binary,
        workload: &Workload<'_>,
        warmup: usize,
        requests: usize,
    ) -> Result<f64> {
        self.aws.reset();
        let mut running = self.start(binary, &[], INIT_LIMIT).await?;
        for _ in 0..warmup {
            running.call(workload.event, workload.status).await?;
        }
        let before = cpu_ns(&running.child)?;
        for _ in 0..requests {
            running.call(workload.event, workload.status).await?;
        }
        let after = cpu_ns(&running.child)?;
        running.kill().await?;
        self.check_calls(&binary.name, workload, warmup + requests)?;
        Ok((after - before) as f64 / requests as f64 / 1e3)
    }

    /// Instructions per request under callgrind: a run of `warmup` requests subtracted from a
    /// run of `warmup + requests`, so that start-up and first-use work cancel out.
    pub async fn instructions_per_request(
        &self,
        binary: &Binary,
        workload: &Workload<'_>,
        warmup: usize,
        requests: usize,
    ) -> Result<f64> {
        let short = self.callgrind_total(binary, workload, warmup).await?;
        let long = self
            .callgrind_total(binary, workload, warmup + requests)
            .await?;
        if long <= short {
            bail!("callgrind: {requests} more requests did not cost more instructions ({short} vs {long})");
        }
        Ok((long - short) as f64 / requests as f64)
    }

    async fn callgrind_total(
        &self,
        binary: &Binary,
        workload: &Workload<'_>,
        requests: usize,
    ) -> Result<u64> {
        let out = self
            .logs
            .with_file_name(format!("callgrind.{}.{requests}.out", binary.name));
        let _ = std::fs::remove_file(&out);
        let wrapper = [
            "valgrind".to_owned(),
            "--tool=callgrind".to_owned(),
            format!("--callgrind-out-file={}", out.display()),
        ];
        self.aws.reset();
        let mut running = self.start(binary, &wrapper, VALGRIND_INIT_LIMIT).await?;
        for _ in 0..requests {
            running.call(workload.event, workload.status).await?;
        }
        running.terminate(VALGRIND_INIT_LIMIT).await?;
        self.check_calls(&binary.name, workload, requests)?;
        callgrind_instructions(&out)
    }

    /// Peak resident memory after one request, and before it (at the first poll), in bytes.
    pub async fn peak_memory(
        &self,
        binary: &Binary,
        workload: &Workload<'_>,
    ) -> Result<(u64, u64)> {
        self.aws.reset();
        let mut running = self.start(binary, &[], INIT_LIMIT).await?;
        let at_init = peak_rss(&running.child)?;
        running.call(workload.event, workload.status).await?;
        let peak = peak_rss(&running.child)?;
        running.kill().await?;
        self.check_calls(&binary.name, workload, 1)?;
        Ok((peak, at_init))
    }

    /// One request that must make exactly one DynamoDB call, `operation`; its request body.
    /// One request through a fresh process; the stub must have seen exactly `calls`.
    pub async fn single_run(
        &self,
        binary: &Binary,
        event: &Bytes,
        status: u16,
        calls: &[(&str, usize)],
    ) -> Result<()> {
        self.aws.reset();
        let mut running = self.start(binary, &[], INIT_LIMIT).await?;
        running.call(event, status).await?;
        running.kill().await?;
        let workload = Workload {
            event,
            status,
            calls_per_request: calls,
        };
        self.check_calls(&binary.name, &workload, 1)
    }

    pub async fn single_call(
        &self,
        binary: &Binary,
        event: &Bytes,
        status: u16,
        operation: &str,
    ) -> Result<serde_json::Value> {
        self.aws.reset();
        let mut running = self.start(binary, &[], INIT_LIMIT).await?;
        running.call(event, status).await?;
        running.kill().await?;
        let dynamodb_calls: Vec<(String, usize)> = self
            .aws
            .calls()
            .into_iter()
            .filter(|(name, _)| name.starts_with("DynamoDB."))
            .collect();
        if dynamodb_calls != [(format!("DynamoDB.{operation}"), 1)] {
            bail!(
                "{}: expected one {operation}, the stub saw {dynamodb_calls:?}",
                binary.name
            );
        }
        self.aws.last_dynamodb(operation)
    }

    async fn start(&self, binary: &Binary, wrapper: &[String], limit: Duration) -> Result<Running> {
        Running::start(binary, &self.aws.endpoint(), &self.logs, wrapper, limit).await
    }

    /// The storage calls `requests` requests must have made, and no document left behind.
    fn check_calls(&self, name: &str, workload: &Workload<'_>, requests: usize) -> Result<()> {
        let calls = self.aws.calls();
        let expected: BTreeMap<String, usize> = workload
            .calls_per_request
            .iter()
            .map(|(operation, n)| ((*operation).to_owned(), n * requests))
            .collect();
        if calls != expected {
            bail!("{name}: the storage stub saw {calls:?}, expected {expected:?}");
        }
        if self.aws.objects() != 0 {
            bail!(
                "{name}: {} document object(s) were left in S3",
                self.aws.objects()
            );
        }
        Ok(())
    }
}

fn callgrind_instructions(path: &Path) -> Result<u64> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("callgrind wrote no profile at {}", path.display()))?;
    text.lines()
        .find_map(|line| {
            line.strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
        })
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no instruction total in {}", path.display()))
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
