//! The local JWT authorizer. It does what API Gateway's HTTP API JWT authorizer does before any
//! function runs: verify signature, `exp`, `nbf`, `iss` and `aud`, and answer 401 itself. It
//! verifies HS256 with a shared secret (in AWS the authorizer uses the issuer's JWKS, RS256),
//! through the very verifier the functions use under `sam local start-api`
//! (`shared::http::auth::local`), and mints development tokens with `jsonwebtoken`, so the tests
//! below check the two against each other.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{Map, Value};
use shared::http::auth::local::LocalAuth;
pub use shared::http::auth::local::{gateway_claims, Rejection};
use std::time::{SystemTime, UNIX_EPOCH};

/// The authorizer's settings: issuer and audiences come from the template's
/// `JwtConfiguration` (resolved with the local parameter values); the secret stands in for the
/// issuer's signing keys.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub secret: String,
    pub issuer: String,
    pub audiences: Vec<String>,
}

pub const DEFAULT_SECRET: &str = "local-development-secret-not-for-production";

/// `JWT_SECRET`, or the development default.
pub fn secret_from_env() -> String {
    std::env::var("JWT_SECRET")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_SECRET.to_owned())
}

impl JwtConfig {
    /// The verified claims of `authorization` (a header value), or why it was refused, in
    /// the words API Gateway uses in `WWW-Authenticate`.
    pub fn verify(&self, authorization: Option<&str>) -> Result<Map<String, Value>, Rejection> {
        LocalAuth::new(self.secret.as_bytes(), &self.issuer, self.audiences.clone())
            .ok_or(Rejection::Invalid(
                "the local secret (JWT_SECRET) must be at least 32 bytes",
            ))?
            .verify(authorization, now_epoch())
    }

    /// Signs a token for local use (`make dev` prints one; tests mint their own).
    pub fn mint(&self, claims: &Map<String, Value>) -> Result<String, jsonwebtoken::errors::Error> {
        encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(self.secret.as_bytes()),
        )
    }

    /// Standard claims for a token valid for `ttl_seconds` from now.
    pub fn claims(&self, sub: &str, ttl_seconds: i64) -> Map<String, Value> {
        let now = now_epoch();
        let mut claims = Map::new();
        claims.insert("iss".into(), self.issuer.clone().into());
        let audience = self.audiences.first().cloned().unwrap_or_default();
        claims.insert("aud".into(), audience.into());
        claims.insert("sub".into(), sub.into());
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), (now + ttl_seconds).into());
        claims
    }
}

pub fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn config() -> JwtConfig {
        JwtConfig {
            secret: "s3cret-s3cret-s3cret-s3cret-s3cret".into(),
            issuer: "iss".into(),
            audiences: vec!["aud".into()],
        }
    }

    #[test]
    fn accepts_a_valid_token_with_or_without_the_scheme() {
        let c = config();
        let token = c.mint(&c.claims("u1", 60)).unwrap();
        assert_eq!(
            c.verify(Some(&format!("Bearer {token}"))).unwrap()["sub"],
            "u1"
        );
        assert_eq!(c.verify(Some(&token)).unwrap()["sub"], "u1");
    }

    #[test]
    fn refuses_expired_wrong_issuer_audience_and_signature() {
        let c = config();
        let expired = c.mint(&c.claims("u", -5)).unwrap();
        assert_eq!(
            c.verify(Some(&expired)),
            Err(Rejection::Invalid("the token has expired"))
        );
        let mut other = c.clone();
        other.issuer = "elsewhere".into();
        assert!(c
            .verify(Some(&other.mint(&other.claims("u", 60)).unwrap()))
            .is_err());
        let mut other = c.clone();
        other.audiences = vec!["other".into()];
        assert!(c
            .verify(Some(&other.mint(&other.claims("u", 60)).unwrap()))
            .is_err());
        let mut other = c.clone();
        other.secret = "another-secret-another-secret-xx".into();
        assert!(c
            .verify(Some(&other.mint(&other.claims("u", 60)).unwrap()))
            .is_err());
    }

    #[test]
    fn refuses_unsigned_tokens() {
        let c = config();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = b64.encode(serde_json::to_vec(&c.claims("u", 60)).unwrap());
        assert!(c.verify(Some(&format!("{header}.{payload}."))).is_err());
        assert_eq!(c.verify(None), Err(Rejection::Missing));
        assert_eq!(c.verify(Some("Bearer ")), Err(Rejection::Missing));
        assert!(c.verify(Some("Basic dXNlcjpwYXNz")).is_err());
    }

    #[test]
    fn claims_are_rendered_as_http_apis_do() {
        let mut claims = Map::new();
        claims.insert("scp".into(), serde_json::json!(["a", "b"]));
        claims.insert("n".into(), serde_json::json!(5));
        let rendered = gateway_claims(&claims);
        assert_eq!(rendered["scp"], "[a b]");
        assert_eq!(rendered["n"], "5");
    }
}
