//! Function processes as Lambda starts them (its environment variables, the template's, a
//! Runtime API address), and what /proc says about them.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::process::{Child, Command};

/// A binary to run and the environment the template gives it.
#[derive(Debug, Clone)]
pub struct Binary {
    pub name: String,
    pub path: PathBuf,
    pub environment: BTreeMap<String, String>,
}

impl Binary {
    pub fn new(name: &str, dir: &Path, environment: BTreeMap<String, String>) -> Self {
        Self {
            name: name.to_owned(),
            path: dir.join(name),
            environment,
        }
    }

    /// The process, started with Lambda's variables pointing at `runtime_api` and the SDK
    /// pointed at `aws_endpoint`. `wrapper` runs it under another program (valgrind).
    pub fn command(
        &self,
        runtime_api: SocketAddr,
        aws_endpoint: &str,
        logs: &Path,
        wrapper: &[String],
    ) -> Result<Command> {
        if !self.path.is_file() {
            bail!("{} is missing: build it first", self.path.display());
        }
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(&self.path);
                command
            }
            None => Command::new(&self.path),
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logs)
            .with_context(|| format!("opening {}", logs.display()))?;
        // Only what Lambda would set: no developer profile, no inherited AWS settings.
        command
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", std::env::temp_dir())
            .env("LANG", "C.UTF-8")
            .env("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &self.name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", self.name),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "bench")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("AWS_SESSION_TOKEN", "bench")
            .env("AWS_ENDPOINT_URL", aws_endpoint)
            .envs(&self.environment)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        Ok(command)
    }
}

/// CPU time (user + system) of every thread of a live process, in nanoseconds.
pub fn cpu_ns(child: &Child) -> Result<u64> {
    let pid = child.id().context("the process has exited")?;
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let stat = std::fs::read_to_string(task?.path().join("schedstat"))?;
        let on_cpu: u64 = stat
            .split_whitespace()
            .next()
            .context("empty schedstat")?
            .parse()?;
        total += on_cpu;
    }
    Ok(total)
}

/// Peak resident memory of a live process, in bytes.
pub fn peak_rss(child: &Child) -> Result<u64> {
    status_kib(child, "VmHWM:").map(|kib| kib * 1024)
}

fn status_kib(child: &Child, field: &str) -> Result<u64> {
    let pid = child.id().context("the process has exited")?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .with_context(|| format!("{field} not in /proc/{pid}/status"))?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .context("no value")?
        .parse()?)
}

/// A function process attached to its own Runtime API.
pub struct Running {
    pub api: crate::runtime_api::RuntimeApi,
    pub child: Child,
    /// Just before the process was started.
    pub started: std::time::Instant,
    /// From `started` to its first poll of the Runtime API.
    pub init: std::time::Duration,
    /// The calls it made to AWS before its first poll: none, as the functions read no secret
    /// at init; the floor's check holds its floor to the same.
    pub init_calls: BTreeMap<String, usize>,
}

impl Running {
    pub async fn start(
        binary: &Binary,
        aws_endpoint: &str,
        logs: &Path,
        wrapper: &[String],
        init_limit: std::time::Duration,
    ) -> Result<Self> {
        let mut api = crate::runtime_api::RuntimeApi::start().await?;
        let mut command = binary.command(api.addr, aws_endpoint, logs, wrapper)?;
        let started = std::time::Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", binary.path.display()))?;
        let polled = api
            .first_poll(init_limit)
            .await
            .with_context(|| format!("{} (its output is in {})", binary.name, logs.display()))?;
        Ok(Self {
            api,
            child,
            started,
            init: polled.saturating_duration_since(started),
            init_calls: BTreeMap::new(),
        })
    }

    /// Invokes the function with an event and checks the HTTP status it answers; the length of
    /// the body it answered with. A stream batch's answer has no status: one that names no
    /// record to retry (`batchItemFailures` empty) counts as 200, one that names any fails.
    pub async fn call(&mut self, event: &axum::body::Bytes, expected_status: u16) -> Result<usize> {
        let reply = self.api.invoke(event.clone()).await?;
        let response: serde_json::Value =
            serde_json::from_slice(&reply).context("the function's reply is not JSON")?;
        let status = match response.get("batchItemFailures") {
            Some(failures) if failures.as_array().is_some_and(Vec::is_empty) => 200,
            Some(failures) => bail!("the batch asked for a retry from {failures}"),
            None => response["statusCode"].as_u64().unwrap_or_default(),
        };
        if status != u64::from(expected_status) {
            let body = response["body"].as_str().unwrap_or_default();
            let excerpt: String = body.chars().take(300).collect();
            bail!("expected HTTP {expected_status}, the function answered {status}: {excerpt}");
        }
        Ok(response["body"].as_str().map_or(0, str::len))
    }

    pub async fn kill(mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// Stops the process with SIGTERM (valgrind writes its profile then) and waits for it.
    pub async fn terminate(mut self, limit: std::time::Duration) -> Result<()> {
        let pid = self.child.id().context("the process has exited")?;
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
        if !status.success() {
            bail!("kill -TERM {pid} failed");
        }
        tokio::time::timeout(limit, self.child.wait())
            .await
            .context("the process did not exit after SIGTERM")??;
        Ok(())
    }
}
