//! The documented example requests of the systems our users migrate from, translated by
//! docs/compatibility.md, against the create handler (DynamoDB and S3: moto).

use integration_tests::calls::create;
use integration_tests::{Stack, TENANT};
use serde_json::{json, Value};

/// The image of Yativo's example, front and back.
const YATIVO_IMAGE: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/wcAAgMBAZ8AItQAAAAASUVORK5CYII=";

/// A translated request, sent as the first customer of a fresh tenant's table.
async fn migrate(body: &Value) -> (u16, Value) {
    let stack = Stack::new().await;
    let result = create(&stack, TENANT, body).await;
    assert!(stack.objects().await.is_empty(), "no image is left behind");
    result
}

fn yativo(expiration: &str) -> Value {
    json!({
        "first_name": "Test",
        "last_name": "Customer",
        "email": "test_customer@yativo.com",
        "mobile": "+19203751411",
        "country": "USA",
        "address": {
            "city": "Anytown",
            "state": "Anystate",
            "zipcode": "12345",
            "street": "1234 Elm Street",
            "number": "5678",
            "country": "USA"
        },
        "identity_document": {
            "type": "PASSPORT",
            "number": "A10600011",
            "country": "Chile",
            "expires_on": expiration,
            "front_image": YATIVO_IMAGE,
            "back_image": YATIVO_IMAGE
        }
    })
}

#[tokio::test]
async fn yativo_example() {
    let (status, body) = migrate(&yativo("04/30")).await;
    assert_eq!(status, 201, "{body}");
    let customer = &body["data"];
    assert_eq!(customer["country"], "US");
    assert_eq!(customer["addresses"][0]["line1"], "1234 Elm Street 5678");
    assert_eq!(customer["addresses"][0]["country"], "US");
    assert_eq!(customer["identity_document"]["country"], "CL");
    assert_eq!(customer["identity_document"]["expires_on"], "2030-04-30");
    assert_eq!(customer["identity_document"]["number_last4"], "0011");
    assert_eq!(
        customer["identity_document"]["verification"]["status"],
        "needs_review"
    );
}

#[tokio::test]
async fn yativo_example_as_documented_has_expired() {
    let (status, body) = migrate(&yativo("04/24")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed"))
    );
    assert_eq!(body["errors"][0]["field"], "/identity_document/expires_on");
    assert_eq!(body["errors"][0]["code"], "document_expired");
}

#[tokio::test]
async fn capillary_example() {
    let (status, body) = migrate(&json!({
        "first_name": "NeerajDec12",
        "last_name": "Loyal",
        "mobile": "9986000555",
        "mobile_country": "IN",
        "email": "neeraj.loyal@example.com",
        "source": "INSTORE",
        "birthday": "1996-01-01",
        "gender": "Male",
        "identifiers": {"external_id": "test1223322"},
        "metadata": {
            "employee": "loyal",
            "associated_with": "sant.p_123",
            "referral_code": "xyzwqw"
        },
        "addresses": [{
            "line1": "House no 2051,opposite  Sesa Goa  Colony,",
            "city": "Sattari",
            "state": "GOA",
            "zipcode": "403505",
            "country": "IN"
        }]
    }))
    .await;
    assert_eq!(status, 201, "{body}");
    let customer = &body["data"];
    assert_eq!(customer["mobile"], "+919986000555");
    assert_eq!(customer["source"], "INSTORE");
    assert_eq!(customer["gender"], "male");
    assert_eq!(customer["identifiers"]["external_id"], "test1223322");
}

#[tokio::test]
async fn salla_example() {
    let (status, body) = migrate(&json!({
        "first_name": "Ahmed",
        "last_name": "Ali",
        "mobile": "0512345678",
        "mobile_code_country": "+966",
        "country": "SA",
        "email": "ahmedali@example.sa",
        "gender": "male",
        "birthday": "1990-04-02"
    }))
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["mobile"], "+966512345678");
    assert_eq!(body["data"]["country"], "SA");
}
