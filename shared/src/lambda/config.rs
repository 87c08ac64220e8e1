//! Settings read once per cold start from the function's environment (set by template.yaml).

use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use aws_types::SdkConfig;
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("environment variable {0} must be set")]
    Missing(&'static str),
    #[error("AWS_CA_BUNDLE names a file that cannot be read: {0}")]
    CaBundle(std::io::Error),
    #[error("the TLS configuration is invalid: {0}")]
    Tls(String),
}

/// Holds no secret: a function reads none (the only key, the document fingerprints', stays in
/// KMS), so its settings may be printed.
#[derive(Debug, Clone)]
pub struct Settings {
    pub table_name: String,
    /// The JWT claim that names the caller's tenant.
    pub tenant_claim: String,
    /// Identity-document staging: only the functions that take documents (create, update).
    pub documents: Option<DocumentSettings>,
    /// Bearer tokens verified by the function: under `sam local start-api` only.
    pub local_auth: Option<crate::http::auth::local::LocalAuth>,
    /// The change events: only the functions that publish or list them.
    pub events: EventSettings,
}

#[derive(Debug, Clone, Default)]
pub struct EventSettings {
    /// The events table (`EVENTS_TABLE_NAME`): the publisher and `GET /events`.
    pub table: Option<String>,
    /// The bus the publisher puts events on (`EVENT_BUS_NAME`: a name or an ARN).
    pub bus: Option<String>,
    /// Every event's `source` (`EVENT_SOURCE`).
    pub source: String,
}

/// The source of events when the deployment names none: the template's default.
pub const DEFAULT_EVENT_SOURCE: &str = "customers-api";

#[derive(Debug, Clone)]
pub struct DocumentSettings {
    pub bucket: String,
    /// The KMS HMAC key that makes document fingerprints (its id, ARN or alias).
    pub fingerprint_key: String,
}

impl Settings {
    /// A function's settings, from its environment: no call to anything.
    pub fn load() -> Result<Self, ConfigError> {
        Self::load_from(optional)
    }

    /// As [`Settings::load`], with the environment read through `var` (tests pass their own).
    pub fn load_from(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name| var(name).filter(|value: &String| !value.trim().is_empty());
        let documents = match var("DOCUMENTS_BUCKET") {
            None => None,
            Some(bucket) => Some(DocumentSettings {
                bucket,
                fingerprint_key: var("DOCUMENT_FINGERPRINT_KEY")
                    .ok_or(ConfigError::Missing("DOCUMENT_FINGERPRINT_KEY"))?,
            }),
        };
        Ok(Self {
            table_name: var("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?,
            tenant_claim: var("TENANT_CLAIM").unwrap_or_else(|| "tenant_id".to_owned()),
            documents,
            local_auth: crate::http::auth::local::LocalAuth::from_env(var),
            events: EventSettings {
                table: var("EVENTS_TABLE_NAME"),
                bus: var("EVENT_BUS_NAME"),
                source: var("EVENT_SOURCE").unwrap_or_else(|| DEFAULT_EVENT_SOURCE.to_owned()),
            },
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
    "AWS_ENDPOINT_URL_KMS",
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
    fn credentials_and_the_local_token_secret_are_never_printed() {
        let jwt_secret = "local-jwt-secret-that-must-never-be-printed-01";
        let secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let env: BTreeMap<&str, &str> = [
            ("TABLE_NAME", "customers"),
            ("DOCUMENTS_BUCKET", "documents"),
            ("DOCUMENT_FINGERPRINT_KEY", "alias/fingerprints"),
            ("AWS_SAM_LOCAL", "true"),
            ("LOCAL_JWT_SECRET", jwt_secret),
            ("JWT_ISSUER", "https://issuer.example"),
            ("JWT_AUDIENCE", "customers-api"),
        ]
        .into_iter()
        .collect();
        let settings = Settings::load_from(|name| env.get(name).map(|v| v.to_string())).unwrap();
        assert!(settings.local_auth.is_some());
        let mut pairs = BASE.to_vec();
        pairs[2] = ("AWS_SECRET_ACCESS_KEY", secret_access_key);
        let printed = [
            format!("{settings:?}"),
            format!("{settings:#?}"),
            format!("{:?}", config(&pairs).unwrap()),
        ];
        for text in &printed {
            for secret in [jwt_secret, secret_access_key] {
                assert!(!text.contains(secret), "{text}");
            }
        }
        assert!(printed[0].contains("alias/fingerprints"), "{}", printed[0]);
    }

    #[test]
    fn a_function_that_stages_documents_needs_its_fingerprint_key() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &'static str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(matches!(
            Settings::load_from(env(&[("TABLE_NAME", "t"), ("DOCUMENTS_BUCKET", "b")])),
            Err(ConfigError::Missing("DOCUMENT_FINGERPRINT_KEY"))
        ));
        let listing = Settings::load_from(env(&[("TABLE_NAME", "t")])).unwrap();
        assert!(listing.documents.is_none());
        assert_eq!(listing.tenant_claim, "tenant_id");
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
