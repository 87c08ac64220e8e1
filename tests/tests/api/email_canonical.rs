//! An email's canonical form through the real handlers against DynamoDB (moto): invisible and
//! control characters refused as typed, every spelling of one address one claim (local part in
//! NFC and lower case, domain as its UTS-46 A-label), shown back and found in that form.

use integration_tests::calls::{create, delete, errors, get, list, patch};
use integration_tests::{Stack, TENANT};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};
use shared::domain::Email;
use shared::testing::dynamo_json;

/// One of each class the email rule refuses: controls, format characters (soft hyphen,
/// zero-width, joiners, invisible operators, BOM), bidi embeddings, overrides and isolates,
/// line and paragraph separators.
const REFUSED: &[char] = &[
    '\u{0}', '\t', '\n', '\u{85}', '\u{AD}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}',
    '\u{200F}', '\u{2060}', '\u{2064}', '\u{FEFF}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}',
    '\u{2028}', '\u{2029}',
];

/// `c` at the start, in the middle and at the end of an address.
fn hiding(c: char) -> [String; 3] {
    [
        format!("{c}zed@example.com"),
        format!("ze{c}d@example.com"),
        format!("zed@example.com{c}"),
    ]
}

fn assert_invalid_character(status: u16, problem: &Value, field: &str, raw: &str) {
    assert_eq!(status, 400, "{raw:?}: {problem}");
    assert_eq!(
        errors(problem),
        [(field, "invalid_character")],
        "{raw:?}: {problem}"
    );
}

#[tokio::test]
async fn a_hidden_or_control_character_is_400_invalid_character_on_every_write_and_lookup() {
    let stack = Stack::new().await;
    let (_, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Zed", "email": "zed@example.com", "source": "WEBSITE"}),
    )
    .await;
    let id = body["data"]["id"].as_str().expect("id").to_owned();
    let before = stack.snapshot().await;
    for raw in REFUSED.iter().flat_map(|&c| hiding(c)) {
        let (status, problem) =
            create(&stack, TENANT, &json!({"first_name": "Zed", "email": raw})).await;
        assert_invalid_character(status, &problem, "/email", &raw);

        let (status, problem) = patch(&stack, TENANT, &id, &json!({"email": raw})).await;
        assert_invalid_character(status, &problem, "/email", &raw);

        let linked =
            json!({"first_name": "Zed", "email": raw, "source": "INSTORE", "link_existing": true});
        let (status, problem) = create(&stack, TENANT, &linked).await;
        assert_invalid_character(status, &problem, "/email", &raw);

        let (status, problem) = list(&stack, TENANT, &[("email", raw.as_str())]).await;
        assert_invalid_character(status, &problem, "?email", &raw);
    }
    assert_eq!(stack.snapshot().await, before, "nothing written");
    let (_, shown) = get(&stack, TENANT, &id).await;
    assert_eq!(shown["data"], body["data"]);
}

#[tokio::test]
async fn every_spelling_of_a_taken_address_is_409_email_taken_and_finds_its_owner() {
    let stack = Stack::new().await;
    for (first, shown, others) in [
        (
            "jos\u{E9}@Example.COM",
            "jos\u{E9}@example.com",
            &[
                "jose\u{301}@example.com",
                "JOS\u{C9}@EXAMPLE.COM",
                "jos\u{E9}@\u{FF45}\u{FF58}\u{FF41}\u{FF4D}\u{FF50}\u{FF4C}\u{FF45}.com",
                "jos\u{E9}@example\u{3002}com",
            ][..],
        ),
        (
            "ann@b\u{FC}cher.de",
            "ann@xn--bcher-kva.de",
            &[
                "ann@xn--bcher-kva.de",
                "Ann@XN--BCHER-KVA.DE",
                "ann@bu\u{308}cher.de",
            ][..],
        ),
    ] {
        let (status, body) =
            create(&stack, TENANT, &json!({"first_name": "A", "email": first})).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["data"]["email"], shown, "shown in its canonical form");
        let id = body["data"]["id"].as_str().expect("id");
        for raw in others.iter().chain([&first]) {
            let (status, problem) =
                create(&stack, TENANT, &json!({"first_name": "B", "email": raw})).await;
            assert_eq!(
                (status, problem["code"].as_str(), problem["field"].as_str()),
                (409, Some("email_taken"), Some("/email")),
                "{raw:?}"
            );
            let (status, found) = list(&stack, TENANT, &[("email", *raw)]).await;
            assert_eq!(status, 200, "{raw:?}: {found}");
            assert_eq!(found["data"][0]["id"], id, "{raw:?}");
        }
    }
    // A spelling moved onto another customer by a patch collides just the same.
    let (_, other) = create(
        &stack,
        TENANT,
        &json!({"first_name": "C", "email": "c@example.com"}),
    )
    .await;
    let other = other["data"]["id"].as_str().expect("id");
    let (status, problem) = patch(
        &stack,
        TENANT,
        other,
        &json!({"email": "ANN@B\u{DC}CHER.DE"}),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str(), problem["field"].as_str()),
        (409, Some("email_taken"), Some("/email"))
    );
    assert_eq!(stack.count("customer").await, 3);
    assert_eq!(stack.count("claim").await, 3);
}

#[tokio::test]
async fn a_homograph_domain_is_another_address() {
    let stack = Stack::new().await;
    for raw in ["zed@example.com", "zed@ex\u{430}mple.com"] {
        let (status, body) =
            create(&stack, TENANT, &json!({"first_name": "Zed", "email": raw})).await;
        assert_eq!(status, 201, "{raw:?}: {body}");
    }
    let (_, found) = list(&stack, TENANT, &[("email", "zed@ex\u{430}mple.com")]).await;
    let shown = found["data"][0]["email"].as_str().unwrap_or_default();
    assert!(
        shown.starts_with("zed@xn--"),
        "its A-label shows the difference: {shown}"
    );
}

/// Addresses as people type them: ASCII of both cases, composed and decomposed letters,
/// full-width domain letters and dots, Unicode and A-label domains, homographs.
fn spelling() -> impl Strategy<Value = String> {
    let local = prop::collection::vec(
        prop::sample::select(vec![
            "ann",
            "Ann",
            "LEE",
            "jos\u{E9}",
            "jose\u{301}",
            "JOS\u{C9}",
            "zo\u{EB}",
            "Zoe\u{308}",
            "\u{C5}sa",
            "\u{212B}SA",
            "\u{1F0}",
            "J\u{30C}",
            "x+tag",
            "o'neil",
            "\u{43C}\u{438}\u{440}",
        ]),
        1..4,
    )
    .prop_map(|pieces| pieces.join("."));
    let label = prop::sample::select(vec![
        "example",
        "EXAMPLE",
        "\u{FF45}\u{FF58}\u{FF41}\u{FF4D}\u{FF50}\u{FF4C}\u{FF45}",
        "b\u{FC}cher",
        "B\u{DC}CHER",
        "bu\u{308}cher",
        "xn--bcher-kva",
        "XN--BCHER-KVA",
        "stra\u{DF}e",
        "m\u{FC}nchen",
        "ex\u{430}mple",
        "\u{4F8B}\u{3048}",
    ]);
    let dot = prop::sample::select(vec![".", "\u{3002}", "\u{FF0E}"]);
    let tld = prop::sample::select(vec!["com", "de", "COM", "\u{FF43}\u{FF4F}\u{FF4D}"]);
    (local, label, dot, tld)
        .prop_map(|(local, label, dot, tld)| format!("{local}@{label}{dot}{tld}"))
}

/// `raw` with its composed letters decomposed: canonically the same text.
fn decomposed(raw: &str) -> String {
    let pairs = [
        ('\u{E9}', "e\u{301}"),
        ('\u{C9}', "E\u{301}"),
        ('\u{EB}', "e\u{308}"),
        ('\u{FC}', "u\u{308}"),
        ('\u{DC}', "U\u{308}"),
        ('\u{C5}', "A\u{30A}"),
    ];
    raw.chars()
        .map(
            |c| match pairs.iter().find(|(composed, _)| *composed == c) {
                Some((_, parts)) => (*parts).to_owned(),
                None => c.to_string(),
            },
        )
        .collect()
}

#[tokio::test]
async fn accepted_addresses_round_trip_through_create_get_and_lookup() {
    let stack = Stack::new().await;
    let mut runner = TestRunner::deterministic();
    for case in 0..16 {
        let raw = spelling()
            .new_tree(&mut runner)
            .expect("a spelling")
            .current();
        // A prefix keeps the cases apart; the spelling is what is under test.
        let raw = format!("c{case}.{raw}");
        let canonical = Email::parse(&raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
        let (status, body) =
            create(&stack, TENANT, &json!({"first_name": "R", "email": raw})).await;
        assert_eq!(status, 201, "{raw:?}: {body}");
        assert_eq!(body["data"]["email"], canonical.as_str(), "{raw:?}");
        let id = body["data"]["id"].as_str().expect("id");

        let (_, fetched) = get(&stack, TENANT, id).await;
        assert_eq!(fetched["data"], body["data"], "{raw:?}");
        for lookup in [raw.clone(), canonical.as_str().to_owned(), decomposed(&raw)] {
            let (status, found) = list(&stack, TENANT, &[("email", &lookup)]).await;
            assert_eq!(status, 200, "{lookup:?}: {found}");
            assert_eq!(found["data"][0]["id"], id, "{lookup:?}");
        }
        let again = json!({"first_name": "R", "email": canonical.as_str()});
        assert_eq!(create(&stack, TENANT, &again).await.0, 409, "{raw:?}");
    }
}

/// The previous code's form of `Jose\u{301}@B\u{FC}cher.de`: lower case only.
const OLD_FORM: &str = "jose\u{301}@b\u{FC}cher.de";

/// A customer and its email claim as the previous code wrote them, with `OLD_FORM`.
async fn stored_in_the_old_form(stack: &Stack) -> String {
    let path = integration_tests::workspace_root()
        .join("shared/src/store/items/layouts/customer-minimal-unmarked.json");
    let text = std::fs::read_to_string(&path).expect("the layout");
    let customer = dynamo_json::item(&text.replace("bo@example.com", OLD_FORM));
    let id = customer["id"].as_s().expect("id").to_owned();
    let claim = dynamo_json::item(&format!(
        r##"{{"pk": {{"S": "TENANT#acme#EMAIL#{OLD_FORM}"}}, "sk": {{"S": "CLAIM"}},
            "entity": {{"S": "claim"}}, "tenant_id": {{"S": "acme"}},
            "field": {{"S": "email"}}, "customer_id": {{"S": "{id}"}}}}"##
    ));
    for item in [customer, claim] {
        let put = stack.dynamodb.put_item().table_name(&stack.table);
        put.set_item(Some(item)).send().await.expect("put");
    }
    id
}

/// The keys of the email claims in the table.
async fn email_claims(stack: &Stack) -> Vec<String> {
    let items = stack.snapshot().await;
    let claims = items
        .iter()
        .filter(|i| i["entity"] == "claim" && i["field"] == "email");
    claims
        .map(|i| i["pk"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn an_address_claimed_in_the_old_form_is_shown_and_released_as_it_was_stored() {
    let stack = Stack::new().await;
    let id = stored_in_the_old_form(&stack).await;
    let (status, body) = get(&stack, "acme", &id).await;
    assert_eq!(
        (status, body["data"]["email"].as_str()),
        (200, Some(OLD_FORM))
    );
    // Until it is moved (docs/data-model.md), a lookup in today's form misses it.
    let (_, found) = list(&stack, "acme", &[("email", OLD_FORM)]).await;
    assert_eq!(found["data"], json!([]));

    assert_eq!(delete(&stack, "acme", &id).await.0, 204);
    assert_eq!(
        email_claims(&stack).await,
        Vec::<String>::new(),
        "released by its stored key"
    );
}

#[tokio::test]
async fn any_patch_of_a_customer_in_the_old_form_moves_its_claim_to_the_canonical_form() {
    let stack = Stack::new().await;
    let id = stored_in_the_old_form(&stack).await;
    let (status, body) = patch(&stack, "acme", &id, &json!({"company": "Acme"})).await;
    assert_eq!(status, 200, "{body}");
    let canonical = "jos\u{E9}@xn--bcher-kva.de";
    assert_eq!(body["data"]["email"], canonical);
    assert_eq!(
        body["data"]["sources"][0]["identifiers"]["email"],
        canonical
    );
    assert_eq!(
        email_claims(&stack).await,
        [format!("TENANT#acme#EMAIL#{canonical}")],
        "the old claim released, the new one taken, in one transaction"
    );
    let (_, found) = list(&stack, "acme", &[("email", OLD_FORM)]).await;
    assert_eq!(found["data"][0]["id"], id.as_str());
}
