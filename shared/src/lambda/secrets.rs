//! The two HMAC keys (document fingerprints, pagination cursors), read once per cold start.
//!
//! In AWS a function gets the secret's ARN (`DOCUMENT_HASH_KEY_SECRET`, `CURSOR_KEY_SECRET`)
//! and reads the value from Secrets Manager at init, with its own role: the key is never in
//! an environment that `lambda:GetFunctionConfiguration` shows, and the KMS key that encrypts
//! the secret lets only the functions that need it decrypt (template.yaml, `SecretsKey`).
//! Local runs (`make dev`, the tests) may pass the value itself (`DOCUMENT_HASH_KEY`,
//! `CURSOR_KEY`); the template never declares those, a template test sees to it.

use aws_types::SdkConfig;
use thiserror::Error;

/// Where a key comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The value itself (local runs).
    Value(Vec<u8>),
    /// A Secrets Manager secret id (ARN or name), read at init.
    SecretsManager(String),
}

/// Keys are never printed.
impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Value(_) => f.write_str("Value(<redacted>)"),
            SecretSource::SecretsManager(id) => f.debug_tuple("SecretsManager").field(id).finish(),
        }
    }
}

#[derive(Debug, Error)]
pub enum SecretError {
    /// Not the secret's content: the SDK's message names the secret and the failure only.
    #[error("secret {id} could not be read: {message}")]
    Unreadable { id: String, message: String },
    #[error("secret {id} holds no text")]
    NotText { id: String },
}

impl SecretSource {
    /// `value_var` (the value) or `secret_var` (a secret id) from `var`, the value first.
    pub fn from_vars(
        var: impl Fn(&'static str) -> Option<String>,
        value_var: &'static str,
        secret_var: &'static str,
    ) -> Option<Self> {
        var(value_var)
            .map(|value| SecretSource::Value(value.into_bytes()))
            .or_else(|| var(secret_var).map(SecretSource::SecretsManager))
    }
}

/// The key's bytes: the value itself, or the secret read from Secrets Manager with a client
/// built for the one call (a function reads at most one secret, once per cold start).
pub async fn read(source: SecretSource, sdk: &SdkConfig) -> Result<Vec<u8>, SecretError> {
    let id = match source {
        SecretSource::Value(value) => return Ok(value),
        SecretSource::SecretsManager(id) => id,
    };
    let output = aws_sdk_secretsmanager::Client::new(sdk)
        .get_secret_value()
        .secret_id(&id)
        .send()
        .await
        .map_err(|e| SecretError::Unreadable {
            id: id.clone(),
            message: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
        })?;
    output
        .secret_string
        .map(String::into_bytes)
        .ok_or(SecretError::NotText { id })
}
