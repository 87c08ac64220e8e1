//! The HMAC keys as a deployed function gets them: a secret's ARN in its environment, the value
//! read from Secrets Manager (moto) at init.

use integration_tests::{sdk_config, Stack};
use shared::lambda::config::{ConfigError, Settings};
use std::collections::BTreeMap;

async fn secret(sdk: &aws_types::SdkConfig, value: &str) -> String {
    let name = format!("it-{}", uuid::Uuid::new_v4());
    aws_sdk_secretsmanager::Client::new(sdk)
        .create_secret()
        .name(&name)
        .secret_string(value)
        .send()
        .await
        .expect("secret created in moto");
    name
}

fn reader(vars: BTreeMap<&'static str, String>) -> impl Fn(&'static str) -> Option<String> {
    move |name| vars.get(name).cloned()
}

#[tokio::test]
async fn keys_are_read_from_secrets_manager_at_init() {
    let stack = Stack::new().await;
    let sdk = sdk_config(&stack.environment).await;
    let hash_key = "a-document-fingerprint-key-of-64-characters-0123456789abcdefghijk";
    let cursor_key = "a-pagination-cursor-key-of-64-characters-0123456789abcdefghijklmn";
    let hash_secret = secret(&sdk, hash_key).await;
    let cursor_secret = secret(&sdk, cursor_key).await;
    let vars = BTreeMap::from([
        ("TABLE_NAME", stack.table.clone()),
        ("DOCUMENTS_BUCKET", stack.bucket.clone()),
        ("DOCUMENT_HASH_KEY_SECRET", hash_secret.clone()),
        ("CURSOR_KEY_SECRET", cursor_secret),
    ]);
    let settings = Settings::load_from(reader(vars.clone()), &sdk)
        .await
        .expect("settings");
    assert_eq!(
        settings.documents.expect("documents").hash_key,
        hash_key.as_bytes()
    );
    assert_eq!(settings.cursor_key.as_deref(), Some(cursor_key.as_bytes()));

    // A local run's value (make dev, the tests) stands in for the secret.
    let mut local = vars.clone();
    local.insert("DOCUMENT_HASH_KEY", "local-value".into());
    let settings = Settings::load_from(reader(local), &sdk)
        .await
        .expect("settings");
    assert_eq!(
        settings.documents.expect("documents").hash_key,
        b"local-value"
    );

    // A secret that cannot be read fails the cold start, naming the secret, never a value.
    let mut missing = vars;
    missing.insert("DOCUMENT_HASH_KEY_SECRET", "no-such-secret".into());
    let error = Settings::load_from(reader(missing), &sdk)
        .await
        .expect_err("no such secret");
    assert!(matches!(error, ConfigError::Secret(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("no-such-secret"), "{message}");
    assert!(!message.contains(hash_key) && !message.contains(cursor_key));
}
