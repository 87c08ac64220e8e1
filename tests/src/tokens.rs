//! Who calls: tenants, scopes, the claims API Gateway's authorizer passes on, and tokens the
//! local gateway's authorizer accepts.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const TENANT: &str = "tenant-a";
pub const OTHER_TENANT: &str = "tenant-b";
pub const READ_WRITE: &str = "customers.read customers.write";

pub const JWT_SECRET: &str = "integration-test-secret-integration-test";

/// Local parameter values, as `make dev` passes them.
pub fn parameters() -> BTreeMap<String, String> {
    [
        ("JwtIssuer", "http://127.0.0.1/test-issuer"),
        ("JwtAudience", "customers-api"),
        ("TenantClaim", "tenant_id"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Claims as API Gateway's JWT authorizer passes them to a function.
pub fn claims(tenant: &str, scope: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), "user-1".into());
    claims.insert("tenant_id".into(), tenant.into());
    claims.insert("scope".into(), scope.into());
    claims
}

/// A token as the local authorizer accepts it; `extra` adds or overrides claims.
pub fn token(tenant: Option<&str>, scope: &str, extra: &[(&str, Value)]) -> String {
    let config = jwt();
    let mut claims = config.claims("user-1", 3600);
    if let Some(tenant) = tenant {
        claims.insert("tenant_id".into(), tenant.into());
    }
    claims.insert("scope".into(), scope.into());
    for (k, v) in extra {
        claims.insert((*k).to_owned(), v.clone());
    }
    config.mint(&claims).expect("mint")
}

pub fn jwt() -> local_gateway::jwt::JwtConfig {
    let params = parameters();
    local_gateway::jwt::JwtConfig {
        secret: JWT_SECRET.into(),
        issuer: params["JwtIssuer"].clone(),
        audiences: vec![params["JwtAudience"].clone()],
    }
}
