//! The log format: one JSON object per line, with the keys Powertools for AWS Lambda writes
//! (`level`, `message`, `timestamp`, `service`, `cold_start`, `function_name`,
//! `function_memory_size`, `function_arn`, `function_request_id`, `xray_trace_id`), so that
//! the Logs Insights queries written for Python, TypeScript or Java functions work on ours,
//! then the event's own fields. An EMF document ([`metrics::TARGET`]) is written as it is,
//! with a `level` that Lambda's log-level filter keeps.
//!
//! The invocation's keys come from the span [`invocation`] opens around it.

use super::metrics;
use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::Write as _;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The name of the span [`invocation`] opens.
pub const INVOCATION: &str = "invocation";

/// The span one invocation runs in. At level ERROR so that no log level turns it off: every
/// line a request writes, whatever its level, carries its keys.
pub fn invocation(
    request_id: &str,
    trace_header: Option<&str>,
    function_arn: &str,
    cold_start: bool,
) -> tracing::Span {
    tracing::error_span!(
        INVOCATION,
        cold_start,
        function_arn,
        function_request_id = request_id,
        xray_trace_id = trace_header.and_then(trace_root),
        // For tracing only; the log has its root as `xray_trace_id`.
        trace_header,
    )
}

/// The trace id of an `X-Amzn-Trace-Id` header (`Root=1-...;Parent=...;Sampled=1`), as
/// Powertools logs it.
pub fn trace_root(header: &str) -> Option<&str> {
    header
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))
}

/// Lines to `writer`.
pub struct JsonLines<W> {
    writer: W,
    /// `"service":…,"function_name":…,"function_memory_size":…`, the same on every line.
    process: String,
    /// The `level` of an EMF document's line.
    metrics_level: &'static str,
}

impl<W> JsonLines<W> {
    /// `metrics_level`: the level Lambda keeps (its `ApplicationLogLevel`): Lambda drops a JSON
    /// line below it, and counts one without a `level` as INFO, so a metric line at INFO would
    /// be lost, with every alarm on it, once the level is raised.
    pub fn new(writer: W, service: &str, metrics_level: &'static str) -> Self {
        let mut process = String::new();
        push_key(&mut process, "service");
        push_string(&mut process, service);
        if let Ok(name) = std::env::var("AWS_LAMBDA_FUNCTION_NAME") {
            push_key(&mut process, "function_name");
            push_string(&mut process, &name);
        }
        if let Some(memory) = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
            .ok()
            .and_then(|m| m.parse::<u32>().ok())
        {
            push_key(&mut process, "function_memory_size");
            let _ = write!(process, "{memory}");
        }
        Self {
            writer,
            process,
            metrics_level,
        }
    }
}

/// The fields of an invocation span, as JSON members.
struct InvocationKeys(String);

impl<S, W> Layer<S> for JsonLines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != INVOCATION {
            return;
        }
        let mut members = Members::default();
        attrs.record(&mut members);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(InvocationKeys(members.out));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let mut members = Members::default();
        event.record(&mut members);
        let mut line = String::with_capacity(256 + members.out.len());
        if metadata.target() == metrics::TARGET {
            let document = members.raw.as_deref().unwrap_or("{}");
            line.push_str(r#"{"level":""#);
            line.push_str(self.metrics_level);
            line.push('"');
            if let Some(members) = document.strip_prefix('{').filter(|m| !m.starts_with('}')) {
                line.push(',');
                line.push_str(members);
            } else {
                line.push('}');
            }
        } else {
            line.push_str(r#"{"level":""#);
            line.push_str(metadata.level().as_str());
            line.push('"');
            push_key(&mut line, "message");
            push_string(&mut line, members.message.as_deref().unwrap_or(""));
            push_key(&mut line, "timestamp");
            push_timestamp(&mut line, time::OffsetDateTime::now_utc());
            line.push_str(&self.process);
            for span in ctx.event_scope(event).into_iter().flatten() {
                if let Some(keys) = span.extensions().get::<InvocationKeys>() {
                    line.push_str(&keys.0);
                    break;
                }
            }
            line.push_str(&members.out);
            line.push('}');
        }
        line.push('\n');
        // A log that cannot be written is not worth failing a request for.
        let _ = self
            .writer
            .make_writer_for(metadata)
            .write_all(line.as_bytes());
    }
}

/// An event's or span's fields as `,"name":value` members; the message and an EMF document
/// apart.
#[derive(Default)]
struct Members {
    out: String,
    message: Option<String>,
    raw: Option<String>,
}

impl Members {
    fn key(&mut self, field: &Field) {
        push_key(&mut self.out, field.name());
    }
}

impl Members {
    /// A text field: the message and an EMF document kept as they are (owned once), the
    /// trace header left out, any other a member.
    fn text(&mut self, field: &Field, value: Cow<'_, str>) {
        match field.name() {
            "message" => self.message = Some(value.into_owned()),
            "emf" => self.raw = Some(value.into_owned()),
            "trace_header" => {}
            _ => {
                self.key(field);
                push_string(&mut self.out, &value);
            }
        }
    }
}

impl Visit for Members {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.text(field, Cow::Borrowed(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        let _ = write!(self.out, "{value}");
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field);
        let _ = write!(self.out, "{value}");
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field);
        let _ = write!(self.out, "{value}");
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.key(field);
        if value.is_finite() {
            let _ = write!(self.out, "{value}");
        } else {
            self.out.push_str("null");
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `message` arrives here (format arguments), and so does every `%value` and `?value`.
        self.text(field, Cow::Owned(format!("{value:?}")));
    }
}

fn push_key(out: &mut String, name: &str) {
    out.push(',');
    push_string(out, name);
    out.push(':');
}

/// A JSON string: quotes, backslashes and control characters escaped (RFC 8259, section 7).
/// The one encoder of the log, the metrics and the traces.
pub fn push_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// RFC 3339 in UTC with milliseconds, as Powertools writes it: `2026-12-02T10:30:00.123Z`.
fn push_timestamp(out: &mut String, at: time::OffsetDateTime) {
    let _ = write!(
        out,
        r#""{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z""#,
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::LogLines as Lines;
    use serde_json::{json, Value};
    use tracing_subscriber::layer::SubscriberExt;

    fn lines_of(run: impl FnOnce()) -> Vec<Value> {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::registry().with(JsonLines::new(
            lines.clone(),
            "stack \"one\"",
            "WARN",
        ));
        tracing::subscriber::with_default(subscriber, run);
        lines
            .text()
            .lines()
            .map(|l| serde_json::from_str(l).expect("every line is JSON"))
            .collect()
    }

    #[test]
    fn a_line_has_powertools_keys_then_its_fields() {
        let lines = lines_of(|| {
            let span = invocation(
                "req-1",
                Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"),
                "arn:aws:lambda:eu-west-1:123456789012:function:f",
                true,
            );
            let _entered = span.enter();
            tracing::warn!(status = 503_u16, latency_ms = 1.5, tenant = "t\n1", ok = false, kind = %"x", "request");
        });
        let line = &lines[0];
        let timestamp = line["timestamp"].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339)
                .is_ok(),
            "{timestamp}"
        );
        assert_eq!(timestamp.len(), "2026-12-02T10:30:00.123Z".len());
        let mut line = line.clone();
        line.as_object_mut().unwrap().remove("timestamp");
        assert_eq!(
            line,
            json!({
                "level": "WARN", "message": "request", "service": "stack \"one\"",
                "cold_start": true, "function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:f",
                "function_request_id": "req-1", "xray_trace_id": "1-5759e988-bd862e3fe1be46a994272793",
                "status": 503, "latency_ms": 1.5, "tenant": "t\n1", "ok": false, "kind": "x"
            })
        );
    }

    #[test]
    fn outside_an_invocation_a_line_has_no_invocation_keys_and_an_emf_document_gets_the_kept_level()
    {
        let lines = lines_of(|| {
            tracing::info!("started");
            tracing::info!(target: metrics::TARGET, emf = r#"{"_aws":{},"Latency":1}"#);
        });
        assert_eq!(lines[0]["message"], "started");
        assert!(lines[0].get("cold_start").is_none());
        assert_eq!(lines[1], json!({"level": "WARN", "_aws": {}, "Latency": 1}));
    }

    #[test]
    fn the_trace_id_is_the_headers_root() {
        assert_eq!(trace_root("Root=1-a-b;Parent=c;Sampled=0"), Some("1-a-b"));
        assert_eq!(trace_root("Parent=c; Root=1-x"), Some("1-x"));
        assert_eq!(trace_root("Sampled=1"), None);
    }
}
