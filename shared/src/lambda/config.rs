//! Settings read once per cold start from the function's environment (set by template.yaml).

use super::secrets::{self, SecretSource};
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use aws_types::SdkConfig;
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("environment variable {0} must be set")]
    Missing(&'static str),
    #[error(transparent)]
    HashKey(#[from] crate::documents::KeyError),
    #[error(transparent)]
    CursorKey(#[from] crate::use_cases::cursor::CursorKeyError),
    #[error("AWS_CA_BUNDLE names a file that cannot be read: {0}")]
    CaBundle(std::io::Error),
    #[error("the TLS configuration is invalid: {0}")]
    Tls(String),
    #[error(transparent)]
    Secret(#[from] crate::lambda::secrets::SecretError),
}

#[derive(Clone)]
pub struct Settings {
    pub table_name: String,
    /// The JWT claim that names the caller's tenant.
    pub tenant_claim: String,
    /// Identity-document staging: only the functions that take documents (create, update).
    pub documents: Option<DocumentSettings>,
    /// The key that signs pagination cursors: only listing functions have it.
    pub cursor_key: Option<Vec<u8>>,
    /// Bearer tokens verified by the function: under `sam local start-api` only.
    pub local_auth: Option<crate::http::auth::local::LocalAuth>,
}

#[derive(Clone)]
pub struct DocumentSettings {
    pub bucket: String,
    /// The HMAC key of document fingerprints (in AWS: read from Secrets Manager at init).
    pub hash_key: Vec<u8>,
}

/// Keys are never printed, not even by a `{:?}` in an error path.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("table_name", &self.table_name)
            .field("tenant_claim", &self.tenant_claim)
            .field("documents", &self.documents)
            .field(
                "cursor_key",
                &self.cursor_key.as_ref().map(|_| "<redacted>"),
            )
            .field("local_auth", &self.local_auth)
            .finish()
    }
}

impl std::fmt::Debug for DocumentSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentSettings")
            .field("bucket", &self.bucket)
            .field("hash_key", &"<redacted>")
            .finish()
    }
}

impl Settings {
    /// A function's settings, from its environment; keys that live in Secrets Manager are
    /// read with `sdk` (crate::lambda::secrets).
    pub async fn load(sdk: &SdkConfig) -> Result<Self, ConfigError> {
        Self::load_from(optional, sdk).await
    }

    /// As [`Settings::load`], with the environment read through `var` (tests pass their own).
    pub async fn load_from(
        var: impl Fn(&'static str) -> Option<String>,
        sdk: &SdkConfig,
    ) -> Result<Self, ConfigError> {
        let var = |name| var(name).filter(|value: &String| !value.trim().is_empty());
        let cursor_key = match SecretSource::from_vars(var, "CURSOR_KEY", "CURSOR_KEY_SECRET") {
            Some(source) => Some(secrets::read(source, sdk).await?),
            None => None,
        };
        let documents = match var("DOCUMENTS_BUCKET") {
            None => None,
            Some(bucket) => {
                let source =
                    SecretSource::from_vars(var, "DOCUMENT_HASH_KEY", "DOCUMENT_HASH_KEY_SECRET")
                        .ok_or(ConfigError::Missing("DOCUMENT_HASH_KEY_SECRET"))?;
                Some(DocumentSettings {
                    bucket,
                    hash_key: secrets::read(source, sdk).await?,
                })
            }
        };
        Ok(Self {
            table_name: var("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?,
            tenant_claim: var("TENANT_CLAIM").unwrap_or_else(|| "tenant_id".to_owned()),
            cursor_key,
            documents,
            local_auth: crate::http::auth::local::LocalAuth::from_env(var),
        })
    }
}

fn optional(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The AWS SDK configuration of a function, from the environment Lambda gives it.
pub fn aws_sdk_config() -> Result<SdkConfig, ConfigError> {
    sdk_config_from(optional)
}

/// The SDK configuration from environment variables read through `var` (tests pass their
/// own): region (`AWS_REGION`), credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`: Lambda sets them from the execution role, for the environment's
/// lifetime) and endpoints (`AWS_ENDPOINT_URL`, or `AWS_ENDPOINT_URL_<SERVICE>` for one
/// service, the SDK's standard variables: how tests and `make dev` point it at moto).
///
/// Built here rather than by `aws-config`: its default chains (profile files, SSO, web
/// identity through STS, container and instance metadata) are sources Lambda never uses, yet
/// they cost 850k instructions at every cold start and their clients stay in the binary
/// (docs/performance.md). Timeouts are short enough that an unreachable DynamoDB becomes a
/// 503 well inside API Gateway's 30 s.
pub fn sdk_config_from(
    var: impl Fn(&'static str) -> Option<String>,
) -> Result<SdkConfig, ConfigError> {
    use aws_sdk_dynamodb::config::{
        retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion, Credentials, Region,
        SharedCredentialsProvider,
    };
    // Declared but empty is unset: the template declares `AWS_ENDPOINT_URL` empty so that
    // `sam local --env-vars` may set it.
    let var = |name| var(name).filter(|value: &String| !value.trim().is_empty());
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or(ConfigError::Missing("AWS_REGION"))?;
    let credentials = Credentials::new(
        var("AWS_ACCESS_KEY_ID").ok_or(ConfigError::Missing("AWS_ACCESS_KEY_ID"))?,
        var("AWS_SECRET_ACCESS_KEY").ok_or(ConfigError::Missing("AWS_SECRET_ACCESS_KEY"))?,
        var("AWS_SESSION_TOKEN"),
        None,
        "environment",
    );
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build();
    let endpoints = EndpointVariables(
        ENDPOINT_VARIABLES
            .iter()
            .filter_map(|name| var(name).map(|value| (*name, value)))
            .collect(),
    );
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(https_client(
            var("AWS_CA_BUNDLE")
                .map(std::fs::read)
                .transpose()
                .map_err(ConfigError::CaBundle)?,
        )?)
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    builder.set_endpoint_url(endpoints.0.get("AWS_ENDPOINT_URL").cloned());
    Ok(builder.service_config(endpoints).build())
}

/// The endpoint variables the SDK's services look up (`ServiceConfigKey::env`, with the
/// service id in upper snake case for the per-service one).
const ENDPOINT_VARIABLES: &[&str] = &[
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
];

#[derive(Debug)]
struct EndpointVariables(std::collections::BTreeMap<&'static str, String>);

impl LoadServiceConfig for EndpointVariables {
    /// The service's own variable first, then the general one, as the SDK's own loader does.
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        let service = key.service_id().to_uppercase().replace(' ', "_");
        let specific = format!("{}_{service}", key.env());
        self.0
            .get(specific.as_str())
            .or_else(|| self.0.get(key.env()))
            .cloned()
    }
}

/// The roots that sign every AWS service endpoint's certificate (Amazon Trust Services, and the
/// Starfield root that cross-signs them), from Debian's ca-certificates; SHA-256 fingerprints
/// in docs/performance.md.
const AMAZON_TRUST_ROOTS: &[u8] = include_bytes!("amazon-trust-services-roots.pem");

/// The SDK's HTTPS client: rustls with ring (one TLS stack, no C library) trusting the Amazon
/// roots only. Reading and parsing the system's ~150 roots took 40 to 60% of a cold start
/// (docs/performance.md); the functions talk to AWS endpoints alone. A deployment
/// that needs other roots (a TLS-inspecting proxy) names a PEM bundle in `AWS_CA_BUNDLE`, as
/// the AWS CLI and boto3 let it; it is added to the Amazon roots.
fn https_client(
    ca_bundle: Option<Vec<u8>>,
) -> Result<aws_sdk_dynamodb::config::SharedHttpClient, ConfigError> {
    use aws_smithy_http_client::tls;
    let mut trust = tls::TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_TRUST_ROOTS);
    if let Some(bundle) = ca_bundle {
        trust = trust.with_pem_certificate(bundle);
    }
    let context = tls::TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| ConfigError::Tls(e.to_string()))?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(context)
        .build_https())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn config(pairs: &[(&'static str, &str)]) -> Result<SdkConfig, ConfigError> {
        let vars: BTreeMap<&str, String> = pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        sdk_config_from(|name| vars.get(name).cloned())
    }

    const BASE: [(&str, &str); 3] = [
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ];

    fn endpoint(sdk: &SdkConfig, service: &str) -> Option<String> {
        let key = ServiceConfigKey::builder()
            .service_id(service)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()?;
        sdk.service_config()?.load_config(key)
    }

    #[test]
    fn keys_and_credentials_are_never_printed() {
        let cursor_key = "cursor-key-that-must-never-be-printed-0001";
        let hash_key = "fingerprint-key-that-must-never-be-printed-0002";
        let settings = Settings {
            table_name: "customers".into(),
            tenant_claim: "tenant_id".into(),
            documents: Some(DocumentSettings {
                bucket: "documents".into(),
                hash_key: hash_key.as_bytes().to_vec(),
            }),
            cursor_key: Some(cursor_key.as_bytes().to_vec()),
            local_auth: None,
        };
        let secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let mut pairs = BASE.to_vec();
        pairs[2] = ("AWS_SECRET_ACCESS_KEY", secret_access_key);
        let printed = [
            format!("{settings:?}"),
            format!("{settings:#?}"),
            format!(
                "{:?}",
                crate::use_cases::cursor::CursorKey::new(cursor_key.as_bytes()).unwrap()
            ),
            format!(
                "{:?}",
                crate::documents::FingerprintKey::new(hash_key.as_bytes()).unwrap()
            ),
            format!("{:?}", config(&pairs).unwrap()),
        ];
        for text in &printed {
            for secret in [cursor_key, hash_key, secret_access_key] {
                assert!(!text.contains(secret), "{text}");
            }
            // Nor in the bytes' own Debug form.
            assert!(!text.contains("99, 117, 114"), "{text}");
        }
        assert!(printed[0].contains("customers") && printed[0].contains("<redacted>"));
    }

    #[test]
    fn a_service_endpoint_variable_beats_the_general_one() {
        let mut pairs = BASE.to_vec();
        pairs.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:1"));
        pairs.push(("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2"));
        let sdk = config(&pairs).unwrap();
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:1"));
        assert_eq!(endpoint(&sdk, "S3").as_deref(), Some("http://127.0.0.1:2"));
        assert_eq!(
            endpoint(&sdk, "DynamoDB").as_deref(),
            Some("http://127.0.0.1:1")
        );
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
    }

    #[test]
    fn without_endpoint_variables_the_sdk_resolves_aws_endpoints() {
        let sdk = config(&BASE).unwrap();
        assert_eq!(sdk.endpoint_url(), None);
        assert_eq!(endpoint(&sdk, "DynamoDB"), None);
    }

    #[test]
    fn a_declared_but_empty_endpoint_is_no_endpoint() {
        let mut pairs = BASE.to_vec();
        pairs.push(("AWS_ENDPOINT_URL", ""));
        pairs.push(("AWS_ENDPOINT_URL_S3", " "));
        let sdk = config(&pairs).unwrap();
        assert_eq!(sdk.endpoint_url(), None);
        assert_eq!(endpoint(&sdk, "DynamoDB"), None);
        assert_eq!(endpoint(&sdk, "S3"), None);
    }

    #[test]
    fn an_unreadable_ca_bundle_fails_the_cold_start() {
        let mut pairs = BASE.to_vec();
        pairs.push(("AWS_CA_BUNDLE", "/nonexistent/bundle.pem"));
        assert!(matches!(config(&pairs), Err(ConfigError::CaBundle(_))));
    }

    #[test]
    fn region_and_credentials_are_required() {
        assert!(matches!(
            config(&BASE[1..]),
            Err(ConfigError::Missing("AWS_REGION"))
        ));
        assert!(matches!(
            config(&[BASE[0], BASE[2]]),
            Err(ConfigError::Missing("AWS_ACCESS_KEY_ID"))
        ));
    }
}
