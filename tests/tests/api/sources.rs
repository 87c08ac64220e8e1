//! Source accounts: an opt-in create whose identifiers belong to one existing customer adds the
//! request's source to it (Capillary's behaviour), atomically and never to two customers.

use integration_tests::calls::{create, get};
use integration_tests::{Event, Stack, TENANT};
use serde_json::json;

#[tokio::test]
async fn an_opt_in_link_adds_the_source_account() {
    let stack = Stack::new().await;
    let (_, first) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Ann", "email": "ann@example.com", "source": "WEBSITE"}),
    )
    .await;
    let id = first["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(first["data"]["sources"][0]["source"], "WEBSITE");
    assert_eq!(
        first["data"]["sources"][0]["identifiers"],
        json!({"email": "ann@example.com"})
    );

    let request = json!({
        "first_name": "Ann", "email": "ANN@example.com", "source": "INSTORE",
        "identifiers": {"card_number": "CARD-77"}, "link_existing": true
    });
    let (status, body) = create(&stack, TENANT, &request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["id"],
        id.as_str(),
        "the existing customer, not a new one"
    );
    assert_eq!(body["data"]["version"], 2);
    assert_eq!(body["warnings"][0]["code"], "source_account_linked");
    let sources = body["data"]["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[1]["source"], "INSTORE");
    assert_eq!(
        sources[1]["identifiers"],
        json!({"email": "ann@example.com", "card_number": "CARD77"})
    );
    assert_eq!(stack.count("customer").await, 1);

    // The free card number was claimed for that customer.
    let (status, problem) = create(&stack, TENANT, &json!({"first_name": "Bo", "email": "bo@example.com", "identifiers": {"card_number": "card77"}})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("card_number_taken"))
    );

    let (_, fetched) = get(&stack, TENANT, &id).await;
    assert_eq!(
        fetched["data"], body["data"],
        "what the link returned is what is stored"
    );
}

#[tokio::test]
async fn without_opt_in_or_with_a_known_source_it_is_409() {
    let stack = Stack::new().await;
    create(
        &stack,
        TENANT,
        &json!({"first_name": "Ann", "email": "ann@example.com", "source": "WEBSITE"}),
    )
    .await;
    let (status, problem) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Ann", "email": "ann@example.com", "source": "INSTORE"}),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("email_taken")),
        "a plain create never returns someone else's record"
    );
    let (status, problem) = create(&stack, TENANT, &json!({"first_name": "Ann", "email": "ann@example.com", "source": "WEBSITE", "link_existing": true})).await;
    assert_eq!(
        (status, problem["code"].as_str(), problem["field"].as_str()),
        (409, Some("email_taken"), Some("/email"))
    );
    assert_eq!(stack.count("customer").await, 1);
}

#[tokio::test]
async fn identifiers_of_two_customers_are_409() {
    let stack = Stack::new().await;
    create(
        &stack,
        TENANT,
        &json!({"first_name": "Ann", "email": "ann@example.com"}),
    )
    .await;
    create(
        &stack,
        TENANT,
        &json!({"first_name": "Bo", "mobile": "+19203751411"}),
    )
    .await;
    let (status, problem) = create(
        &stack, TENANT,
        &json!({"first_name": "X", "email": "ann@example.com", "mobile": "+19203751411", "source": "INSTORE", "link_existing": true}),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str(), problem["field"].as_str()),
        (409, Some("mobile_taken"), Some("/mobile"))
    );
    assert_eq!(stack.count("customer").await, 2);
    assert_eq!(stack.count("claim").await, 2);
}

#[tokio::test]
async fn a_link_racing_a_create_never_gives_one_email_to_two_customers() {
    let stack = Stack::new().await;
    let app = stack.app();
    let mut plain_wins = 0;
    for round in 0..10 {
        let mobile = format!("+1920375{:04}", 2000 + round);
        let email = format!("race{round}@example.com");
        let (status, _) = create(
            &stack,
            TENANT,
            &json!({"first_name": "Owner", "mobile": mobile, "source": "WEBSITE"}),
        )
        .await;
        assert_eq!(status, 201);
        let link = json!({"first_name": "Link", "mobile": mobile, "email": email, "source": "INSTORE", "link_existing": true});
        let plain = json!({"first_name": "Plain", "email": email});
        let (a, b) = futures::join!(
            create_customer::handle(
                &app,
                Event::new("POST /customers")
                    .json(&link)
                    .by_tenant(TENANT)
                    .request()
            ),
            create_customer::handle(
                &app,
                Event::new("POST /customers")
                    .json(&plain)
                    .by_tenant(TENANT)
                    .request()
            ),
        );
        let (link_status, plain_status) = (a.status().as_u16(), b.status().as_u16());
        assert!(
            matches!((link_status, plain_status), (200, 409) | (409, 201)),
            "round {round}: link {link_status}, create {plain_status}"
        );
        plain_wins += usize::from(plain_status == 201);
    }
    // One email claim per round, and a new customer only in the rounds the plain create won.
    let items = stack.items().await;
    let email_claims = items
        .iter()
        .filter(|i| i["pk"].as_s().is_ok_and(|pk| pk.contains("#EMAIL#")))
        .count();
    assert_eq!(email_claims, 10);
    assert_eq!(stack.count("customer").await, 10 + plain_wins);
}
