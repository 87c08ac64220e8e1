//! The JWT authorizer's stand-in under `sam local start-api`, which skips HTTP API JWT
//! authorizers (aws/aws-sam-cli#2833) and so passes no claims. There, and only there, the
//! function verifies the bearer token itself, as the authorizer would: an HS256 signature with
//! the local development secret, `exp`, `nbf`, `iss` and `aud`; then the claims reach
//! [`super::authorize`] exactly as API Gateway hands them over.
//!
//! Three things must all hold, or the request stays unauthenticated (401), as deployed:
//! `AWS_SAM_LOCAL=true` (set by the SAM CLI in its containers, never by Lambda), a
//! `LOCAL_JWT_SECRET` of at least 32 bytes (template.yaml declares it as a literal empty
//! string, so no deployment parameter can set it; `sam local --env-vars` can), and the
//! issuer and audiences of the template's authorizer.
//!
//! HS256 is checked with `hmac` and `sha2` (small, and SHA-256 is in every function for
//! cursors and request fingerprints): `jsonwebtoken`'s pure-Rust backend would link every
//! algorithm (RSA, ECDSA, EdDSA) into every binary for a path that runs only on a developer's machine. The
//! local gateway mints with `jsonwebtoken`, and the tests check that this verifier agrees.

use super::Claims;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

const MIN_SECRET_BYTES: usize = 32;

/// Verifies bearer tokens for a local run.
#[derive(Clone)]
pub struct LocalAuth {
    secret: Vec<u8>,
    issuer: String,
    audiences: Vec<String>,
}

/// The secret is never printed.
impl std::fmt::Debug for LocalAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalAuth")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .finish_non_exhaustive()
    }
}

/// Why a token was refused, in the words API Gateway's authorizer uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Missing,
    Invalid(&'static str),
}

impl Rejection {
    /// The `WWW-Authenticate` value API Gateway sends with its 401.
    pub fn www_authenticate(&self) -> String {
        match self {
            Rejection::Missing => "Bearer".to_owned(),
            Rejection::Invalid(description) => format!(
                "Bearer scope=\"\" error=\"invalid_token\" error_description=\"{description}\""
            ),
        }
    }
}

impl LocalAuth {
    pub fn new(secret: &[u8], issuer: &str, audiences: Vec<String>) -> Option<Self> {
        let usable = secret.len() >= MIN_SECRET_BYTES
            && !issuer.trim().is_empty()
            && audiences.iter().any(|a| !a.trim().is_empty());
        usable.then(|| Self {
            secret: secret.to_vec(),
            issuer: issuer.to_owned(),
            audiences,
        })
    }

    /// The local verifier, when the environment is a SAM CLI container given a local secret;
    /// `None` anywhere else (and so on Lambda).
    pub fn from_env(var: impl Fn(&'static str) -> Option<String>) -> Option<Self> {
        if var("AWS_SAM_LOCAL").as_deref() != Some("true") {
            return None;
        }
        let secret = var("LOCAL_JWT_SECRET")?;
        let issuer = var("JWT_ISSUER")?;
        let audiences = var("JWT_AUDIENCE")?
            .split(',')
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        Self::new(secret.as_bytes(), &issuer, audiences)
    }

    /// The verified claims of an `Authorization` header value, at `now` (seconds since the
    /// epoch).
    pub fn verify(
        &self,
        authorization: Option<&str>,
        now: i64,
    ) -> Result<Map<String, Value>, Rejection> {
        let header = authorization.ok_or(Rejection::Missing)?.trim();
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            Some(_) => return Err(Rejection::Invalid("invalid authorization scheme")),
            None => header,
        };
        if token.is_empty() || token.eq_ignore_ascii_case("bearer") {
            return Err(Rejection::Missing);
        }
        let undecodable = Rejection::Invalid("the token could not be decoded");
        let (signed, signature) = token.rsplit_once('.').ok_or(undecodable.clone())?;
        let (head, body) = signed.split_once('.').ok_or(undecodable.clone())?;
        if body.contains('.') {
            return Err(undecodable);
        }
        let head = json_object(head).ok_or(undecodable.clone())?;
        if head.get("alg").and_then(Value::as_str) != Some("HS256") {
            // `none`, and every algorithm but the one the local secret can check.
            return Err(Rejection::Invalid("signature is invalid"));
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| undecodable.clone())?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret)
            .map_err(|_| Rejection::Invalid("signature is invalid"))?;
        mac.update(signed.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| Rejection::Invalid("signature is invalid"))?;
        let claims = json_object(body).ok_or(undecodable)?;
        self.check(&claims, now)?;
        Ok(claims)
    }

    fn check(&self, claims: &Map<String, Value>, now: i64) -> Result<(), Rejection> {
        let missing = Rejection::Invalid("the token is missing a required claim");
        let expires = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(missing.clone())?;
        if now >= expires {
            return Err(Rejection::Invalid("the token has expired"));
        }
        if let Some(not_before) = claims.get("nbf") {
            if not_before.as_i64().is_none_or(|nbf| now < nbf) {
                return Err(Rejection::Invalid("the token is not valid yet"));
            }
        }
        match claims.get("iss").ok_or(missing.clone())?.as_str() {
            Some(issuer) if issuer == self.issuer => {}
            _ => return Err(Rejection::Invalid("the token does not have a valid issuer")),
        }
        let audiences: Vec<&str> = match claims.get("aud").ok_or(missing)? {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !audiences
            .iter()
            .any(|a| self.audiences.iter().any(|ours| ours == a))
        {
            return Err(Rejection::Invalid(
                "the token does not have a valid audience",
            ));
        }
        Ok(())
    }
}

fn json_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

/// Claims as an HTTP API hands them to Lambda: every value a string, arrays as `[a b]`.
pub fn gateway_claims(claims: &Map<String, Value>) -> Claims {
    claims
        .iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Array(items) => format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|item| item
                            .as_str()
                            .map_or_else(|| item.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                other => other.to_string(),
            };
            (name.clone(), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"local-development-secret-not-for-production";
    const NOW: i64 = 1_795_000_000;

    fn auth() -> LocalAuth {
        LocalAuth::new(SECRET, "http://issuer", vec!["customers-api".into()]).expect("usable")
    }

    fn sign(head: &Value, claims: &Value, secret: &[u8]) -> String {
        let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let signed = format!("{}.{}", encode(head), encode(claims));
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("key");
        mac.update(signed.as_bytes());
        format!(
            "{signed}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    fn claims(extra: Value) -> Value {
        let mut claims =
            json!({"sub": "u1", "iss": "http://issuer", "aud": "customers-api", "exp": NOW + 60});
        for (k, v) in extra.as_object().expect("object") {
            claims[k] = v.clone();
        }
        claims
    }

    fn token(extra: Value) -> String {
        sign(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &claims(extra),
            SECRET,
        )
    }

    #[test]
    fn a_valid_token_gives_its_claims_with_or_without_the_scheme() {
        let token = token(json!({"scope": ["customers.read", "customers.write"]}));
        let verified = auth()
            .verify(Some(&format!("Bearer {token}")), NOW)
            .expect("valid");
        assert_eq!(verified["sub"], "u1");
        assert_eq!(
            auth().verify(Some(&token), NOW).expect("valid")["sub"],
            "u1"
        );
        let rendered = gateway_claims(&verified);
        assert_eq!(rendered["scope"], "[customers.read customers.write]");
        assert_eq!(rendered["exp"], (NOW + 60).to_string());
    }

    #[test]
    fn every_claim_the_authorizer_checks_is_checked() {
        let refused = |token: String| auth().verify(Some(&token), NOW).expect_err("refused");
        assert_eq!(
            refused(token(json!({"exp": NOW}))),
            Rejection::Invalid("the token has expired")
        );
        assert_eq!(
            refused(token(json!({"nbf": NOW + 1}))),
            Rejection::Invalid("the token is not valid yet")
        );
        assert_eq!(
            refused(token(json!({"iss": "http://elsewhere"}))),
            Rejection::Invalid("the token does not have a valid issuer")
        );
        assert_eq!(
            refused(token(json!({"aud": ["other", "another"]}))),
            Rejection::Invalid("the token does not have a valid audience")
        );
        let mut no_expiry = claims(json!({}));
        no_expiry.as_object_mut().expect("object").remove("exp");
        assert_eq!(
            refused(sign(&json!({"alg": "HS256"}), &no_expiry, SECRET)),
            Rejection::Invalid("the token is missing a required claim")
        );
        assert!(auth()
            .verify(
                Some(&token(json!({"aud": ["other", "customers-api"]}))),
                NOW
            )
            .is_ok());
    }

    #[test]
    fn forged_unsigned_and_malformed_tokens_are_refused() {
        let refused = |header: &str| auth().verify(Some(header), NOW).expect_err("refused");
        let forged = sign(
            &json!({"alg": "HS256"}),
            &claims(json!({})),
            b"another-secret-of-enough-length-0000",
        );
        assert_eq!(refused(&forged), Rejection::Invalid("signature is invalid"));
        let genuine = token(json!({}));
        let (signed, _) = genuine.rsplit_once('.').expect("three parts");
        assert_eq!(
            refused(&format!("{signed}.")),
            Rejection::Invalid("signature is invalid")
        );
        let unsigned = sign(&json!({"alg": "none"}), &claims(json!({})), SECRET);
        assert_eq!(
            refused(&unsigned),
            Rejection::Invalid("signature is invalid")
        );
        let tampered = format!(
            "{}.{}.{}",
            signed.split('.').next().expect("head"),
            URL_SAFE_NO_PAD.encode(claims(json!({"sub": "admin"})).to_string()),
            genuine.rsplit('.').next().expect("signature")
        );
        assert_eq!(
            refused(&tampered),
            Rejection::Invalid("signature is invalid")
        );
        for malformed in ["a.b", "a.b.c.d", "!!.??.**", "Bearer x.y.z"] {
            assert!(auth().verify(Some(malformed), NOW).is_err(), "{malformed}");
        }
        assert_eq!(refused("Bearer "), Rejection::Missing);
        assert_eq!(auth().verify(None, NOW), Err(Rejection::Missing));
        assert_eq!(
            refused("Basic dXNlcjpwYXNz"),
            Rejection::Invalid("invalid authorization scheme")
        );
    }

    #[test]
    fn only_a_sam_local_container_with_a_local_secret_verifies_tokens() {
        let secret = String::from_utf8(SECRET.to_vec()).expect("utf-8");
        let env = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .filter(|v| !v.is_empty())
            }
        };
        let local = [
            ("AWS_SAM_LOCAL", "true"),
            ("LOCAL_JWT_SECRET", secret.as_str()),
            ("JWT_ISSUER", "http://issuer"),
            ("JWT_AUDIENCE", "customers-api,other"),
        ];
        assert!(LocalAuth::from_env(env(&local)).is_some());
        // As deployed: no AWS_SAM_LOCAL, and the template's empty secret.
        for (name, value) in [
            ("AWS_SAM_LOCAL", ""),
            ("AWS_SAM_LOCAL", "false"),
            ("LOCAL_JWT_SECRET", ""),
            ("LOCAL_JWT_SECRET", "too-short"),
            ("JWT_ISSUER", ""),
            ("JWT_AUDIENCE", " , "),
        ] {
            let mut pairs = local.to_vec();
            pairs.retain(|(k, _)| *k != name);
            pairs.push((name, value));
            assert!(
                LocalAuth::from_env(env(&pairs)).is_none(),
                "{name}={value:?}"
            );
        }
        assert!(!format!("{:?}", LocalAuth::from_env(env(&local))).contains("local-development"));
    }
}
