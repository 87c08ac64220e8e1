use super::auth::local::{gateway_claims, LocalAuth};
use super::auth::{self, Claims, Scope};
use super::{ApiError, RequestInfo};
use crate::domain::Principal;
use crate::support::usage::{self, Usage};
use crate::support::{metrics, spans};
use lambda_http::{Body, Request, Response};
use std::borrow::Cow;
use std::future::Future;
use std::time::Instant;
use tracing::Instrument;

/// The request pipeline every route shares; routes differ only in scope and operation.
#[derive(Debug, Clone)]
pub struct Endpoint {
    tenant_claim: String,
    local_auth: Option<LocalAuth>,
}

impl Endpoint {
    pub fn new(tenant_claim: impl Into<String>) -> Self {
        Self {
            tenant_claim: tenant_claim.into(),
            local_auth: None,
        }
    }

    /// Under `sam local start-api` (no authorizer), the bearer token verified here instead.
    pub fn with_local_auth(mut self, local_auth: Option<LocalAuth>) -> Self {
        self.local_auth = local_auth;
        self
    }

    /// The claims API Gateway verified (`verified`, read from the request), or, on a local run
    /// without an authorizer, those of the bearer token this function verifies itself.
    fn claims<'r>(
        &self,
        request: &Request,
        verified: Option<Cow<'r, Claims>>,
    ) -> Option<Cow<'r, Claims>> {
        if verified.is_some() {
            return verified;
        }
        let local_auth = self.local_auth.as_ref()?;
        let authorization = request
            .headers()
            .get(lambda_http::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        local_auth
            .verify(authorization, now)
            .ok()
            .map(|claims| Cow::Owned(gateway_claims(&claims)))
    }

    /// Authorises the request, runs `operation`, maps any error to problem+json and writes
    /// the request's one log line. Functions supply only `operation`.
    pub async fn respond<F, Fut>(
        &self,
        request: Request,
        scope: Scope,
        operation: F,
    ) -> Response<Body>
    where
        F: FnOnce(Principal, Request) -> Fut,
        Fut: Future<Output = Result<Response<Body>, ApiError>>,
    {
        let (mut context, claims) = Context::of(&request);
        let claims = self.claims(&request, claims);
        let principal = auth::authorize(claims.as_deref(), &self.tenant_claim, scope);
        context.tenant = principal
            .as_ref()
            .ok()
            .map(|p| p.tenant.as_str().to_owned());
        let work = principal
            .map(|principal| operation(principal, request))
            .map_err(ApiError::from);
        context.answer(work).await
    }

    /// The same pipeline for a route anyone may call (no token, no tenant): errors, the log line
    /// and the metrics as for every other route.
    pub async fn respond_public<F, Fut>(&self, request: Request, operation: F) -> Response<Body>
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Result<Response<Body>, ApiError>>,
    {
        let (context, _) = Context::of(&request);
        context.answer(Ok(operation(request))).await
    }
}

/// What the log line and the metrics of a request say besides its answer.
struct Context {
    started: Instant,
    request_id: Option<String>,
    route: String,
    routed: bool,
    tenant: Option<String>,
    idempotency_key: Option<String>,
    cold_start: bool,
}

impl Context {
    /// What is known of `request` before it is authorised, and the claims the gateway verified.
    fn of(request: &Request) -> (Self, Option<Cow<'_, Claims>>) {
        let started = Instant::now();
        let RequestInfo {
            request_id,
            route,
            routed,
            claims,
        } = RequestInfo::of(request);
        let context = Self {
            started,
            request_id,
            route,
            routed,
            tenant: None,
            idempotency_key: key_hash(request),
            cold_start: cold_start(request),
        };
        (context, claims)
    }

    /// Runs `work` (or answers the refusal that stood in its place), then logs and counts.
    async fn answer<Fut>(self, work: Result<Fut, ApiError>) -> Response<Body>
    where
        Fut: Future<Output = Result<Response<Body>, ApiError>>,
    {
        let Context {
            started,
            request_id,
            route,
            routed,
            tenant,
            idempotency_key,
            cold_start,
        } = self;
        let span = spans::use_case(route.as_str());
        let (result, usage) = match work {
            Ok(work) => usage::measure(work.instrument(span.clone())).await,
            Err(e) => (Err(e), Usage::default()),
        };
        let (response, error_code) = match result {
            Ok(response) => (response, None),
            Err(error) => {
                let problem = error.problem().with_request_id(request_id.clone());
                if problem.status().is_server_error() {
                    // The error's text names codes and kinds only, never request data.
                    tracing::error!(request_id = request_id.as_deref(), error = %error, "request failed");
                }
                let code = problem.code();
                (problem.into_response(), Some(code))
            }
        };
        spans::outcome(&span, response.status().as_u16());
        let replayed = response.headers().contains_key(super::response::REPLAYED);
        let latency_ms = started.elapsed().as_secs_f64() * 1e3;
        tracing::info!(
            request_id = request_id.as_deref(),
            // A string, not `%route`: the same JSON string, without formatting it first.
            route = route.as_str(),
            status = response.status().as_u16(),
            idempotency_key = idempotency_key.as_deref(),
            replayed,
            latency_ms,
            tenant = tenant.as_deref(),
            error_code,
            consumed_rcu = usage.read,
            consumed_wcu = usage.write,
            contention_retries = usage.contention_retries,
            "request"
        );
        let outcome = Outcome {
            status: response.status().as_u16(),
            error_code,
            replayed,
            cold_start,
            latency_ms,
        };
        // A metric's dimension takes no value a client chose: a request that came without the
        // gateway's route is counted under one name.
        let metric_route = if routed { route.as_str() } else { UNROUTED };
        outcome.metrics(metric_route, &usage).emit();
        response
    }
}

fn cold_start(request: &Request) -> bool {
    request.extensions().get::<ColdStart>().is_some_and(|c| c.0)
}

/// The `Route` of the metrics of a request without the gateway's route.
pub const UNROUTED: &str = "unrouted";

/// Whether this invocation is its execution environment's first, as the function's runtime
/// loop knows it (a request extension; absent, as in tests that call a handler, it is not).
#[derive(Debug, Clone, Copy)]
pub struct ColdStart(pub bool);

/// How a request was answered, for its metrics.
struct Outcome {
    status: u16,
    error_code: Option<&'static str>,
    replayed: bool,
    cold_start: bool,
    latency_ms: f64,
}

impl Outcome {
    fn metrics<'r>(&self, route: &'r str, usage: &Usage) -> metrics::Document<'r> {
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        let mut document = metrics::Document::new(metrics::service(), route);
        document
            .put(metrics::LATENCY, self.latency_ms)
            .put(metrics::STATUS_2XX, flag(self.status < 400))
            .put(metrics::STATUS_4XX, flag((400..500).contains(&self.status)))
            .put(metrics::STATUS_5XX, flag(self.status >= 500))
            .put(metrics::REPLAYS, flag(self.replayed))
            .put(
                metrics::CONTENTION_RETRIES,
                f64::from(usage.contention_retries),
            )
            .put(metrics::COLD_START, flag(self.cold_start))
            .put(metrics::READ_CAPACITY, usage.read)
            .put(metrics::WRITE_CAPACITY, usage.write)
            .put_all(metrics::DOCUMENT_RETENTION, &usage.document_retention_ms);
        if let (409, Some(code)) = (self.status, self.error_code) {
            document.conflict(code);
        }
        document
    }
}

/// The request's `Idempotency-Key` as the log knows it: a short hash, never the key (a client
/// may put anything in it).
fn key_hash(request: &Request) -> Option<String> {
    use sha2::{Digest, Sha256};
    let key = request.headers().get(&super::keyed::IDEMPOTENCY_KEY)?;
    let digest = Sha256::digest(key.as_bytes());
    Some(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
}
