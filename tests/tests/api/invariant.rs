//! The uniqueness invariant, under a randomised, seeded, concurrent mix of creates (some
//! linking a source account), patches that move emails, mobiles and external ids between a
//! small pool of values, lookups, reads and erasures, half of the writes keyed; then an audit
//! of the whole table, and a scan of it for what the erased customers showed.
//!
//! Replay a run with `INVARIANT_SEED=<seed>` (each run prints its seed).

use crate::change_events::all_subject_events;
use integration_tests::calls::{customer, send};
use integration_tests::{read, Event, Stack, TENANT};
use serde_json::{json, Map, Value};
use shared::lambda::App;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

const WORKERS: u64 = 8;
const OPERATIONS_PER_WORKER: usize = 70;
const POOL: usize = 10;
const SOURCES: [&str; 5] = ["WEBSITE", "INSTORE", "MOBILE_APP", "ECOMMERCE", "LINE"];
/// The unique fields the mix moves, by their name in claims and in a customer.
const FIELDS: [&str; 3] = ["email", "mobile", "external_id"];

fn pool_value(field: &str, index: usize) -> String {
    match field {
        "email" => format!("person{index}@example.com"),
        "mobile" => format!("+1920375140{index}"),
        _ => format!("crm-{index}"),
    }
}

/// One request and what it was answered.
#[derive(Debug)]
struct Outcome {
    operation: &'static str,
    status: u16,
    body: Value,
}

/// The statuses each operation may answer; anything else (a 5xx above all) breaks the test.
fn documented(operation: &str, status: u16, body: &Value) -> bool {
    match operation {
        "create" => status == 201 || status == 409,
        "link" => matches!(status, 200 | 201 | 409),
        "patch" => {
            matches!(status, 200 | 404 | 409)
                || (status == 400 && body["errors"][0]["code"] == "contact_required")
                // A keyed patch whose first attempt committed but whose answer was lost (an
                // attempt timeout) finds its own record on the retry, and the customer erased
                // since by another worker.
                || (status == 410 && body["code"] == "customer_erased")
        }
        "lookup" => status == 200,
        "get" => matches!(status, 200 | 404),
        // Contention that outlasts the write's retry budget (a loaded machine) is documented.
        "delete" => {
            matches!(status, 204 | 404) || (status == 409 && body["code"] == "concurrent_update")
        }
        _ => false,
    }
}

struct Mix {
    app: App,
    known: Mutex<Vec<String>>,
    outcomes: Mutex<Vec<Outcome>>,
}

impl Mix {
    async fn run(&self, seed: u64, worker: u64) {
        let mut rng = fastrand::Rng::with_seed(seed.wrapping_add(worker.wrapping_mul(0x9E37_79B9)));
        for _ in 0..OPERATIONS_PER_WORKER {
            let roll = rng.u32(0..100);
            let mut target = None;
            let (operation, event) = match roll {
                0..=29 => ("create", self.create(&mut rng, false)),
                30..=39 => ("link", self.create(&mut rng, true)),
                40..=69 => match self.pick(&mut rng) {
                    Some(id) => {
                        let event = self.patch(&mut rng, &id);
                        target = Some(id);
                        ("patch", event)
                    }
                    None => ("create", self.create(&mut rng, false)),
                },
                70..=84 => {
                    let field = FIELDS[rng.usize(0..FIELDS.len())];
                    let value = pool_value(field, rng.usize(0..POOL));
                    let event = Event::new("GET /customers")
                        .query(field, &value)
                        .by_tenant(TENANT);
                    ("lookup", event)
                }
                85..=91 => match self.pick(&mut rng) {
                    Some(id) => {
                        let event = customer("DELETE", &id).by_tenant(TENANT);
                        target = Some(id);
                        ("delete", event)
                    }
                    None => continue,
                },
                _ => match self.pick(&mut rng) {
                    Some(id) => {
                        let event = customer("GET", &id).by_tenant(TENANT);
                        target = Some(id);
                        ("get", event)
                    }
                    None => continue,
                },
            };
            // Half of the writes carry a key (each its own): their records are copies of what
            // they answered, which an erasure must reach.
            let event = if operation != "lookup" && operation != "get" && rng.bool() {
                event.header("idempotency-key", &format!("mix-{}", rng.u64(..)))
            } else {
                event
            };
            let (status, body) = read(&send(&self.app, event).await);
            match (operation, status) {
                (_, 201) => {
                    if let Some(id) = body["data"]["id"].as_str() {
                        self.lock_known().push(id.to_owned());
                    }
                }
                // Erased (here or by another worker): later operations pick the living.
                ("delete", 204 | 404) | ("patch" | "get", 404) => {
                    if let Some(id) = &target {
                        self.lock_known().retain(|known| known != id);
                    }
                }
                _ => {}
            }
            self.outcomes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Outcome {
                    operation,
                    status,
                    body,
                });
        }
    }

    fn lock_known(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn pick(&self, rng: &mut fastrand::Rng) -> Option<String> {
        let known = self.lock_known();
        (!known.is_empty()).then(|| known[rng.usize(0..known.len())].clone())
    }

    /// A create with one to three pool values.
    fn create(&self, rng: &mut fastrand::Rng, link: bool) -> Event {
        let mut body = Map::new();
        // A name of its own: what the scan after the mix looks for.
        body.insert(
            "first_name".into(),
            json!(format!("Mix-{:020}", rng.u64(..))),
        );
        let first = rng.usize(0..FIELDS.len());
        for (i, field) in FIELDS.iter().enumerate() {
            if i == first || rng.u32(0..4) == 0 {
                set(
                    &mut body,
                    field,
                    json!(pool_value(field, rng.usize(0..POOL))),
                );
            }
        }
        body.insert("source".into(), json!(SOURCES[rng.usize(0..SOURCES.len())]));
        if link {
            body.insert("link_existing".into(), json!(true));
        }
        Event::new("POST /customers")
            .json(&Value::Object(body))
            .by_tenant(TENANT)
    }

    /// A patch that sets or clears some of the unique fields.
    fn patch(&self, rng: &mut fastrand::Rng, id: &str) -> Event {
        let mut body = Map::new();
        for field in FIELDS {
            match rng.u32(0..4) {
                0 => set(&mut body, field, Value::Null),
                1 | 2 => set(
                    &mut body,
                    field,
                    json!(pool_value(field, rng.usize(0..POOL))),
                ),
                _ => {}
            }
        }
        if body.is_empty() || rng.bool() {
            body.insert("notes".into(), json!(format!("note {:020}", rng.u64(..))));
        }
        customer("PATCH", id)
            .json(&Value::Object(body))
            .by_tenant(TENANT)
    }
}

/// `external_id` lives inside `identifiers`; the others at the top.
fn set(body: &mut Map<String, Value>, field: &str, value: Value) {
    if field == "external_id" {
        let identifiers = body.entry("identifiers").or_insert_with(|| json!({}));
        identifiers["external_id"] = value;
    } else {
        body.insert(field.to_owned(), value);
    }
}

/// The unique values a stored customer holds: its own fields, its source accounts', its
/// document's claim.
fn held_values(customer: &Value) -> BTreeSet<(String, String)> {
    let mut held = BTreeSet::new();
    let mut add = |field: &str, value: &Value| {
        if let Some(value) = value.as_str() {
            held.insert((field.to_owned(), value.to_owned()));
        }
    };
    add("email", &customer["email"]);
    add("mobile", &customer["mobile"]);
    add("external_id", &customer["identifiers"]["external_id"]);
    add("card_number", &customer["identifiers"]["card_number"]);
    add("identity_document", &customer["document_claim"]);
    for account in customer["sources"].as_array().into_iter().flatten() {
        let identifiers = &account["identifiers"];
        for field in ["email", "mobile", "external_id", "card_number"] {
            add(field, &identifiers[field]);
        }
    }
    held
}

/// Every inconsistency between the table's customers, claims and tombstones.
fn audit(items: &[Value]) -> Vec<String> {
    let of = |entity: &'static str| items.iter().filter(move |i| i["entity"] == entity);
    let customers: BTreeMap<String, &Value> = of("customer")
        .map(|c| (c["id"].as_str().unwrap_or_default().to_owned(), c))
        .collect();
    let mut problems = Vec::new();
    let mut claims: BTreeMap<(String, String), String> = BTreeMap::new();
    for claim in of("claim") {
        let field = claim["field"].as_str().unwrap_or_default().to_owned();
        let pk = claim["pk"].as_str().unwrap_or_default();
        let value = pk.splitn(4, '#').nth(3).unwrap_or_default().to_owned();
        let owner = claim["customer_id"].as_str().unwrap_or_default().to_owned();
        match customers.get(&owner) {
            None => problems.push(format!("claim of no live customer: {claim}")),
            Some(customer) if !held_values(customer).contains(&(field.clone(), value.clone())) => {
                problems.push(format!("claim its owner does not hold: {claim}"))
            }
            Some(_) => {}
        }
        claims.insert((field, value), owner);
    }
    let mut holders: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (id, customer) in &customers {
        for value in held_values(customer) {
            match claims.get(&value) {
                Some(owner) if owner == id => {}
                Some(owner) => problems.push(format!(
                    "{value:?} of {id} is claimed by {owner}: {customer}"
                )),
                None => problems.push(format!("{value:?} of {id} has no claim: {customer}")),
            }
            holders.entry(value).or_default().push(id.clone());
        }
    }
    for (value, ids) in holders.iter().filter(|(_, ids)| ids.len() > 1) {
        problems.push(format!("{value:?} is held by {ids:?}"));
    }
    for tombstone in of("tombstone") {
        let id = tombstone["id"].as_str().unwrap_or_default();
        if customers.contains_key(id) {
            problems.push(format!("an erased customer is alive: {tombstone}"));
        }
        if claims.values().any(|owner| owner == id) {
            problems.push(format!(
                "an erased customer still holds a claim: {tombstone}"
            ));
        }
        let fields: BTreeSet<&str> = tombstone
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let allowed: BTreeSet<&str> = [
            "pk",
            "sk",
            "entity",
            "tenant_id",
            "id",
            "deleted_at",
            "deleted_by",
            "request_id",
            "layout",
            // The erasure's own version, for its change event.
            "version",
        ]
        .into_iter()
        .collect();
        if !fields.is_subset(&allowed) {
            problems.push(format!(
                "a tombstone keeps more than its audit fields: {tombstone}"
            ));
        }
    }
    problems
}

// Worker threads: the local gateway (its event source mapping, the functions' Runtime API)
// runs in this process too, and must not hold up the mix's requests, whose SDK calls time out.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_uniqueness_invariant_holds_under_a_concurrent_mix() {
    let seed = std::env::var("INVARIANT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("invariant seed: {seed} (INVARIANT_SEED={seed} replays this run)");
    let stack = Stack::new().await;
    // The real publisher, fed by the event source mapping over this stack's stream.
    let _gateway = stack.gateway().await;
    let mix = Arc::new(Mix {
        app: stack.app(),
        known: Mutex::new(Vec::new()),
        outcomes: Mutex::new(Vec::new()),
    });
    let workers = (0..WORKERS).map(|worker| {
        let mix = mix.clone();
        async move { mix.run(seed, worker).await }
    });
    futures::future::join_all(workers).await;

    let outcomes = std::mem::take(&mut *mix.outcomes.lock().unwrap_or_else(|p| p.into_inner()));
    let mut counts: BTreeMap<(&str, u16), usize> = BTreeMap::new();
    for outcome in &outcomes {
        *counts
            .entry((outcome.operation, outcome.status))
            .or_default() += 1;
        assert!(
            documented(outcome.operation, outcome.status, &outcome.body),
            "seed {seed}: undocumented answer {outcome:?}"
        );
        if outcome.operation == "lookup" {
            assert!(
                outcome.body["data"]
                    .as_array()
                    .is_some_and(|d| d.len() <= 1),
                "seed {seed}: a lookup found several customers: {outcome:?}"
            );
        }
    }
    println!("answers (operation, status): count = {counts:?}");
    assert!(
        outcomes.len() >= 500,
        "seed {seed}: only {} operations",
        outcomes.len()
    );
    for needed in [
        ("create", 201),
        ("patch", 200),
        ("delete", 204),
        ("link", 200),
    ] {
        assert!(
            counts.get(&needed).is_some_and(|n| *n > 0),
            "seed {seed}: the mix never produced {needed:?}: {counts:?}"
        );
    }

    let items = stack.snapshot().await;
    let problems = audit(&items);
    assert!(
        problems.is_empty(),
        "seed {seed}: the invariant is broken:\n{}",
        problems.join("\n")
    );
    let (remains, looked_at) = what_erased_customers_left(&outcomes, &items);
    assert!(
        remains.is_empty(),
        "seed {seed}: erased customers' values remain:\n{}",
        remains.join("\n")
    );
    assert!(
        looked_at > 0,
        "seed {seed}: no erased customer had a keyed write to look for"
    );

    let problems = audit_events(&stack, &items, &outcomes).await;
    assert!(
        problems.is_empty(),
        "seed {seed}: the change events are wrong:\n{}",
        problems.join("\n")
    );
}

/// Every customer's events, from `GET /events?subject=`: versions 1..n, each exactly once, where
/// n is its version now (or its tombstone's), created first, `customer.deleted` last exactly
/// when it was erased; and none holds a name or note the mix sent.
async fn audit_events(stack: &Stack, items: &[Value], outcomes: &[Outcome]) -> Vec<String> {
    let mut expected: BTreeMap<String, (u64, bool)> = BTreeMap::new();
    for item in items {
        let erased = match item["entity"].as_str() {
            Some("customer") => false,
            Some("tombstone") => true,
            _ => continue,
        };
        let (Some(id), Some(version)) = (item["id"].as_str(), item["version"].as_u64()) else {
            continue;
        };
        expected.insert(id.to_owned(), (version, erased));
    }
    let pool: Vec<String> = FIELDS
        .iter()
        .flat_map(|field| (0..POOL).map(|i| pool_value(field, i)))
        .collect();
    let personal: BTreeSet<&str> = outcomes
        .iter()
        .filter(|o| matches!(o.status, 200 | 201))
        .flat_map(|o| {
            [
                o.body["data"]["first_name"].as_str(),
                o.body["data"]["notes"].as_str(),
            ]
        })
        .flatten()
        .chain(pool.iter().map(String::as_str))
        .collect();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut problems = Vec::new();
    let mut listed: BTreeMap<(String, u64), String> = BTreeMap::new();
    for (id, (last, erased)) in &expected {
        let mut events = all_subject_events(stack, TENANT, id).await;
        while events.first().and_then(|e| e["data"]["version"].as_u64()) != Some(*last)
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            events = all_subject_events(stack, TENANT, id).await;
        }
        let versions: Vec<u64> = events
            .iter()
            .rev()
            .filter_map(|e| e["data"]["version"].as_u64())
            .collect();
        if versions != (1..=*last).collect::<Vec<_>>() {
            problems.push(format!("{id}: versions {versions:?}, expected 1..={last}"));
            continue;
        }
        let types: Vec<&str> = events
            .iter()
            .rev()
            .filter_map(|e| e["type"].as_str())
            .collect();
        let deleted = types.iter().filter(|t| **t == "customer.deleted").count();
        if types.first() != Some(&"customer.created")
            || deleted != usize::from(*erased)
            || (*erased && types.last() != Some(&"customer.deleted"))
        {
            let told: Vec<String> = events
                .iter()
                .rev()
                .map(|e| {
                    format!(
                        "{} {} {} {}",
                        e["data"]["version"], e["type"], e["time"], e["data"]["changed"]
                    )
                })
                .collect();
            problems.push(format!(
                "{id}: types {types:?} (erased: {erased}): {told:#?}"
            ));
        }
        let text = serde_json::to_string(&events).unwrap_or_default();
        if let Some(value) = personal.iter().find(|value| text.contains(**value)) {
            problems.push(format!("{id}: an event holds {value:?}"));
        }
        for event in &events {
            if event["type"] == "customer.updated"
                && event["data"]["changed"]
                    .as_array()
                    .is_none_or(Vec::is_empty)
            {
                problems.push(format!("{id}: an update that names no change: {event}"));
            }
            let key = (id.clone(), event["data"]["version"].as_u64().unwrap_or(0));
            listed.insert(key, event["id"].as_str().unwrap_or_default().to_owned());
        }
    }
    if expected.is_empty() {
        problems.push("no customer to audit".into());
    }
    problems.extend(audit_bus(stack, &listed).await);
    problems
}

/// What reached the bus: every listed event, and for each (subject, version) that one id only
/// (a change put again is the same event; another id would be a second event for it).
async fn audit_bus(stack: &Stack, listed: &BTreeMap<(String, u64), String>) -> Vec<String> {
    let mut on_bus: BTreeMap<(String, u64), BTreeSet<String>> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        for message in stack.bus_messages().await {
            let detail = &message["detail"];
            if detail["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("customer."))
            {
                let key = (
                    detail["subject"].as_str().unwrap_or_default().to_owned(),
                    detail["data"]["version"].as_u64().unwrap_or(0),
                );
                let ids = on_bus.entry(key).or_default();
                ids.insert(detail["id"].as_str().unwrap_or_default().to_owned());
            }
        }
        let all_there = listed
            .iter()
            .all(|(key, id)| on_bus.get(key).is_some_and(|ids| ids.contains(id)));
        if all_there || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let mut problems = Vec::new();
    for (key, id) in listed {
        match on_bus.get(key) {
            Some(ids) if ids.len() == 1 && ids.contains(id) => {}
            other => problems.push(format!("{key:?}: listed {id}, on the bus {other:?}")),
        }
    }
    if let Some(extra) = on_bus.keys().find(|key| !listed.contains_key(*key)) {
        problems.push(format!("{extra:?}: on the bus, not listed"));
    }
    problems
}

/// What the erased customers showed in the answers of the mix (their names and notes, each
/// unique to one request, of one length, so that none is found inside another) that any item
/// of the table still holds, in any attribute, a record's response body included; and how many
/// erased customers had a keyed write's record to look into.
fn what_erased_customers_left(outcomes: &[Outcome], items: &[Value]) -> (Vec<String>, usize) {
    let mut shown: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for outcome in outcomes.iter().filter(|o| matches!(o.status, 200 | 201)) {
        let data = &outcome.body["data"];
        if let Some(id) = data["id"].as_str() {
            let values = shown.entry(id).or_default();
            values.extend(data["first_name"].as_str());
            values.extend(data["notes"].as_str());
        }
    }
    let erased: BTreeSet<&str> = items
        .iter()
        .filter(|item| item["entity"] == "tombstone")
        .filter_map(|item| item["id"].as_str())
        .collect();
    let sealed_for_erased = items
        .iter()
        .filter(|item| item["entity"] == "idempotency")
        .filter_map(|item| item["sealed_for"].as_str())
        .filter(|id| erased.contains(id))
        .collect::<BTreeSet<_>>()
        .len();
    let text = serde_json::to_string(items).unwrap_or_default();
    let mut remains = Vec::new();
    for id in &erased {
        for value in shown.get(id).into_iter().flatten() {
            if text.contains(value) {
                remains.push(format!("{value:?} of erased {id}"));
            }
        }
    }
    (remains, sealed_for_erased)
}
