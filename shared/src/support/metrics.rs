//! Metrics as CloudWatch Embedded Metric Format (EMF) documents: a JSON line on stdout that
//! CloudWatch Logs turns into metrics, with no API call and no agent. One document per request
//! (per stream batch for the publisher), written through the log with the target [`TARGET`],
//! which the log format writes as it is and no log level hides.
//!
//! Dimensions are names this code chooses from closed sets (the service, a route of the
//! template, an error code), never a tenant or a value from a request: each distinct
//! combination is a billed metric, and a dimension is visible to whoever reads the metrics.

use super::log_format::push_string;
use std::fmt::Write;
use std::sync::OnceLock;

/// Every metric's namespace.
pub const NAMESPACE: &str = "CustomersApi";
/// The log target whose events are EMF documents.
pub const TARGET: &str = "emf";

const BY_ROUTE: &[&str] = &["Service", "Route"];
const BY_CODE: &[&str] = &["Service", "Route", "Code"];

/// CloudWatch's unit names, as EMF spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Milliseconds,
    Count,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Milliseconds => "Milliseconds",
            Self::Count => "Count",
        }
    }
}

/// A metric the functions emit, with the dimensions it is emitted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub name: &'static str,
    pub unit: Unit,
    pub dimensions: &'static [&'static str],
}

const fn by_route(name: &'static str, unit: Unit) -> Metric {
    Metric {
        name,
        unit,
        dimensions: BY_ROUTE,
    }
}

/// Time from the request's arrival to its answer (the publisher: to its batch's end).
pub const LATENCY: Metric = by_route("Latency", Unit::Milliseconds);
/// 1 for a request answered 2xx (3xx too: a `304 Not Modified` is a success), else 0: the
/// average over a period is the share.
pub const STATUS_2XX: Metric = by_route("Status2xx", Unit::Count);
pub const STATUS_4XX: Metric = by_route("Status4xx", Unit::Count);
pub const STATUS_5XX: Metric = by_route("Status5xx", Unit::Count);
/// 1 for a keyed write answered from its record (a retry), else 0.
pub const REPLAYS: Metric = by_route("Replays", Unit::Count);
/// Write attempts lost to a concurrent write and made again.
pub const CONTENTION_RETRIES: Metric = by_route("ContentionRetries", Unit::Count);
/// 1 for the first invocation of an execution environment, else 0.
pub const COLD_START: Metric = by_route("ColdStart", Unit::Count);
pub const READ_CAPACITY: Metric = by_route("ConsumedReadCapacityUnits", Unit::Count);
pub const WRITE_CAPACITY: Metric = by_route("ConsumedWriteCapacityUnits", Unit::Count);
/// How long each identity-document image was in the bucket; only with an image.
pub const DOCUMENT_RETENTION: Metric = by_route("DocumentRetention", Unit::Milliseconds);
/// 1 per `409`, under its code (`email_taken`, `concurrent_update`, ...).
pub const CONFLICTS: Metric = Metric {
    name: "Conflicts",
    unit: Unit::Count,
    dimensions: BY_CODE,
};
/// The publisher's: stream records received, events kept and put, records given back.
pub const RECORDS: Metric = by_route("StreamRecords", Unit::Count);
pub const EVENTS_PUBLISHED: Metric = by_route("EventsPublished", Unit::Count);
pub const RECORDS_FAILED: Metric = by_route("StreamRecordsFailed", Unit::Count);

/// Every metric emitted, for the dashboard and alarms to be checked against.
pub const CATALOGUE: &[Metric] = &[
    LATENCY,
    STATUS_2XX,
    STATUS_4XX,
    STATUS_5XX,
    REPLAYS,
    CONTENTION_RETRIES,
    COLD_START,
    READ_CAPACITY,
    WRITE_CAPACITY,
    DOCUMENT_RETENTION,
    CONFLICTS,
    RECORDS,
    EVENTS_PUBLISHED,
    RECORDS_FAILED,
];

/// The `Route` of the publisher's metrics: it serves no route, and its function's name is
/// the one fixed name it has.
pub const PUBLISHER_ROUTE: &str = "publish-events";

/// The `Service` dimension and the logs' `service`: `POWERTOOLS_SERVICE_NAME` (the template
/// sets the stack's name, so that two stacks in one account keep their metrics apart).
pub fn service() -> &'static str {
    static SERVICE: OnceLock<String> = OnceLock::new();
    SERVICE.get_or_init(|| {
        std::env::var("POWERTOOLS_SERVICE_NAME")
            .ok()
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "customers-api".to_owned())
    })
}

/// One EMF document under way.
pub struct Document<'r> {
    service: &'static str,
    route: &'r str,
    code: Option<&'static str>,
    values: Vec<(Metric, Values)>,
}

enum Values {
    One(f64),
    Many(Vec<f64>),
}

impl<'r> Document<'r> {
    pub fn new(service: &'static str, route: &'r str) -> Self {
        Self {
            service,
            route,
            code: None,
            values: Vec::with_capacity(12),
        }
    }

    pub fn put(&mut self, metric: Metric, value: f64) -> &mut Self {
        self.values.push((metric, Values::One(value)));
        self
    }

    /// Several values of one metric (at most 100 per document, EMF's limit); none puts none.
    pub fn put_all(&mut self, metric: Metric, values: &[f64]) -> &mut Self {
        if !values.is_empty() {
            let kept = values.iter().take(100).copied().collect();
            self.values.push((metric, Values::Many(kept)));
        }
        self
    }

    /// A conflict under its code: its own directive, since its dimensions differ.
    pub fn conflict(&mut self, code: &'static str) -> &mut Self {
        self.code = Some(code);
        self.put(CONFLICTS, 1.0)
    }

    /// The document as one line of JSON, stamped `timestamp_ms` (Unix time).
    pub fn render(&self, timestamp_ms: i64) -> String {
        let mut out = String::with_capacity(1024);
        let _ = write!(
            out,
            r#"{{"_aws":{{"Timestamp":{timestamp_ms},"CloudWatchMetrics":["#
        );
        let mut first = true;
        for dimensions in [BY_ROUTE, BY_CODE] {
            let mut metrics = self
                .values
                .iter()
                .filter(|(m, _)| m.dimensions == dimensions)
                .peekable();
            if metrics.peek().is_none() {
                continue;
            }
            if !std::mem::take(&mut first) {
                out.push(',');
            }
            let _ = write!(out, r#"{{"Namespace":"{NAMESPACE}","Dimensions":[["#);
            push_names(&mut out, dimensions.iter().copied());
            out.push_str(r#"]],"Metrics":["#);
            for (i, (metric, _)) in metrics.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(
                    out,
                    r#"{{"Name":"{}","Unit":"{}"}}"#,
                    metric.name,
                    metric.unit.as_str()
                );
            }
            out.push_str("]}");
        }
        out.push_str("]},");
        push_member(&mut out, "Service", self.service);
        push_member(&mut out, "Route", self.route);
        if let Some(code) = self.code {
            push_member(&mut out, "Code", code);
        }
        for (metric, values) in &self.values {
            let _ = write!(out, r#""{}":"#, metric.name);
            match values {
                Values::One(value) => push_number(&mut out, *value),
                Values::Many(values) => {
                    out.push('[');
                    for (i, value) in values.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        push_number(&mut out, *value);
                    }
                    out.push(']');
                }
            }
            out.push(',');
        }
        out.pop();
        out.push('}');
        out
    }

    /// Writes the document to the log, where CloudWatch reads it.
    pub fn emit(&self) {
        let now = time::OffsetDateTime::now_utc();
        let document = self.render((now.unix_timestamp_nanos() / 1_000_000) as i64);
        tracing::info!(target: TARGET, emf = document.as_str());
    }
}

fn push_names<'a>(out: &mut String, names: impl Iterator<Item = &'a str>) {
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(out, name);
    }
}

fn push_member(out: &mut String, name: &str, value: &str) {
    push_string(out, name);
    out.push(':');
    push_string(out, value);
    out.push(',');
}

fn push_number(out: &mut String, value: f64) {
    // JSON has no NaN or infinity; a metric that cannot be a number is 0.
    let value = if value.is_finite() { value } else { 0.0 };
    let _ = write!(out, "{value}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn a_request_document_declares_each_metric_it_holds_under_its_dimensions() {
        let mut document = Document::new("stack", "POST /customers");
        document
            .put(LATENCY, 12.5)
            .put(STATUS_4XX, 1.0)
            .put_all(DOCUMENT_RETENTION, &[])
            .conflict("email_taken");
        let parsed: Value = serde_json::from_str(&document.render(1_700_000_000_123)).unwrap();
        assert_eq!(
            parsed,
            json!({
                "_aws": {"Timestamp": 1_700_000_000_123_i64, "CloudWatchMetrics": [
                    {"Namespace": "CustomersApi", "Dimensions": [["Service", "Route"]],
                     "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"},
                                 {"Name": "Status4xx", "Unit": "Count"}]},
                    {"Namespace": "CustomersApi", "Dimensions": [["Service", "Route", "Code"]],
                     "Metrics": [{"Name": "Conflicts", "Unit": "Count"}]}
                ]},
                "Service": "stack", "Route": "POST /customers", "Code": "email_taken",
                "Latency": 12.5, "Status4xx": 1, "Conflicts": 1
            })
        );
    }

    #[test]
    fn several_values_are_an_array_of_at_most_a_hundred_and_non_numbers_are_zero() {
        let many: Vec<f64> = (0..150).map(f64::from).collect();
        let mut document = Document::new("s", "r");
        document
            .put_all(DOCUMENT_RETENTION, &many)
            .put(LATENCY, f64::NAN);
        let parsed: Value = serde_json::from_str(&document.render(0)).unwrap();
        assert_eq!(parsed["DocumentRetention"].as_array().unwrap().len(), 100);
        assert_eq!(parsed["Latency"], json!(0));
        assert_eq!(
            parsed["_aws"]["CloudWatchMetrics"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "no conflict, no directive for it"
        );
    }

    #[test]
    fn the_catalogue_names_each_metric_once() {
        let mut names: Vec<_> = CATALOGUE.iter().map(|m| m.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
    }
}
