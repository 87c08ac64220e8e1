//! The documented example requests of the systems our users migrate from, translated by
//! docs/compatibility.md, against the create handler (DynamoDB and S3: moto).

use integration_tests::calls::{create, create_group};
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

/// Capillary's example: `profiles[0]` and the request's own members, by the table.
#[tokio::test]
async fn capillary_example() {
    let (status, body) = migrate(&json!({
        "first_name": "Customer_add_23",
        "last_name": "Test123",
        "mobile": "+919988221100",
        "email": "tom.sawyer@capillarytech.com",
        "identifiers": {"card_number": "12345678", "card_series_id": "73", "card_status": "ACTIVE"},
        "birthday": "2000-10-22",
        "source": "INSTORE",
        "status": "active",
        "metadata": {
            "card_custom_card_name": "Mystays",
            "comm_mobile": "+918795772141",
            "employee": "true",
            "acquisition_channel": "Facebook",
            "status_label": "active-1"
        }
    }))
    .await;
    assert_eq!(status, 201, "{body}");
    let customer = &body["data"];
    assert_eq!(customer["mobile"], "+919988221100");
    assert_eq!(customer["email"], "tom.sawyer@capillarytech.com");
    assert_eq!(customer["birthday"], "2000-10-22");
    assert_eq!(customer["source"], "INSTORE");
    assert_eq!(customer["sources"][0]["source"], "INSTORE");
    assert_eq!(
        customer["identifiers"],
        json!({"card_number": "12345678", "card_series_id": "73", "card_status": "ACTIVE"})
    );
    assert_eq!(customer["metadata"]["status_label"], "active-1");
}

/// The national form of Capillary's communication-channel mobile reads the same with the org's
/// country.
#[tokio::test]
async fn capillary_national_mobile_with_the_orgs_country() {
    let (status, body) = migrate(&json!({
        "first_name": "Customer_add_23",
        "mobile": "8795772141",
        "mobile_country": "IN"
    }))
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["mobile"], "+918795772141");
}

/// Salla's example, its placeholders filled with valid values; its integer group ids become
/// the ids of groups created first.
#[tokio::test]
async fn salla_example() {
    let stack = Stack::new().await;
    let mut groups = Vec::new();
    for name in ["Salla group 1", "Salla group 2"] {
        let (status, group) = create_group(&stack, TENANT, &json!({ "name": name })).await;
        assert_eq!(status, 201, "{group}");
        groups.push(group["data"]["id"].clone());
    }
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({
            "first_name": "Ahmed",
            "last_name": "Ali",
            "mobile": "0512345678",
            "mobile_code_country": "+966",
            "email": "ahmed.ali@example.sa",
            "gender": "male",
            "birthday": "1990-04-02",
            "groups": groups
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["mobile"], "+966512345678");
    assert_eq!(body["data"]["gender"], "male");
    assert_eq!(body["data"]["groups"], Value::Array(groups));
}

/// Axim's example, by the table. `as_documented` keeps its phone number, `65161861`, which is
/// not a number of the US (the address's country); otherwise a valid New Jersey number.
fn axim(phone: &str) -> Value {
    json!({
        "first_name": "John",
        "last_name": "Doe",
        "email": "John@aximcommerce.com",
        "mobile": phone,
        "mobile_country": "US",
        "status": "active",
        "addresses": [{
            "first_name": "John",
            "last_name": "Doe",
            "phone": phone,
            "line1": "12/4, test st",
            "line2": "",
            "city": "Elizabeth",
            "state": "NJ",
            "country": "US",
            "zipcode": "07202",
            "is_default": false
        }],
        "metadata": {"company_id": "637e18fc741020de0693227a", "p21_contact_id": 1254},
        "notes": "NOTE AREA"
    })
}

#[tokio::test]
async fn axim_example() {
    let (status, body) = migrate(&axim("(908) 555-0142")).await;
    assert_eq!(status, 201, "{body}");
    let customer = &body["data"];
    assert_eq!(customer["email"], "john@aximcommerce.com");
    assert_eq!(customer["mobile"], "+19085550142");
    assert_eq!(customer["status"], "active");
    assert_eq!(customer["notes"], "NOTE AREA");
    let address = &customer["addresses"][0];
    assert_eq!(address["line1"], "12/4, test st");
    assert!(address.get("line2").is_none(), "an empty line2 is absent");
    assert_eq!(address["zipcode"], "07202", "leading zero kept");
    assert_eq!(address["phone"], "+19085550142");
    assert_eq!(
        address["is_default"], true,
        "the only address became the default"
    );
    assert_eq!(body["warnings"][0]["code"], "default_address_assigned");
    assert_eq!(
        customer["metadata"],
        json!({"company_id": "637e18fc741020de0693227a", "p21_contact_id": 1254})
    );
}

#[tokio::test]
async fn axim_example_as_documented_has_a_phone_number_of_no_country() {
    let (status, body) = migrate(&axim("65161861")).await;
    assert_eq!(status, 400, "{body}");
    let errors = integration_tests::calls::errors(&body);
    assert_eq!(
        errors,
        [
            ("/mobile", "invalid_phone"),
            ("/addresses/0/phone", "invalid_phone")
        ],
        "only the phone number is wrong"
    );
}
