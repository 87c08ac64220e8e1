//! Loyalty identifiers (`external_id`, `card_number`): unique per tenant through claims in the
//! create's transaction.

use integration_tests::calls::create;
use integration_tests::{assert_one_winner, create_concurrently, Stack, OTHER_TENANT, TENANT};
use serde_json::json;

#[tokio::test]
async fn identifiers_are_stored_normalised_and_an_external_id_suffices_as_contact() {
    let stack = Stack::new().await;
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Ann", "identifiers": {"external_id": "crm-0042", "card_number": "9000 1234-5678", "card_series_id": "GOLD", "card_status": "active"}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["data"]["identifiers"],
        json!({"external_id": "crm-0042", "card_number": "900012345678", "card_series_id": "GOLD", "card_status": "ACTIVE"})
    );
    assert_eq!(stack.count("claim").await, 2);
}

#[tokio::test]
async fn taken_identifiers_are_409_on_their_field() {
    let stack = Stack::new().await;
    let first = json!({"first_name": "A", "email": "a@example.com", "identifiers": {"external_id": "crm-1", "card_number": "CARD-0001"}});
    assert_eq!(create(&stack, TENANT, &first).await.0, 201);

    let (status, body) = create(&stack, TENANT, &json!({"first_name": "B", "email": "b@example.com", "identifiers": {"external_id": "crm-1"}})).await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (
            409,
            Some("external_id_taken"),
            Some("/identifiers/external_id")
        )
    );

    let (status, body) = create(&stack, TENANT, &json!({"first_name": "C", "email": "c@example.com", "identifiers": {"card_number": "card 0001"}})).await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (
            409,
            Some("card_number_taken"),
            Some("/identifiers/card_number")
        )
    );

    assert_eq!(stack.count("customer").await, 1);
    assert_eq!(
        stack.count("claim").await,
        3,
        "the losers left no email claim behind"
    );
    let elsewhere = json!({"first_name": "D", "identifiers": {"external_id": "crm-1", "card_number": "CARD-0001"}});
    assert_eq!(
        create(&stack, OTHER_TENANT, &elsewhere).await.0,
        201,
        "unique per tenant only"
    );
}

#[tokio::test]
async fn twenty_concurrent_creates_race_for_one_external_id_and_one_card() {
    let stack = Stack::new().await;
    for (field, value) in [("external_id", "crm-race"), ("card_number", "RACE-CARD-1")] {
        let bodies = (0..20)
            .map(|i| json!({"first_name": format!("Racer {i}"), "email": format!("{field}{i}@example.com"), "identifiers": {field: value}}))
            .collect::<Vec<_>>();
        let responses = create_concurrently(&stack, TENANT, &bodies).await;
        assert_eq!(responses.len(), 20, "{field}");
        assert_one_winner(&responses);
    }
    assert_eq!(stack.count("customer").await, 2);
    assert_eq!(
        stack.count("claim").await,
        4,
        "two winners, each with an email and its identifier"
    );
}
