//! A moto server of one test's own on a free loopback port, for tests that kill it.

use crate::workspace_root;
use anyhow::{bail, Context, Result};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Killed when dropped.
pub struct Moto {
    child: Option<Child>,
    pub endpoint: String,
}

impl Moto {
    /// Starts `tools/moto-server` (moto with serialized DynamoDB operations) from `.venv`.
    pub fn start() -> Result<Self> {
        let python = workspace_root().join(".venv/bin/python");
        let launcher = workspace_root().join("tools/moto-server");
        if !python.exists() {
            bail!("{} is missing: run `make venv` first", python.display());
        }
        let port = free_port()?;
        let child = Command::new(&python)
            .arg(&launcher)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", launcher.display()))?;
        let moto = Self {
            child: Some(child),
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                bail!("moto did not listen on port {port} within 30 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(moto)
    }

    /// Kills the server at once: an outage, as far as clients can tell.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.kill();
    }
}
