use super::auth::local::{gateway_claims, LocalAuth};
use super::auth::{self, Claims, Scope};
use super::{ApiError, RequestInfo};
use crate::domain::Principal;
use crate::support::capacity::{self, Consumed};
use lambda_http::{Body, Request, Response};
use std::borrow::Cow;
use std::future::Future;
use std::time::Instant;

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
        let started = Instant::now();
        let RequestInfo {
            request_id,
            route,
            claims,
        } = RequestInfo::of(&request);
        let idempotency_key = key_hash(&request);
        let claims = self.claims(&request, claims);
        let principal = auth::authorize(claims.as_deref(), &self.tenant_claim, scope);
        let tenant = principal
            .as_ref()
            .ok()
            .map(|p| p.tenant.as_str().to_owned());
        let (result, consumed) = match principal {
            Ok(principal) => capacity::measure(operation(principal, request)).await,
            Err(e) => (Err(ApiError::from(e)), Consumed::default()),
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
        let replayed = response.headers().contains_key(super::response::REPLAYED);
        tracing::info!(
            request_id = request_id.as_deref(),
            // A string, not `%route`: the same JSON string, without formatting it first.
            route = route.as_str(),
            status = response.status().as_u16(),
            idempotency_key = idempotency_key.as_deref(),
            replayed,
            latency_ms = started.elapsed().as_secs_f64() * 1e3,
            tenant = tenant.as_deref(),
            error_code,
            consumed_rcu = consumed.read,
            consumed_wcu = consumed.write,
            "request"
        );
        response
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
