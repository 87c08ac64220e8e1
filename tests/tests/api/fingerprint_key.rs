//! Identity-document fingerprints made by KMS (moto), through the real SDK: the claim that
//! makes a document unique is KMS's `GenerateMac` of the document under the stack's own HMAC
//! key, in the handlers and in the real binaries, and a key that cannot make it writes nothing.

use integration_tests::calls::create;
use integration_tests::{identity_document, read, token, Event, Stack, READ_WRITE, TENANT};
use serde_json::{json, Value};
use shared::documents::fingerprint_message;
use shared::domain::{CountryCode, DocumentNumber, DocumentType};
use shared::lambda::App;
use shared::testing::png;

fn customer_with(number: &str, email: &str) -> Value {
    json!({
        "first_name": "Ann",
        "email": email,
        "identity_document": identity_document("PASSPORT", number, &png(640, 400), None),
    })
}

/// What the claim of a Chilean passport numbered `number` must be: the lower-case hex of KMS's
/// MAC of its message under `key`, asked for here with the SDK's own KMS client.
async fn kms_mac(stack: &Stack, key: &str, number: &str) -> String {
    let message = fingerprint_message(
        DocumentType::Passport,
        CountryCode::parse("CL").unwrap(),
        &DocumentNumber::parse(number).unwrap(),
    );
    let mac = stack
        .kms
        .generate_mac()
        .key_id(key)
        .mac_algorithm(aws_sdk_kms::types::MacAlgorithmSpec::HmacSha256)
        .message(aws_sdk_kms::primitives::Blob::new(message))
        .send()
        .await
        .expect("GenerateMac in moto")
        .mac
        .expect("a MAC")
        .into_inner();
    assert_eq!(mac.len(), 32);
    mac.iter().map(|b| format!("{b:02x}")).collect()
}

/// The partition keys of the tenant's document claims.
async fn document_claims(stack: &Stack) -> Vec<String> {
    let prefix = format!("TENANT#{TENANT}#DOCUMENT#");
    stack
        .items()
        .await
        .iter()
        .filter_map(|item| item.get("pk")?.as_s().ok().cloned())
        .filter(|pk| pk.starts_with(&prefix))
        .collect()
}

#[tokio::test]
async fn a_documents_claim_is_the_mac_kms_makes_under_the_stacks_key() {
    let stack = Stack::new().await;
    let (status, body) = create(
        &stack,
        TENANT,
        &customer_with("AB-123456", "ann@example.com"),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let expected = kms_mac(&stack, &stack.fingerprint_key.arn, "AB123456").await;
    assert_eq!(
        document_claims(&stack).await,
        vec![format!("TENANT#{TENANT}#DOCUMENT#{expected}")]
    );
    // The key, not the message alone, decides it: another HMAC key gives another claim.
    let template = integration_tests::template();
    let definition = &template.mac_keys()[0];
    let other = local_gateway::tables::create_mac_key(&stack.kms, definition, None)
        .await
        .expect("another key");
    assert_ne!(kms_mac(&stack, &other.arn, "AB123456").await, expected);
    assert!(stack.objects().await.is_empty());
}

/// Through the gateway and the real binaries: `DOCUMENT_FINGERPRINT_KEY` is the template's
/// `!GetAtt DocumentFingerprintKey.Arn`, bound to the stack's key.
#[tokio::test]
async fn the_same_document_in_another_spelling_is_taken_through_the_binaries() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let http = reqwest::Client::new();
    let token = token(Some(TENANT), READ_WRITE, &[]);
    let post = |body: Value| {
        http.post(format!("{}/customers", gateway.url()))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let first = post(customer_with("P-7654321", "one@example.com"))
        .await
        .expect("first create");
    assert_eq!(first.status(), 201, "{}", first.text().await.unwrap());
    let expected = kms_mac(&stack, &stack.fingerprint_key.arn, "P7654321").await;
    assert_eq!(
        document_claims(&stack).await,
        vec![format!("TENANT#{TENANT}#DOCUMENT#{expected}")]
    );

    let before = stack.snapshot().await;
    let second = post(customer_with(" p-765-4321 ", "two@example.com"))
        .await
        .expect("second create");
    assert_eq!(second.status(), 409);
    let problem: Value = second.json().await.expect("problem+json");
    assert_eq!(problem["code"], "identity_document_taken", "{problem}");
    assert_eq!(problem["field"], "/identity_document");
    assert_eq!(stack.snapshot().await, before, "nothing was written");
    assert!(stack.objects().await.is_empty(), "no image is left");
    gateway.stop().await;
}

/// The wiring of a cold start whose `DOCUMENT_FINGERPRINT_KEY` is `key`, with the stack's SDK
/// configuration (or `sdk`).
fn app_with_key(stack: &Stack, key: &str, sdk: &aws_types::SdkConfig) -> App {
    let mut settings = stack.settings();
    settings
        .documents
        .as_mut()
        .expect("documents")
        .fingerprint_key = key.to_owned();
    App::with_documents(&settings, sdk).expect("app")
}

/// A create with a document against `app`: its status, code and `Retry-After`, after checking
/// that it wrote nothing and left no image.
async fn failed_create(stack: &Stack, app: &App) -> (u16, String, Option<String>) {
    let before = stack.snapshot().await;
    let response = create_customer::handle(
        app,
        Event::new("POST /customers")
            .json(&customer_with("AB123456", "doc@example.com"))
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, problem) = read(&response);
    assert_eq!(
        stack.snapshot().await,
        before,
        "nothing was written: {problem}"
    );
    assert!(stack.objects().await.is_empty(), "every image was deleted");
    (
        status,
        problem["code"].as_str().unwrap_or_default().to_owned(),
        retry_after,
    )
}

#[tokio::test]
async fn a_key_kms_refuses_is_a_500_that_writes_nothing() {
    let stack = Stack::new().await;
    // A customer already there: the failed creates must leave the table exactly as it is.
    let (status, _) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Bo", "email": "bo@example.com"}),
    )
    .await;
    assert_eq!(status, 201);

    // A key that does not exist (NotFoundException)...
    let missing = stack.fingerprint_key.arn.replace(
        &stack.fingerprint_key.key_id,
        &uuid::Uuid::new_v4().to_string(),
    );
    let app = app_with_key(&stack, &missing, &stack.sdk);
    assert_eq!(
        failed_create(&stack, &app).await,
        (500, "internal_error".to_owned(), None)
    );

    // ...and a key of another kind, an encryption key (InvalidKeyUsageException): retrying
    // cannot help either, so neither is a 503.
    let encryption = stack
        .kms
        .create_key()
        .description("not an HMAC key")
        .send()
        .await
        .expect("an encryption key")
        .key_metadata
        .and_then(|metadata| metadata.arn)
        .expect("its ARN");
    let app = app_with_key(&stack, &encryption, &stack.sdk);
    assert_eq!(
        failed_create(&stack, &app).await,
        (500, "internal_error".to_owned(), None)
    );
    // moto 5.2.5 still makes MACs with a disabled key (AWS refuses with DisabledException,
    // classified like the two above), so a disabled key is not tested against it.
}

#[tokio::test]
async fn kms_unreachable_is_a_503_that_writes_nothing() {
    let stack = Stack::new().await;
    // A port nothing listens on: KMS alone is out, DynamoDB and S3 answer.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut environment = stack.environment.clone();
    environment.insert(
        "AWS_ENDPOINT_URL_KMS".into(),
        format!("http://127.0.0.1:{closed}"),
    );
    let sdk = integration_tests::sdk_config(&environment).await;
    let app = app_with_key(&stack, &stack.fingerprint_key.arn, &sdk);
    assert_eq!(
        failed_create(&stack, &app).await,
        (503, "service_unavailable".to_owned(), Some("2".to_owned()))
    );
}
