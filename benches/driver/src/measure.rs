//! The figures that run a function process: per-request CPU time and instructions, peak
//! memory; and what every figure uses (starting a process, callgrind, checking its calls).
//! Cold starts are timed in crate::cold.

use crate::aws_stub::AwsStub;
use crate::process::{cpu_ns, peak_rss, Binary, Running};
use anyhow::{bail, Context, Result};
use axum::body::Bytes;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const INIT_LIMIT: Duration = Duration::from_secs(20);
/// Valgrind runs code some 50 times slower, and the first request compiles phone patterns.
const VALGRIND_INIT_LIMIT: Duration = Duration::from_secs(120);

/// What one request through a fresh process showed.
pub struct Capture {
    /// The AWS calls of its init.
    pub init_calls: BTreeMap<String, usize>,
    /// The length of the body it answered with.
    pub body_bytes: usize,
    /// Its DynamoDB requests, in the order they came, with their operations.
    pub requests: Vec<(String, serde_json::Value)>,
}

pub struct Bench {
    pub aws: AwsStub,
    pub logs: PathBuf,
}

/// A request to measure: the event, the status it must get, and the storage calls each one
/// must make (the check that the stub really served the function).
#[derive(Clone, Copy)]
pub struct Workload<'a> {
    pub event: &'a Bytes,
    pub status: u16,
    pub calls_per_request: &'a [(&'a str, usize)],
}

impl Bench {
    /// CPU time per request (all threads, from /proc) of each binary with its workload, after
    /// `warmup` requests: rounds of `requests` each, the binaries alternating so that a busy
    /// moment of the machine hits them all; the median round of each, in µs.
    pub async fn cpu_alternating(
        &self,
        subjects: &[(&Binary, &Workload<'_>)],
        warmup: usize,
        requests: usize,
        rounds: usize,
    ) -> Result<Vec<f64>> {
        let mut samples = vec![Vec::with_capacity(rounds); subjects.len()];
        for _ in 0..rounds {
            for ((binary, workload), samples) in subjects.iter().zip(&mut samples) {
                samples.push(self.cpu_round(binary, workload, warmup, requests).await?);
            }
        }
        Ok(samples.into_iter().map(median).collect())
    }

    async fn cpu_round(
        &self,
        binary: &Binary,
        workload: &Workload<'_>,
        warmup: usize,
        requests: usize,
    ) -> Result<f64> {
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
    /// run of `warmup + requests`, so that start-up and first-use work cancel out. The profiles
    /// stay in target/bench, named after the binary and `case`.
    pub async fn instructions_per_request(
        &self,
        binary: &Binary,
        case: &str,
        workload: &Workload<'_>,
        warmup: usize,
        requests: usize,
    ) -> Result<f64> {
        let short = self.callgrind_total(binary, case, workload, warmup).await?;
        let long = self
            .callgrind_total(binary, case, workload, warmup + requests)
            .await?;
        if long <= short {
            bail!("callgrind: {requests} more requests did not cost more instructions ({short} vs {long})");
        }
        Ok((long - short) as f64 / requests as f64)
    }

    pub async fn callgrind_total(
        &self,
        binary: &Binary,
        case: &str,
        workload: &Workload<'_>,
        requests: usize,
    ) -> Result<u64> {
        let out = self.logs.with_file_name(format!(
            "callgrind.{}.{}.{requests}.out",
            binary.name,
            slug(case)
        ));
        let _ = std::fs::remove_file(&out);
        let wrapper = [
            "valgrind".to_owned(),
            "--tool=callgrind".to_owned(),
            format!("--callgrind-out-file={}", out.display()),
        ];
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
        let mut running = self.start(binary, &[], INIT_LIMIT).await?;
        let at_init = peak_rss(&running.child)?;
        running.call(workload.event, workload.status).await?;
        let peak = peak_rss(&running.child)?;
        running.kill().await?;
        self.check_calls(&binary.name, workload, 1)?;
        Ok((peak, at_init))
    }

    /// One request through a fresh process, which must make the workload's calls.
    pub async fn capture(&self, binary: &Binary, workload: &Workload<'_>) -> Result<Capture> {
        let mut running = self.start(binary, &[], INIT_LIMIT).await?;
        let init_calls = std::mem::take(&mut running.init_calls);
        let body_bytes = running.call(workload.event, workload.status).await?;
        running.kill().await?;
        self.check_calls(&binary.name, workload, 1)?;
        Ok(Capture {
            init_calls,
            body_bytes,
            requests: self.aws.dynamodb_requests(),
        })
    }

    /// One request through a fresh process; the stub must have seen exactly `calls`.
    pub async fn single_run(
        &self,
        binary: &Binary,
        event: &Bytes,
        status: u16,
        calls: &[(&str, usize)],
    ) -> Result<()> {
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

    /// One request that must make exactly one DynamoDB call, `operation`; its request body.
    pub async fn single_call(
        &self,
        binary: &Binary,
        event: &Bytes,
        status: u16,
        operation: &str,
    ) -> Result<serde_json::Value> {
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

    /// The process, up to its first poll; what it asked the stub meanwhile is its init's and
    /// is kept apart, so that the stub counts the requests' calls alone.
    pub async fn start(
        &self,
        binary: &Binary,
        wrapper: &[String],
        limit: Duration,
    ) -> Result<Running> {
        self.aws.reset();
        let mut running =
            Running::start(binary, &self.aws.endpoint(), &self.logs, wrapper, limit).await?;
        running.init_calls = self.aws.calls();
        self.aws.reset();
        Ok(running)
    }

    /// The storage calls `requests` requests must have made, and no document left behind.
    pub fn check_calls(&self, name: &str, workload: &Workload<'_>, requests: usize) -> Result<()> {
        let calls = self.aws.calls();
        let expected: BTreeMap<String, usize> = workload
            .calls_per_request
            .iter()
            .map(|(operation, n)| ((*operation).to_owned(), n * requests))
            .filter(|(_, calls)| *calls > 0)
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

pub fn callgrind_instructions(path: &Path) -> Result<u64> {
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

/// `text` as a file name part: letters and digits, the rest dashes.
pub fn slug(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
