//! Identity documents through the create handler, against DynamoDB and S3 (moto): what is
//! answered, what is stored, and that the bucket is empty afterwards on every path.

use integration_tests::calls::{create, get};
use integration_tests::{
    assert_one_winner, create_concurrently, identity_document, read, Event, Faults, Stack, TENANT,
};
use serde_json::{json, Value};
use shared::testing::{jpeg, png};

fn customer_with(document: Value, email: &str) -> Value {
    json!({"first_name": "Ann", "email": email, "identity_document": document})
}

fn passport() -> Value {
    identity_document("PASSPORT", "P-1234567", &png(640, 400), None)
}

#[tokio::test]
async fn a_verified_document_is_kept_as_a_summary_only() {
    let stack = Stack::new().await;
    let (status, body) = create(
        &stack,
        TENANT,
        &customer_with(passport(), "ann@example.com"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let document = &body["data"]["identity_document"];
    assert_eq!(document["type"], "PASSPORT");
    assert_eq!(document["country"], "CL");
    assert_eq!(document["expires_on"], "2031-06-30");
    assert_eq!(document["number_last4"], "4567");
    assert_eq!(document["verification"]["status"], "verified");
    assert_eq!(document["verification"]["reasons"], json!([]));
    assert!(document["verification"]["checked_at"].is_string());
    assert_eq!(body["warnings"], json!([]));

    assert!(stack.objects().await.is_empty(), "no image is left in S3");
    let items = format!("{:?}", stack.items().await);
    assert!(
        !items.contains("P1234567") && !items.contains("1234567"),
        "no full number is stored"
    );
    assert!(!items.contains("iVBOR"), "no image is stored");
    assert_eq!(stack.count("claim").await, 2, "email and document claims");

    let id = body["data"]["id"].as_str().unwrap();
    let (_, fetched) = get(&stack, TENANT, id).await;
    assert_eq!(fetched["data"], body["data"]);
}

#[tokio::test]
async fn an_unusable_card_is_accepted_for_review() {
    let stack = Stack::new().await;
    let card = identity_document(
        "NATIONAL_ID",
        "12.345.678-5".replace('.', "").as_str(),
        &jpeg(320, 200),
        None,
    );
    let (status, body) = create(&stack, TENANT, &customer_with(card, "card@example.com")).await;
    assert_eq!(status, 201, "{body}");
    let verification = &body["data"]["identity_document"]["verification"];
    assert_eq!(verification["status"], "needs_review");
    assert_eq!(
        verification["reasons"],
        json!(["image_too_small", "back_image_missing"])
    );
    assert_eq!(body["warnings"][0]["code"], "document_needs_review");
    assert_eq!(body["warnings"][0]["field"], "/identity_document");
    assert!(stack.objects().await.is_empty());
}

/// Yativo's documented example image (its `POST /customer` example): a 1x1 PNG whose IDAT
/// CRC and zlib checksum are both wrong. Real headers, unusable picture: 201 for review.
pub const YATIVO_EXAMPLE_IMAGE: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/wcAAgMBAZ8AItQAAAAASUVORK5CYII=";

#[tokio::test]
async fn yativos_example_image_needs_review() {
    let stack = Stack::new().await;
    let mut document = identity_document("PASSPORT", "A10600011", b"", None);
    document["front_image"] = json!(YATIVO_EXAMPLE_IMAGE);
    let (status, body) = create(&stack, TENANT, &customer_with(document, "y@example.com")).await;
    assert_eq!(status, 201, "{body}");
    let verification = &body["data"]["identity_document"]["verification"];
    assert_eq!(verification["status"], "needs_review");
    assert_eq!(
        verification["reasons"],
        json!(["image_too_small", "image_corrupted"])
    );
    assert!(stack.objects().await.is_empty());
}

#[tokio::test]
async fn a_rejected_document_fails_and_leaves_nothing() {
    let stack = Stack::new().await;
    // Five characters cannot be an ICAO passport number.
    let document = identity_document("PASSPORT", "12345", &png(640, 400), None);
    let (status, body) = create(&stack, TENANT, &customer_with(document, "r@example.com")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("document_rejected")),
        "{body}"
    );
    assert_eq!(body["errors"][0]["field"], "/identity_document/number");
    assert_eq!(body["errors"][0]["code"], "number_format_invalid");
    assert!(stack.objects().await.is_empty());
    assert!(stack.items().await.is_empty());
}

#[tokio::test]
async fn invalid_documents_get_precise_errors_and_never_reach_s3() {
    let stack = Stack::split().await;
    let proxy = stack.faults.as_ref().unwrap();
    let good = png(640, 400);
    let mut expired = identity_document("PASSPORT", "P1234567", &good, None);
    expired["expires_on"] = json!("04/24");
    let mut not_base64 = identity_document("NATIONAL_ID", "11111111", &good, None);
    not_base64["back_image"] = json!("%%% not base64 %%%");
    let gif = identity_document("PASSPORT", "P1234567", b"GIF89a\x01\x00\x01\x00", None);
    let mut huge = png(640, 400);
    huge.resize(2 * 1024 * 1024 + 1, 0);
    let too_large = identity_document("PASSPORT", "P1234567", &huge, None);
    let cases = [
        (expired, "/identity_document/expires_on", "document_expired"),
        (not_base64, "/identity_document/back_image", "invalid_image"),
        (gif, "/identity_document/front_image", "invalid_image"),
        (
            too_large,
            "/identity_document/front_image",
            "image_too_large",
        ),
    ];
    for (document, field, code) in cases {
        let (status, body) =
            create(&stack, TENANT, &customer_with(document, "x@example.com")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("validation_failed")),
            "{code}: {body}"
        );
        assert_eq!(
            body["errors"],
            json!([{"field": field, "code": code, "message": body["errors"][0]["message"]}]),
            "{code}"
        );
    }
    assert_eq!(proxy.puts(), 0, "nothing was sent to S3");
    assert!(stack.items().await.is_empty());
}

#[tokio::test]
async fn the_same_document_cannot_belong_to_two_customers() {
    let stack = Stack::new().await;
    let first = identity_document("PASSPORT", "AB-123456", &png(640, 400), None);
    assert_eq!(
        create(&stack, TENANT, &customer_with(first, "one@example.com"))
            .await
            .0,
        201
    );
    let same = identity_document("passport", "ab123456", &png(600, 400), None);
    let (status, body) = create(&stack, TENANT, &customer_with(same, "two@example.com")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("identity_document_taken")),
        "{body}"
    );
    assert_eq!(body["field"], "/identity_document");
    assert!(stack.objects().await.is_empty());
    assert_eq!(stack.count("customer").await, 1);
    // Another country's passport with the same number is another document.
    let mut other = identity_document("PASSPORT", "AB123456", &png(640, 400), None);
    other["country"] = json!("AR");
    assert_eq!(
        create(&stack, TENANT, &customer_with(other, "three@example.com"))
            .await
            .0,
        201
    );
}

#[tokio::test]
async fn twenty_concurrent_creates_with_one_document_make_one_customer() {
    let stack = Stack::new().await;
    // Small on purpose: the race is about the claim, and twenty uploads of large images to a
    // local S3 on a loaded two-core machine would time out before they race.
    let image = png(64, 64);
    let bodies = (0..20)
        .map(|i| {
            customer_with(
                identity_document("PASSPORT", "X7654321", &image, None),
                &format!("racer{i}@example.com"),
            )
        })
        .collect::<Vec<_>>();
    let responses = create_concurrently(&stack, TENANT, &bodies).await;
    assert_eq!(responses.len(), 20);
    assert_one_winner(&responses);
    assert_eq!(stack.count("customer").await, 1);
    assert!(stack.objects().await.is_empty());
}

#[tokio::test]
async fn losing_on_email_still_deletes_the_images() {
    let stack = Stack::new().await;
    assert_eq!(
        create(
            &stack,
            TENANT,
            &json!({"first_name": "A", "email": "taken@example.com"})
        )
        .await
        .0,
        201
    );
    let (status, body) = create(
        &stack,
        TENANT,
        &customer_with(passport(), "taken@example.com"),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("email_taken")));
    assert!(stack.objects().await.is_empty());
    assert_eq!(
        stack.count("claim").await,
        1,
        "the loser's document claim was not written"
    );
}

fn card_with_back() -> Value {
    identity_document(
        "DRIVING_LICENSE",
        "DL-998877",
        &png(640, 400),
        Some(&png(640, 400)),
    )
}

async fn assert_failed_cleanly(stack: &Stack, status: u16, body: &Value) {
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("service_unavailable")),
        "{body}"
    );
    assert!(
        stack.objects().await.is_empty(),
        "every uploaded image was deleted"
    );
    assert!(stack.items().await.is_empty(), "nothing was written");
}

#[tokio::test]
async fn s3_failing_on_the_first_upload() {
    let stack = Stack::split().await;
    stack.faults.as_ref().unwrap().set(Faults {
        fail_puts_from: Some(1),
        ..Default::default()
    });
    let (status, body) = create(
        &stack,
        TENANT,
        &customer_with(card_with_back(), "a@example.com"),
    )
    .await;
    assert_failed_cleanly(&stack, status, &body).await;
}

#[tokio::test]
async fn s3_failing_part_way_deletes_the_first_image() {
    let stack = Stack::split().await;
    let proxy = stack.faults.as_ref().unwrap();
    proxy.set(Faults {
        fail_puts_from: Some(2),
        ..Default::default()
    });
    let (status, body) = create(
        &stack,
        TENANT,
        &customer_with(card_with_back(), "a@example.com"),
    )
    .await;
    assert!(proxy.puts() >= 2, "the second upload was attempted");
    assert_failed_cleanly(&stack, status, &body).await;
}

#[tokio::test]
async fn s3_failing_inside_verification() {
    let stack = Stack::split().await;
    stack.faults.as_ref().unwrap().set(Faults {
        fail_gets: true,
        ..Default::default()
    });
    let (status, body) = create(
        &stack,
        TENANT,
        &customer_with(card_with_back(), "a@example.com"),
    )
    .await;
    assert_failed_cleanly(&stack, status, &body).await;
}

#[tokio::test]
async fn dynamodb_outage_after_verification() {
    let mut stack = Stack::split().await;
    let app = stack.app();
    stack.kill_dynamodb();
    let body = customer_with(card_with_back(), "a@example.com");
    let response = create_customer::handle(
        &app,
        Event::new("POST /customers")
            .json(&body)
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    assert_eq!(response.headers()["retry-after"], "2");
    let (status, problem) = read(&response);
    assert_eq!(
        (status, problem["code"].as_str()),
        (503, Some("service_unavailable"))
    );
    assert!(
        stack.objects().await.is_empty(),
        "every uploaded image was deleted"
    );
}

/// When S3 refuses the deletes the request fails (the promise is not kept yet) and writes
/// nothing; the images are then the lifecycle rule's to expire within a day.
#[tokio::test]
async fn s3_refusing_deletes_fails_the_request() {
    let stack = Stack::split().await;
    stack.faults.as_ref().unwrap().set(Faults {
        fail_deletes: true,
        ..Default::default()
    });
    let (status, body) = create(&stack, TENANT, &customer_with(passport(), "a@example.com")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("service_unavailable")),
        "{body}"
    );
    assert!(stack.items().await.is_empty(), "nothing was written");
    assert_eq!(
        stack.objects().await.len(),
        1,
        "left for the lifecycle rule"
    );
}
