//! Cold starts, timed and counted: each binary started fresh and handed its first request.
//! What a first client waits for is the init and that request together; the init alone is
//! what Lambda reports as `Init Duration`.

use crate::measure::{median, Bench, Workload, INIT_LIMIT};
use crate::process::{cpu_ns, Binary};
use anyhow::{bail, Result};
use std::time::Instant;

/// Medians of one binary's cold starts, in µs.
#[derive(Debug, Clone, Copy)]
pub struct ColdTimes {
    /// Process start to its first poll of the Runtime API.
    pub init: f64,
    /// Its first request: the event handed over to the reply received.
    pub first_request: f64,
    /// Process start to the first reply: the cold request.
    pub request: f64,
    /// CPU time of all its threads at that reply (the kernel's work to start it included).
    pub cpu: f64,
}

/// Instructions (callgrind) of one binary's cold start.
#[derive(Debug, Clone, Copy)]
pub struct ColdInstructions {
    /// Process start to the first poll, and the exit on SIGTERM.
    pub init: f64,
    /// The same with one request between them: the cold request.
    pub request: f64,
}

impl ColdInstructions {
    /// The first request's own: the first-use work the per-request figures leave out.
    pub fn first_request(&self) -> f64 {
        self.request - self.init
    }
}

impl Bench {
    /// `runs` cold starts of every binary, each with one request. The binaries alternate so
    /// that a slow moment of the machine hits all of them alike, in a new order each round:
    /// in a fixed one each binary would always follow the same one, whose exit slows its
    /// start (measured: two runs of one binary 7% apart). Medians per binary.
    pub async fn cold_starts(
        &self,
        subjects: &[(&Binary, &Workload<'_>)],
        runs: usize,
    ) -> Result<Vec<ColdTimes>> {
        let mut samples = vec![Vec::with_capacity(runs); subjects.len()];
        let mut order: Vec<usize> = (0..subjects.len()).collect();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..runs {
            // Fisher-Yates with xorshift: reproducible from run to run of the bench.
            for i in (1..order.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                order.swap(i, (state % (i as u64 + 1)) as usize);
            }
            for &index in &order {
                let (binary, workload) = subjects[index];
                let mut running = self.start(binary, &[], INIT_LIMIT).await?;
                let handed = Instant::now();
                running.call(workload.event, workload.status).await?;
                let replied = Instant::now();
                let cpu = cpu_ns(&running.child)?;
                let micros = |d: std::time::Duration| d.as_secs_f64() * 1e6;
                samples[index].push(ColdTimes {
                    init: micros(running.init),
                    first_request: micros(replied - handed),
                    request: micros(replied - running.started),
                    cpu: cpu as f64 / 1e3,
                });
                running.kill().await?;
                self.check_calls(&binary.name, workload, 1)?;
            }
        }
        Ok(samples
            .into_iter()
            .map(|s| ColdTimes {
                init: median(s.iter().map(|t| t.init).collect()),
                first_request: median(s.iter().map(|t| t.first_request).collect()),
                request: median(s.iter().map(|t| t.request).collect()),
                cpu: median(s.iter().map(|t| t.cpu).collect()),
            })
            .collect())
    }

    /// The instructions of a cold start without and with its first request: two runs under
    /// callgrind, whose profiles stay in target/bench (`<binary>.<label>.0` and `.1`).
    pub async fn cold_instructions(
        &self,
        binary: &Binary,
        label: &str,
        workload: &Workload<'_>,
    ) -> Result<ColdInstructions> {
        let init = self.callgrind_total(binary, label, workload, 0).await?;
        let request = self.callgrind_total(binary, label, workload, 1).await?;
        if request <= init {
            bail!(
                "callgrind: {}'s first request cost nothing ({init} vs {request})",
                binary.name
            );
        }
        Ok(ColdInstructions {
            init: init as f64,
            request: request as f64,
        })
    }
}
