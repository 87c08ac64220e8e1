//! The production log: JSON lines ([`JsonLines`]) on stdout, where Lambda hands them to
//! CloudWatch as they are; the metrics' EMF documents among them.

use crate::support::log_format::JsonLines;
use crate::support::metrics;
use tracing::Subscriber;
use tracing_subscriber::filter::Filtered;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer};

/// The log, writing to `writer`: the lines [`directives`] admits, and every EMF document.
pub fn log_layer<S, W>(writer: W) -> Filtered<JsonLines<W>, EnvFilter, S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    let rust_log = std::env::var("RUST_LOG").ok();
    let lambda_level = std::env::var("AWS_LAMBDA_LOG_LEVEL").ok();
    log_layer_at(writer, rust_log.as_deref(), lambda_level.as_deref())
}

pub(crate) fn log_layer_at<S, W>(
    writer: W,
    rust_log: Option<&str>,
    lambda_level: Option<&str>,
) -> Filtered<JsonLines<W>, EnvFilter, S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    let filter = EnvFilter::try_new(directives(rust_log, lambda_level))
        .unwrap_or_else(|_| EnvFilter::new(directives(None, None)));
    JsonLines::new(writer, metrics::service(), kept_level(lambda_level)).with_filter(filter)
}

/// The least level Lambda keeps at `lambda_level` that is not below INFO: an EMF line's.
fn kept_level(lambda_level: Option<&str>) -> &'static str {
    match lambda_level.map(str::to_ascii_uppercase).as_deref() {
        Some("WARN") => "WARN",
        Some("ERROR") => "ERROR",
        Some("FATAL") => "FATAL",
        _ => "INFO",
    }
}

/// The log alone, as a subscriber (what the tests capture).
pub fn json_subscriber<W>(writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::registry().with(log_layer(writer))
}

/// `RUST_LOG` when set; otherwise the level Lambda's logging configuration gives
/// (`AWS_LAMBDA_LOG_LEVEL`: TRACE, DEBUG, INFO, WARN, ERROR or FATAL), INFO without one, for
/// this crate's lines. Every other crate's (the SDK's, the runtime's, HTTP's: their debug
/// output can include payloads) from WARN, or the level asked for when it is quieter.
/// Metrics are written at every level.
fn directives(rust_log: Option<&str>, lambda_level: Option<&str>) -> String {
    let emf = format!("{}=info", metrics::TARGET);
    if let Some(rust_log) = rust_log.filter(|r| !r.trim().is_empty()) {
        return format!("{rust_log},{emf}");
    }
    let level = match lambda_level.map(str::to_ascii_uppercase).as_deref() {
        Some("TRACE") => "trace",
        Some("DEBUG") => "debug",
        Some("WARN") => "warn",
        Some("ERROR" | "FATAL") => "error",
        _ => "info",
    };
    let others = if level == "error" { "error" } else { "warn" };
    format!("{others},{}={level},{emf}", env!("CARGO_CRATE_NAME"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::LogLines as Lines;

    #[test]
    fn metrics_are_written_and_kept_at_the_quietest_level_and_logs_below_it_are_not() {
        let lines = Lines::default();
        let subscriber =
            tracing_subscriber::registry().with(log_layer_at(lines.clone(), None, Some("FATAL")));
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!("hidden");
            tracing::error!("shown");
            let mut document = metrics::Document::new("s", "GET /countries");
            document.put(metrics::LATENCY, 1.0).emit();
        });
        let text = lines.text();
        let written: Vec<&str> = text.lines().collect();
        assert_eq!(written.len(), 2, "{text}");
        assert!(written[0].contains(r#""message":"shown""#), "{text}");
        assert!(
            written[1].starts_with(r#"{"level":"FATAL","_aws":"#),
            "Lambda keeps it at FATAL: {text}"
        );
    }

    #[test]
    fn lambdas_log_level_sets_ours_and_never_opens_the_dependencies_or_closes_the_metrics() {
        assert_eq!(directives(None, None), "warn,shared=info,emf=info");
        assert_eq!(
            directives(None, Some("DEBUG")),
            "warn,shared=debug,emf=info"
        );
        assert_eq!(
            directives(None, Some("fatal")),
            "error,shared=error,emf=info"
        );
        assert_eq!(directives(Some("trace"), Some("ERROR")), "trace,emf=info");
        assert_eq!(
            directives(Some(" "), Some("WARN")),
            "warn,shared=warn,emf=info"
        );
        assert_eq!(kept_level(Some("trace")), "INFO");
        assert_eq!(kept_level(Some("Warn")), "WARN");
        assert_eq!(kept_level(None), "INFO");
    }
}
