//! X-Ray subsegments for what an invocation spends its time on: each use case
//! ([`crate::support::spans::use_case`]) and each AWS call (the SDK's span per operation,
//! which carries `rpc.system`).
//! With `Tracing: Active`, Lambda records the invocation's segment and passes its trace and
//! segment ids in the trace header; a subsegment is a JSON document sent over UDP to the
//! X-Ray daemon Lambda runs beside the function (`AWS_XRAY_DAEMON_ADDRESS`), as the X-Ray SDKs
//! do. No Rust X-Ray SDK is maintained; the documents are small enough to write here.
//!
//! Only sampled invocations (`Sampled=1`) make these spans at all: the layer reads whether the
//! current invocation is sampled (an execution environment runs one invocation at a time),
//! so an unsampled request pays for none.

use crate::support::log_format::{push_string, INVOCATION};
use crate::support::spans::USE_CASE;
use std::fmt::Write as _;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

static SAMPLED: AtomicBool = AtomicBool::new(false);

/// The trace a sampled invocation belongs to, from its `X-Amzn-Trace-Id` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    root: String,
    parent: String,
}

impl Trace {
    /// Called as an invocation begins: whether spans are wanted until the next one.
    pub fn begin(header: Option<&str>) {
        SAMPLED.store(Self::parse_sampled(header).is_some(), Ordering::Relaxed);
    }

    fn parse_sampled(header: Option<&str>) -> Option<Self> {
        header.and_then(Self::parse)
    }

    fn parse(header: &str) -> Option<Self> {
        let (mut root, mut parent, mut sampled) = (None, None, false);
        for part in header.split(';').map(str::trim) {
            if let Some(value) = part.strip_prefix("Root=") {
                root = Some(value);
            } else if let Some(value) = part.strip_prefix("Parent=") {
                parent = Some(value);
            } else if part == "Sampled=1" {
                sampled = true;
            }
        }
        match (root, parent, sampled) {
            (Some(root), Some(parent), true) => Some(Self {
                root: root.to_owned(),
                parent: parent.to_owned(),
            }),
            _ => None,
        }
    }
}

/// A span that becomes a subsegment: a use case's, an AWS call's.
fn traced(metadata: &Metadata<'_>) -> bool {
    metadata.is_span()
        && (metadata.name() == USE_CASE || metadata.fields().field("rpc.system").is_some())
}

/// Sends a subsegment per wanted span, once it closes.
pub struct XRay {
    daemon: SocketAddr,
    socket: UdpSocket,
}

impl XRay {
    /// The layer, when the X-Ray daemon's address is known (`AWS_XRAY_DAEMON_ADDRESS`:
    /// `host:port`, or `tcp:… udp:host:port`).
    pub fn from_env() -> Option<Self> {
        let address = std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok()?;
        let udp = address
            .split_whitespace()
            .find_map(|part| part.strip_prefix("udp:"))
            .unwrap_or(address.as_str());
        let daemon: SocketAddr = udp.parse().ok()?;
        let local: SocketAddr = if daemon.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            ([0u16; 8], 0).into()
        };
        let socket = UdpSocket::bind(local).ok()?;
        Some(Self { daemon, socket })
    }
}

/// What a span will be sent as.
struct Subsegment {
    trace: Trace,
    id: String,
    name: String,
    operation: Option<String>,
    start: f64,
    /// X-Ray's flags: a 5xx (`fault`) or a 4xx (`error`), recorded as the use case ends.
    fault: bool,
    error: bool,
}

/// The layer filters globally, not per layer: a span every per-layer filter refuses is still
/// made (tracing-subscriber's registry makes it when any filter might want it), so only a
/// layer's own `enabled` can keep an unsampled invocation from paying for its spans. It
/// refuses only the spans it would trace, and only while the invocation is not sampled; all
/// else it leaves to the log's filter.
impl<S> Layer<S> for XRay
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if traced(metadata) {
            Interest::sometimes()
        } else {
            Interest::always()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        !traced(metadata) || SAMPLED.load(Ordering::Relaxed)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::DEBUG)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let metadata = attrs.metadata();
        if metadata.name() != INVOCATION && !traced(metadata) {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if attrs.metadata().name() == INVOCATION {
            if let Some(trace) = Trace::parse_sampled(fields.trace_header.as_deref()) {
                span.extensions_mut().insert(trace);
            }
            return;
        }
        // The nearest enclosing subsegment is the parent; else the invocation's segment.
        let parent = span.scope().skip(1).find_map(|ancestor| {
            let extensions = ancestor.extensions();
            if let Some(sub) = extensions.get::<Subsegment>() {
                return Some((sub.trace.root.clone(), sub.id.clone()));
            }
            extensions
                .get::<Trace>()
                .map(|t| (t.root.clone(), t.parent.clone()))
        });
        let Some((root, parent)) = parent else { return };
        let name = match (fields.service, fields.use_case) {
            (Some(service), _) => service,
            (None, Some(use_case)) => use_case,
            (None, None) => attrs.metadata().name().to_owned(),
        };
        span.extensions_mut().insert(Subsegment {
            trace: Trace { root, parent },
            id: format!("{:016x}", fastrand::u64(..)),
            name,
            operation: fields.method,
            start: now(),
            fault: fields.fault,
            error: fields.error,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        values.record(&mut fields);
        let mut extensions = span.extensions_mut();
        if let Some(sub) = extensions.get_mut::<Subsegment>() {
            sub.fault |= fields.fault;
            sub.error |= fields.error;
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let extensions = span.extensions();
        let Some(sub) = extensions.get::<Subsegment>() else {
            return;
        };
        let document = sub.render(now());
        // Tracing is best effort: a lost datagram costs a subsegment, never a request.
        let _ = self.socket.send_to(document.as_bytes(), self.daemon);
    }
}

impl Subsegment {
    fn render(&self, end: f64) -> String {
        let mut out = String::with_capacity(320);
        out.push_str("{\"format\":\"json\",\"version\":1}\n");
        out.push_str(r#"{"type":"subsegment","trace_id":"#);
        push_string(&mut out, &self.trace.root);
        out.push_str(r#","parent_id":"#);
        push_string(&mut out, &self.trace.parent);
        let _ = write!(out, r#","id":"{}","name":"#, self.id);
        push_string(&mut out, &self.name);
        let _ = write!(
            out,
            r#","start_time":{:.6},"end_time":{:.6}"#,
            self.start, end
        );
        for (flag, name) in [(self.fault, "fault"), (self.error, "error")] {
            if flag {
                let _ = write!(out, r#","{name}":true"#);
            }
        }
        if let Some(operation) = &self.operation {
            out.push_str(r#","namespace":"aws","aws":{"operation":"#);
            push_string(&mut out, operation);
            out.push('}');
        }
        out.push('}');
        out
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The fields a subsegment is named by (an AWS call's service and operation, a use case's
/// name) and flagged by, and an invocation's trace header.
#[derive(Default)]
struct Fields {
    service: Option<String>,
    method: Option<String>,
    use_case: Option<String>,
    trace_header: Option<String>,
    fault: bool,
    error: bool,
}

impl Visit for Fields {
    fn record_bool(&mut self, field: &Field, value: bool) {
        match field.name() {
            "fault" => self.fault = value,
            "error" => self.error = value,
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let slot = match field.name() {
            "rpc.service" => &mut self.service,
            "rpc.method" => &mut self.method,
            "use_case" => &mut self.use_case,
            "trace_header" => &mut self.trace_header,
            _ => return,
        };
        *slot = Some(value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if matches!(field.name(), "rpc.service" | "rpc.method" | "use_case") {
            let text = format!("{value:?}");
            self.record_str(field, text.trim_matches('"'));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::log_layer_at;
    use crate::lambda::invocation_span;
    use crate::support::spans;
    use crate::testing::LogLines as Lines;
    use lambda_http::lambda_runtime;
    use serde_json::Value;
    use std::time::Duration;
    use tracing::Instrument;
    use tracing_subscriber::layer::SubscriberExt;

    const SAMPLED_HEADER: &str =
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    const UNSAMPLED_HEADER: &str =
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0";

    /// What a fake daemon received: each datagram's header line, then its document.
    fn received(daemon: &UdpSocket) -> Vec<Value> {
        let mut documents = Vec::new();
        let mut buffer = [0u8; 65_536];
        while let Ok(size) = daemon.recv(&mut buffer) {
            let text = std::str::from_utf8(&buffer[..size]).expect("UTF-8");
            let (header, document) = text.split_once('\n').expect("a header line");
            assert_eq!(header, r#"{"format":"json","version":1}"#);
            documents.push(serde_json::from_str(document).expect("a JSON document"));
        }
        documents
    }

    /// An invocation with `header`, through the functions' own invocation span, that runs a
    /// use case making one (failing) DynamoDB call and answering 503; whether it was cold,
    /// and whether its use case made a span.
    async fn invocation(header: &str) -> (bool, bool) {
        let mut context = lambda_runtime::Context::default();
        context.request_id = "r".to_owned();
        context.xray_trace_id = Some(header.to_owned());
        let (span, cold_start) = invocation_span(Some(&context));
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "a", "b", None, None, "test",
            ))
            // Nothing listens there: the call fails at once, after its span opened.
            .endpoint_url("http://127.0.0.1:9")
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build();
        let client = aws_sdk_dynamodb::Client::from_conf(config);
        let spanned = async {
            let use_case = spans::use_case("GET /customers/{id}");
            let call = client.get_item().table_name("t").send();
            let _ = call.instrument(use_case.clone()).await;
            spans::outcome(&use_case, 503);
            tracing::info!("answered");
            !use_case.is_disabled()
        }
        .instrument(span)
        .await;
        (cold_start, spanned)
    }

    /// The functions' subscriber, as `init_telemetry` makes it, with the log (at `level`) into
    /// `lines` and the daemon on loopback.
    fn subscriber(daemon: &UdpSocket, lines: &Lines, level: &str) -> impl Subscriber {
        let traces = XRay {
            daemon: daemon.local_addr().unwrap(),
            socket: UdpSocket::bind("127.0.0.1:0").unwrap(),
        };
        tracing_subscriber::registry()
            .with(log_layer_at(lines.clone(), None, Some(level)))
            .with(Some(traces))
    }

    fn check(documents: &[Value]) {
        assert_eq!(documents.len(), 2, "{documents:?}");
        // The call closes first; its parent is the use case, whose parent is Lambda's segment.
        let (call, use_case) = (&documents[0], &documents[1]);
        assert_eq!(use_case["name"], "GET /customers/{id}");
        assert_eq!(use_case["parent_id"], "53995c3f42cd8ad8");
        assert_eq!(use_case["fault"], true, "answered 5xx");
        assert_eq!(call["name"], "DynamoDB");
        assert_eq!(call["namespace"], "aws");
        assert_eq!(call["aws"]["operation"], "GetItem");
        assert_eq!(call["parent_id"], use_case["id"]);
        for document in documents {
            assert_eq!(document["type"], "subsegment");
            assert_eq!(document["trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
            let id = document["id"].as_str().unwrap_or_default();
            assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()));
            let (start, end) = (&document["start_time"], &document["end_time"]);
            assert!(start.as_f64().unwrap() <= end.as_f64().unwrap());
        }
    }

    #[tokio::test]
    async fn a_sampled_invocation_sends_its_use_case_and_aws_calls_and_an_unsampled_one_nothing() {
        let daemon = UdpSocket::bind("127.0.0.1:0").unwrap();
        daemon
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();

        // At INFO, an unsampled invocation makes no span of a use case or call at all.
        let lines = Lines::default();
        let guard = tracing::subscriber::set_default(subscriber(&daemon, &lines, "INFO"));
        assert_eq!(
            invocation(UNSAMPLED_HEADER).await,
            (true, false),
            "cold, no span"
        );
        assert!(received(&daemon).is_empty());
        assert_eq!(
            invocation(SAMPLED_HEADER).await,
            (false, true),
            "warm, traced"
        );
        check(&received(&daemon));
        assert!(lines.text().contains(r#""function_request_id":"r""#));
        drop(guard);

        // At DEBUG the log admits more spans (the SDK's among them); the traces still take
        // only theirs, and an unsampled invocation still makes none of them.
        let guard = tracing::subscriber::set_default(subscriber(&daemon, &lines, "DEBUG"));
        assert_eq!(invocation(UNSAMPLED_HEADER).await, (false, false));
        assert!(received(&daemon).is_empty());
        invocation(SAMPLED_HEADER).await;
        check(&received(&daemon));
        drop(guard);
    }

    #[test]
    fn only_a_sampled_header_with_its_ids_is_a_trace() {
        assert!(Trace::parse(SAMPLED_HEADER).is_some());
        assert!(Trace::parse(UNSAMPLED_HEADER).is_none());
        assert!(Trace::parse("Root=1-a;Sampled=1").is_none());
        assert!(Trace::parse("Root=1-a;Parent=b").is_none());
        assert_eq!(
            Trace::parse("Sampled=1; Parent=b; Root=1-a"),
            Some(Trace {
                root: "1-a".into(),
                parent: "b".into()
            })
        );
    }
}
