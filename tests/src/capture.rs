//! The functions' log as they write it, captured: their own subscriber ([`json_subscriber`])
//! writing into memory for as long as a test holds the guard, on the test's thread.
//!
//! [`json_subscriber`]: shared::http::json_subscriber

use serde_json::Value;
use shared::testing::LogLines;

#[derive(Clone, Default)]
pub struct Capture(LogLines);

impl Capture {
    /// Captures this thread's log lines, in the functions' own format, while the guard lives.
    pub fn start() -> (Self, tracing::subscriber::DefaultGuard) {
        let capture = Self::default();
        let guard =
            tracing::subscriber::set_default(shared::http::json_subscriber(capture.0.clone()));
        (capture, guard)
    }

    pub fn text(&self) -> String {
        self.0.text()
    }

    /// Every line, parsed (every line must be JSON).
    pub fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).expect("every line is JSON"))
            .collect()
    }

    /// The lines with this message.
    pub fn lines_of(&self, message: &str) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|l| l["message"] == message)
            .collect()
    }

    /// The EMF documents (the lines that hold `_aws`).
    pub fn metrics(&self) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|l| l.get("_aws").is_some())
            .collect()
    }
}
