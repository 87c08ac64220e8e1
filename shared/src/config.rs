//! Settings read once per cold start from the function's environment (set by template.yaml).

use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("environment variable {0} must be set")]
    Missing(&'static str),
    #[error(transparent)]
    HashKey(#[from] crate::documents::KeyError),
    #[error(transparent)]
    CursorKey(#[from] crate::cursor::CursorKeyError),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub table_name: String,
    /// The JWT claim that names the caller's tenant.
    pub tenant_claim: String,
    /// Identity-document staging: only the create function has it.
    pub documents: Option<DocumentSettings>,
    /// The key that signs pagination cursors: only listing functions have it.
    pub cursor_key: Option<Vec<u8>>,
}

#[derive(Clone)]
pub struct DocumentSettings {
    pub bucket: String,
    /// The HMAC key of document fingerprints (in AWS: resolved from Secrets Manager).
    pub hash_key: Vec<u8>,
}

impl std::fmt::Debug for DocumentSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentSettings")
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            tenant_claim: optional("TENANT_CLAIM").unwrap_or_else(|| "tenant_id".to_owned()),
            cursor_key: optional("CURSOR_KEY").map(String::into_bytes),
            documents: match optional("DOCUMENTS_BUCKET") {
                None => None,
                Some(bucket) => Some(DocumentSettings {
                    bucket,
                    hash_key: required("DOCUMENT_HASH_KEY")?.into_bytes(),
                }),
            },
        })
    }
}

fn optional(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &'static str) -> Result<String, ConfigError> {
    optional(name).ok_or(ConfigError::Missing(name))
}

/// The AWS SDK configuration: region, credentials and endpoints from the standard sources
/// (which is how tests point it at a local server: `AWS_ENDPOINT_URL`), with timeouts short
/// enough that an unreachable DynamoDB becomes a 503 well inside API Gateway's 30 s.
pub async fn aws_sdk_config() -> aws_config::SdkConfig {
    aws_config_loader().load().await
}

/// The loader behind [`aws_sdk_config`], for callers that add sources (tests give it their own
/// environment variables).
pub fn aws_config_loader() -> aws_config::ConfigLoader {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        // Lambda gives a function its region and credentials in environment variables; the
        // default chains would also build STS and IMDS clients and read profile files at every
        // cold start, for sources Lambda never uses.
        .region(aws_config::environment::EnvironmentVariableRegionProvider::new())
        .credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        )
        .http_client(https_client())
        .timeout_config(timeouts)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3))
}

/// The roots that sign every AWS service endpoint's certificate (Amazon Trust Services, and the
/// Starfield root that cross-signs them), from Debian's ca-certificates; SHA-256 fingerprints
/// in docs/performance.md.
const AMAZON_TRUST_ROOTS: &[u8] = include_bytes!("amazon-trust-services-roots.pem");

/// The SDK's HTTPS client: rustls with ring (one TLS stack, no C library) trusting the Amazon
/// roots only. Reading and parsing the system's ~150 roots cost more than all the rest of a
/// cold start (docs/performance.md); the functions talk to AWS endpoints alone. A deployment
/// that needs other roots (a TLS-inspecting proxy) names a PEM bundle in `AWS_CA_BUNDLE`, as
/// the AWS CLI and boto3 let it; it is added to the Amazon roots.
fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    let mut trust = tls::TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_TRUST_ROOTS);
    if let Some(bundle) = optional("AWS_CA_BUNDLE").and_then(|path| std::fs::read(path).ok()) {
        trust = trust.with_pem_certificate(bundle);
    }
    let context = tls::TlsContext::builder().with_trust_store(trust).build();
    let builder = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(
        tls::rustls_provider::CryptoMode::Ring,
    ));
    match context {
        Ok(context) => builder.tls_context(context).build_https(),
        // Building a context from a trust store cannot fail today; the default is the safe answer.
        Err(_) => builder.build_https(),
    }
}
