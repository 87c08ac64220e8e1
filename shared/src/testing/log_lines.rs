//! A log writer that keeps what it is given, for tests that read the functions' log lines.

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Lines written, kept in memory; clones share them.
#[derive(Clone, Default)]
pub struct LogLines(Arc<Mutex<Vec<u8>>>);

impl LogLines {
    fn bytes(&self) -> MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.bytes().clone()).expect("the log is UTF-8")
    }
}

impl Write for LogLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogLines {
    type Writer = LogLines;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
