//! Source accounts: an opt-in create whose identifiers belong to one existing customer adds the
//! request's source to it (Capillary's behaviour), atomically and never to two customers.

use integration_tests::calls::{create, get};
use integration_tests::{create_concurrently, Event, Stack, TENANT};
use serde_json::{json, Value};

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

/// `n` link-or-create requests at once onto one email, each from one of eight sources (so, from
/// 16 on, each source twice), each with a card number of its own. Contention is not an outage:
/// every request ends in 201, 200 or 409, one customer holds every source once, and only the
/// requests that were answered 200 or 201 left a card claim.
async fn links_onto_one_customer(n: usize) {
    const SOURCES: [&str; 8] = [
        "INSTORE",
        "WEBSITE",
        "MOBILE_APP",
        "ECOMMERCE",
        "FACEBOOK",
        "WECHAT",
        "LINE",
        "OTHER",
    ];
    let stack = Stack::new().await;
    let bodies: Vec<Value> = (0..n)
        .map(|i| {
            json!({"first_name": "Ann", "email": "ann@example.com", "source": SOURCES[i % 8],
                "identifiers": {"card_number": format!("CARD-{i}")}, "link_existing": true})
        })
        .collect();
    let responses = create_concurrently(&stack, TENANT, &bodies).await;
    let statuses: Vec<u16> = responses.iter().map(|(status, _)| *status).collect();
    let count = |status: u16| statuses.iter().filter(|s| **s == status).count();
    assert_eq!(count(201), 1, "{statuses:?}");
    assert_eq!(count(200), 7, "one link per other source: {statuses:?}");
    assert_eq!(count(409), n - 8, "repeated sources only: {statuses:?}");
    for (status, body) in &responses {
        if *status == 409 {
            assert_eq!(body["code"], "email_taken", "{body}");
        }
    }

    assert_eq!(stack.count("customer").await, 1);
    let id = responses
        .iter()
        .find(|(status, _)| *status == 201)
        .map(|(_, body)| body["data"]["id"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let (_, customer) = get(&stack, TENANT, &id).await;
    let mut recorded: Vec<&str> = customer["data"]["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|account| account["source"].as_str())
        .collect();
    recorded.sort_unstable();
    let mut expected = SOURCES.to_vec();
    expected.sort_unstable();
    assert_eq!(recorded, expected, "every source once");
    assert_eq!(customer["data"]["version"], 8, "one version per link");
    let cards = stack
        .items()
        .await
        .iter()
        .filter(|i| i["pk"].as_s().is_ok_and(|pk| pk.contains("#CARD#")))
        .count();
    assert_eq!(cards, 8, "the card claims of the answered requests only");
}

#[tokio::test]
async fn eight_concurrent_links_onto_one_customer_all_land() {
    links_onto_one_customer(8).await;
}

#[tokio::test]
async fn sixteen_concurrent_links_onto_one_customer_end_in_200_201_or_409() {
    links_onto_one_customer(16).await;
}
