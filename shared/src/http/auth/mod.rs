//! Authorisation of requests whose token API Gateway's JWT authorizer has already verified.
//! The function never sees an unverified token: it only reads the claims the gateway passes on,
//! and fails closed when there are none. The one exception is a local run under `sam local
//! start-api`, which has no authorizer: [`local`].

pub mod local;

use crate::domain::{Principal, Subject, TenantId};
use std::collections::HashMap;
use thiserror::Error;

/// What a route requires of the caller's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    CustomersRead,
    CustomersWrite,
}

impl Scope {
    pub fn as_str(&self) -> &'static str {
        match self {
            Scope::CustomersRead => "customers.read",
            Scope::CustomersWrite => "customers.write",
        }
    }

    /// Some identity providers issue one combined scope instead of two.
    fn granted_by(&self, scope: &str) -> bool {
        scope == self.as_str() || scope == "customers.read_write"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    #[error("the request carries no verified identity")]
    Unauthenticated,
    #[error("the token has no `{claim}` claim naming its tenant")]
    TenantRequired { claim: String },
    #[error("the token's `{claim}` claim is not a valid tenant id")]
    InvalidTenant { claim: String },
    #[error("this operation requires the `{}` scope", .required.as_str())]
    InsufficientScope { required: Scope },
}

/// Verified claims as API Gateway hands them over: every value a string (HTTP APIs render
/// arrays as `[a b]`).
pub type Claims = HashMap<String, String>;

/// Authorises a caller for one route. The subject is checked first (no subject means the token
/// was never verified: 401), then the tenant, then the scope.
pub fn authorize(
    claims: Option<&Claims>,
    tenant_claim: &str,
    required: Scope,
) -> Result<Principal, AuthError> {
    let claims = claims.ok_or(AuthError::Unauthenticated)?;
    let subject = claims
        .get("sub")
        .and_then(|s| Subject::parse(s))
        .ok_or(AuthError::Unauthenticated)?;
    let tenant = match claims.get(tenant_claim).map(|t| t.trim()) {
        None | Some("") => {
            return Err(AuthError::TenantRequired {
                claim: tenant_claim.to_owned(),
            })
        }
        Some(raw) => TenantId::parse(raw).map_err(|_| AuthError::InvalidTenant {
            claim: tenant_claim.to_owned(),
        })?,
    };
    if !grants(claims, required) {
        return Err(AuthError::InsufficientScope { required });
    }
    Ok(Principal { subject, tenant })
}

/// Whether the token's scopes (`scope`, or `scp` as some providers name it) include `scope`.
pub fn grants(claims: &Claims, scope: Scope) -> bool {
    ["scope", "scp"]
        .iter()
        .filter_map(|name| claims.get(*name))
        .flat_map(|value| split_scopes(value))
        .any(|granted| scope.granted_by(&granted))
}

/// `scope` is space-separated (RFC 8693); an array claim arrives from HTTP APIs as `[a b]` and
/// from REST APIs as a JSON array string.
fn split_scopes(value: &str) -> Vec<String> {
    value
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([' ', ','])
        .map(|s| s.trim().trim_matches('"'))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> Claims {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_subject_tenant_and_scopes() {
        let c = claims(&[
            ("sub", "user-1"),
            ("tenant_id", "acme"),
            ("scope", "openid customers.write"),
        ]);
        let p = authorize(Some(&c), "tenant_id", Scope::CustomersWrite).unwrap();
        assert_eq!(p.subject.as_str(), "user-1");
        assert_eq!(p.tenant.as_str(), "acme");
        assert_eq!(
            authorize(Some(&c), "tenant_id", Scope::CustomersRead),
            Err(AuthError::InsufficientScope {
                required: Scope::CustomersRead
            })
        );
    }

    #[test]
    fn read_write_scope_grants_both() {
        let c = claims(&[
            ("sub", "u"),
            ("org", "acme"),
            ("scope", "customers.read_write"),
        ]);
        assert!(authorize(Some(&c), "org", Scope::CustomersRead).is_ok());
        assert!(authorize(Some(&c), "org", Scope::CustomersWrite).is_ok());
    }

    #[test]
    fn array_renderings_of_scopes() {
        assert_eq!(
            split_scopes("[customers.read customers.write]"),
            ["customers.read", "customers.write"]
        );
        assert_eq!(
            split_scopes("[\"customers.read\",\"x\"]"),
            ["customers.read", "x"]
        );
        let c = claims(&[
            ("sub", "u"),
            ("tenant_id", "t"),
            ("scp", "[customers.read]"),
        ]);
        assert!(authorize(Some(&c), "tenant_id", Scope::CustomersRead).is_ok());
    }

    #[test]
    fn fails_closed() {
        assert_eq!(
            authorize(None, "tenant_id", Scope::CustomersRead),
            Err(AuthError::Unauthenticated)
        );
        let no_sub = claims(&[("tenant_id", "t"), ("scope", "customers.read")]);
        assert_eq!(
            authorize(Some(&no_sub), "tenant_id", Scope::CustomersRead),
            Err(AuthError::Unauthenticated)
        );
    }

    #[test]
    fn tenant_is_required_and_must_be_well_formed() {
        let missing = claims(&[("sub", "u"), ("scope", "customers.read")]);
        assert!(matches!(
            authorize(Some(&missing), "tenant_id", Scope::CustomersRead),
            Err(AuthError::TenantRequired { .. })
        ));
        let bad = claims(&[
            ("sub", "u"),
            ("tenant_id", "a#b"),
            ("scope", "customers.read"),
        ]);
        assert!(matches!(
            authorize(Some(&bad), "tenant_id", Scope::CustomersRead),
            Err(AuthError::InvalidTenant { .. })
        ));
    }

    #[test]
    fn scope_must_match_exactly() {
        let c = claims(&[
            ("sub", "u"),
            ("tenant_id", "t"),
            ("scope", "customers.readonly"),
        ]);
        assert!(matches!(
            authorize(Some(&c), "tenant_id", Scope::CustomersRead),
            Err(AuthError::InsufficientScope { .. })
        ));
    }
}
