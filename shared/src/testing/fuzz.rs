//! What each fuzz target checks (`fuzz/`, `make fuzz`), here so that the regression test
//! (`regressions_and_fixtures_replay` below) replays the same checks on the seeds and on every
//! input that once failed. Each function takes untrusted bytes, must never panic on its own account, and
//! panics when a promise to clients breaks: what is accepted is stored and shown exactly,
//! and a value that was accepted once is accepted again as it was shown.

use crate::api::show::{details_json, CustomerView, GroupView};
use crate::api::{
    decode_image, parse_customer_patch, parse_new_customer, parse_new_group, parse_strict,
};
use crate::documents::image_reasons;
use crate::domain::{
    CallingCode, CountryCode, Customer, CustomerId, ImageFormat, Mobile, Phone, PhoneRegion,
    Subject, TenantId,
};
use crate::http::auth::local::LocalAuth;
use crate::http::auth::{self, Scope};
use crate::http::RequestInfo;
use crate::store::items::{to_item, CustomerItem, GroupItem};
use crate::support::seal::SealKey;
use crate::use_cases::cursor::{self, Listing};
use crate::use_cases::ports::StoredCustomer;
use lambda_http::request::LambdaRequest;
use serde::Serialize;
use serde_json::{Map, Value};
use time::macros::datetime;
use time::{Date, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

fn today() -> Date {
    NOW.date()
}

/// The body of `POST /customers` and `PATCH /customers/{id}`: JSON, then validation; what is
/// accepted survives DynamoDB's item format and our JSON unchanged, and the customer as shown
/// is accepted again, unchanged, as the base of an empty merge patch.
pub fn customer_body(data: &[u8]) -> bool {
    let Ok(Value::Object(body)) = parse_strict(data) else {
        return false;
    };
    let accepted = parse_new_customer(&body, today());
    if let Ok(parsed) = &accepted {
        let parsed = parsed.clone();
        let Some(subject) = Subject::parse("fuzz") else {
            panic!("a constant subject is valid");
        };
        let details = parsed.value.details;
        let customer = Customer::register(CustomerId::random(), details, None, subject, NOW);
        let stored = StoredCustomer {
            customer,
            document_claim: None,
            seal: SealKey::generate().ok(),
        };
        let tenant = fuzz_tenant();
        let item = CustomerItem::new(&tenant, &stored);
        match to_item(&item).and_then(CustomerItem::read) {
            Ok(read) => assert_eq!(read, stored, "stored and read back differently"),
            Err(e) => panic!("an accepted customer could not be stored and read: {e}"),
        }
        let customer = stored.customer;
        shown_exactly(&CustomerView::from(&customer));
        let Some(shown) = details_json(&customer.details) else {
            panic!("a customer's details are shown as an object");
        };
        match parse_customer_patch(shown, &Map::new(), today()) {
            Ok(patched) => assert_eq!(patched.value.details, customer.details),
            Err(errors) => panic!("the customer as shown was refused: {errors:?}"),
        }
    }
    let _ = parse_customer_patch(sample_details().clone(), &body, today());
    accepted.is_ok()
}

/// The body of `POST /customer-groups`.
pub fn group_body(data: &[u8]) -> bool {
    let Ok(Value::Object(body)) = parse_strict(data) else {
        return false;
    };
    let Ok(parsed) = parse_new_group(&body, NOW) else {
        return false;
    };
    {
        let tenant = fuzz_tenant();
        match to_item(&GroupItem::new(&tenant, &parsed.value)).and_then(GroupItem::read) {
            Ok(read) => assert_eq!(read, parsed.value, "stored and read back differently"),
            Err(e) => panic!("an accepted group could not be stored and read: {e}"),
        }
        let Value::Object(shown) = shown_exactly(&GroupView::from(&parsed.value)) else {
            panic!("a group is shown as an object");
        };
        let mut again = shown;
        again.remove("id");
        again.remove("created_at");
        match parse_new_group(&again, NOW) {
            Ok(reparsed) => assert_eq!(reparsed.value.name_key(), parsed.value.name_key()),
            Err(errors) => panic!("the group as shown was refused: {errors:?}"),
        }
    }
    true
}

/// `?cursor=`: anything a client sends is refused unless its checksum is the tenant's and the
/// listing's; a payload with a right checksum, whatever it holds, opens to what it says (for
/// its own listing only) or is refused, and never panics.
pub fn cursor(data: &[u8]) -> bool {
    let tenant = fuzz_tenant();
    let text = String::from_utf8_lossy(data);
    assert!(
        cursor::open(&tenant, Listing::Customers, &text).is_err(),
        "a cursor without its checksum opened"
    );
    let written = cursor::seal_payload(&tenant, Listing::Customers, data);
    let Ok(page_key) = cursor::open(&tenant, Listing::Customers, &written) else {
        return false;
    };
    assert!(
        cursor::open(&tenant, Listing::CustomerGroups, &written).is_err(),
        "a cursor opened on another listing"
    );
    assert_eq!(
        cursor::open(
            &tenant,
            Listing::Customers,
            &cursor::seal(&tenant, Listing::Customers, &page_key)
        ),
        Ok(page_key)
    );
    true
}

/// An API Gateway event (HTTP or REST API) as the functions read it: route, request id and the
/// authorizer's claims, then authorisation from those claims; and a bearer header as the
/// `sam local` check reads it.
pub fn event_claims(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let mut authorised = false;
    // As the functions' runtime does: deserialise, make tolerable, convert.
    if let Ok(mut event) = serde_json::from_str::<LambdaRequest>(&text) {
        as_api_gateway_sends_it(&mut event);
        let request = lambda_http::Request::from(crate::http::tolerant(event));
        let info = RequestInfo::of(&request);
        for scope in [Scope::CustomersRead, Scope::CustomersWrite] {
            if let Ok(principal) = auth::authorize(info.claims.as_deref(), "tenant_id", scope) {
                let claims = info.claims.as_deref();
                assert!(claims.is_some_and(|claims| auth::grants(claims, scope)));
                assert!(!principal.tenant.as_str().is_empty());
                authorised = true;
            }
        }
    }
    let Some(local) = LocalAuth::new(
        b"fuzzing-local-secret-0123456789abcdef",
        "https://issuer.example",
        vec!["customers-api".into()],
    ) else {
        panic!("a 37-byte secret is long enough");
    };
    assert!(
        local.verify(Some(&text), NOW.unix_timestamp()).is_err(),
        "an unsigned token was accepted"
    );
    authorised
}

/// The event with what API Gateway itself sets, whatever the client sent: `Host` is the API's
/// domain (it routes by it) and `X-Forwarded-Proto` its own (HTTP APIs move a client's
/// X-Forwarded-* into `Forwarded`). lambda_http 1.3 unwraps a URL built from these
/// (request.rs `build_request_uri`), so an event that API Gateway cannot send (a Host that is
/// no host name) panics inside lambda_http before any of our code runs; the fuzzer found it
/// (fuzz/regressions/event_claims/lambda-http-invalid-host).
fn as_api_gateway_sends_it(event: &mut LambdaRequest) {
    use lambda_http::http::header::{HeaderValue, HOST};
    const DOMAIN: &str = "abcdef1234.execute-api.eu-west-1.amazonaws.com";
    let proto = lambda_http::http::HeaderName::from_static("x-forwarded-proto");
    let (headers, domain_name) = match event {
        LambdaRequest::ApiGatewayV2(event) => (
            vec![&mut event.headers],
            &mut event.request_context.domain_name,
        ),
        LambdaRequest::ApiGatewayV1(event) => (
            vec![&mut event.headers, &mut event.multi_value_headers],
            &mut event.request_context.domain_name,
        ),
        _ => return,
    };
    for headers in headers {
        headers.insert(HOST, HeaderValue::from_static(DOMAIN));
        headers.insert(proto.clone(), HeaderValue::from_static("https"));
    }
    *domain_name = Some(DOMAIN.to_owned());
}

/// Identity-document images: the base64 and data-URL layer, the format sniffing, and the
/// header and container checks (PNG chunks and CRCs, JPEG markers) on raw bytes.
pub fn image(data: &[u8]) -> bool {
    let passed = match ImageFormat::sniff(data) {
        Some(format) => image_reasons(data, format).is_empty(),
        None => false,
    };
    if let Ok(image) = decode_image(&String::from_utf8_lossy(data)) {
        assert_eq!(ImageFormat::sniff(image.bytes()), Some(image.format()));
        let _ = image_reasons(image.bytes(), image.format());
    }
    passed
}

/// Countries, calling codes and phone numbers: the first line names the region, the rest is
/// the number. A number accepted is in E.164, which is accepted again as itself.
pub fn phone_and_country(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let (region, number) = text.split_once('\n').unwrap_or(("", &text));
    let region = match (CountryCode::parse(region), CallingCode::parse(region)) {
        (Ok(country), _) => {
            assert_eq!(CountryCode::parse(country.alpha2()), Ok(country));
            assert_eq!(CountryCode::parse(country.alpha3()), Ok(country));
            Some(PhoneRegion::Country(country))
        }
        (_, Ok(code)) => Some(PhoneRegion::CallingCode(code)),
        _ => None,
    };
    if let Ok(mobile) = Mobile::parse(number, region) {
        assert_eq!(Mobile::parse(mobile.as_str(), None).as_ref(), Ok(&mobile));
    }
    let Ok(phone) = Phone::parse(number, region) else {
        return false;
    };
    assert_eq!(Phone::parse(phone.as_str(), None).as_ref(), Ok(&phone));
    true
}

/// A fuzz target: untrusted bytes in, whether they were accepted out.
pub type Target = fn(&[u8]) -> bool;

/// Every target by name, for the regression tests. Each says whether its input was accepted
/// (so that property tests can tell they reached the checks that follow acceptance).
pub const TARGETS: [(&str, Target); 6] = [
    ("customer_body", customer_body),
    ("group_body", group_body),
    ("cursor", cursor),
    ("event_claims", event_claims),
    ("image", image),
    ("phone_and_country", phone_and_country),
];

fn fuzz_tenant() -> TenantId {
    match TenantId::parse("fuzz-tenant") {
        Ok(tenant) => tenant,
        Err(e) => panic!("a constant tenant is valid: {e}"),
    }
}

/// `view` as JSON, which the strict parser reads back as the same document: a client reads
/// what was accepted.
fn shown_exactly<T: Serialize>(view: &T) -> Value {
    let shown = match serde_json::to_value(view) {
        Ok(json) => json,
        Err(e) => panic!("an accepted value could not be shown: {e}"),
    };
    match parse_strict(shown.to_string().as_bytes()) {
        Ok(again) => assert_eq!(again, shown, "shown JSON reads back differently"),
        Err(e) => panic!("our own JSON was refused: {e:?}"),
    }
    shown
}

/// A valid customer's details as shown, the base every fuzzed patch applies to: built once,
/// not on each of the fuzzer's runs.
fn sample_details() -> &'static Map<String, Value> {
    static DETAILS: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    DETAILS.get_or_init(|| {
        let body = serde_json::json!(
            {"first_name": "Ann", "email": "ann@example.com", "metadata": {"n": 1}}
        );
        let Value::Object(body) = body else {
            panic!("an object literal");
        };
        let Ok(parsed) = parse_new_customer(&body, today()) else {
            panic!("the sample customer is valid");
        };
        match details_json(&parsed.value.details) {
            Some(details) => details,
            None => panic!("a customer's details are shown as an object"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{jpeg, png, strategies};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use std::path::Path;

    /// Runs `check` on `cases` generated inputs; the share it accepted.
    fn accepted_share<S: Strategy>(
        strategy: S,
        cases: u32,
        check: impl Fn(&S::Value) -> bool,
    ) -> f64 {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let accepted = std::cell::Cell::new(0u32);
        let result = runner.run(&strategy, |input| {
            if check(&input) {
                accepted.set(accepted.get() + 1);
            }
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
        f64::from(accepted.get()) / f64::from(cases)
    }

    fn bytes(body: &Map<String, Value>) -> Vec<u8> {
        Value::Object(body.clone()).to_string().into_bytes()
    }

    #[test]
    fn strict_json_reads_every_document_serde_json_writes() {
        accepted_share(strategies::json(), 512, |document| {
            assert_eq!(
                parse_strict(document.to_string().as_bytes()).as_ref(),
                Ok(document)
            );
            true
        });
    }

    #[test]
    fn accepted_customers_are_stored_and_shown_as_accepted() {
        let share = accepted_share(strategies::customer_body(), 512, |body| {
            customer_body(&bytes(body))
        });
        // Enough bodies pass validation for the round trip to be what is tested.
        assert!(share > 0.05, "only {share} of the bodies were accepted");
    }

    #[test]
    fn accepted_groups_are_stored_and_shown_as_accepted() {
        let share = accepted_share(strategies::group_body(), 512, |body| {
            group_body(&bytes(body))
        });
        assert!(share > 0.3, "only {share} of the bodies were accepted");
    }

    #[test]
    fn phone_numbers_once_accepted_are_accepted_as_shown() {
        let input = (
            "(SA|US|CL|Chile|CHL|966|1|56|XX|)",
            strategies::phone_number(),
        )
            .prop_map(|(region, number)| format!("{region}\n{number}").into_bytes());
        let share = accepted_share(input, 1024, |data| phone_and_country(data));
        assert!(share > 0.01, "only {share} of the numbers were accepted");
    }

    #[test]
    fn only_cursors_with_their_checksum_open() {
        let payloads = prop_oneof![
            strategies::json().prop_map(|json| json.to_string().into_bytes()),
            (
                "c|g",
                proptest::collection::btree_map(".{0,8}", ".{0,8}", 0..4)
            )
                .prop_map(|(l, k)| serde_json::json!({"l": l, "k": k}).to_string().into_bytes()),
            any::<Vec<u8>>(),
        ];
        let share = accepted_share(payloads, 512, |data| cursor(data));
        // Payloads shaped as this API writes them, for this listing, open (about half of the
        // `{"l", "k"}` third); the others are refused.
        assert!(
            share > 0.03 && share < 0.34,
            "{share} of the sealed payloads opened"
        );
    }

    #[test]
    fn claims_authorise_only_what_they_grant() {
        let template: Value =
            match serde_json::from_str(include_str!("../../../events/get-customer.json")) {
                Ok(event) => event,
                Err(e) => panic!("{e}"),
            };
        let claims = proptest::collection::btree_map(
            "(sub|tenant_id|scope|scp|iss|aud|[a-z]{1,4})",
            prop_oneof![
                strategies::text(),
                "(customers\\.(read|write|read_write) ?){0,3}"
            ],
            0..6,
        );
        accepted_share(claims, 512, |claims| {
            let mut event = template.clone();
            if let Some(slot) = event.pointer_mut("/requestContext/authorizer/jwt/claims") {
                *slot = serde_json::json!(claims);
            }
            event_claims(event.to_string().as_bytes())
        });
    }

    #[test]
    fn images_with_damage_are_never_a_panic() {
        let damaged = (
            prop_oneof![Just(png(640, 480)), Just(jpeg(800, 600))],
            any::<Vec<(usize, u8)>>(),
        )
            .prop_map(|(mut bytes, damage)| {
                let len = bytes.len();
                for (at, value) in damage.into_iter().take(8) {
                    bytes[at % len] = value;
                }
                bytes
            });
        accepted_share(damaged, 512, |data| image(data));
        assert!(image(&png(640, 480)) && image(&jpeg(800, 600)));
    }

    /// Every input a fuzzer ever failed on (fuzz/regressions/<target>/), and every event of
    /// events/ and its body, through every target.
    #[test]
    fn regressions_and_fixtures_replay() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        if let Ok(events) = std::fs::read_dir(root.join("events")) {
            for event in events.flatten() {
                let Ok(raw) = std::fs::read(event.path()) else {
                    continue;
                };
                if let Ok(Value::Object(event)) = serde_json::from_slice::<Value>(&raw) {
                    if let Some(Value::String(body)) = event.get("body") {
                        inputs.push(body.clone().into_bytes());
                    }
                }
                inputs.push(raw);
            }
        }
        assert!(inputs.len() >= 10, "the fixtures are found");
        let regressions = root.join("fuzz/regressions");
        let folders = match std::fs::read_dir(&regressions) {
            Ok(folders) => folders.flatten().collect::<Vec<_>>(),
            Err(e) => panic!("{}: {e}", regressions.display()),
        };
        assert!(
            !folders.is_empty(),
            "no regressions in {}",
            regressions.display()
        );
        for folder in folders {
            let name = folder.file_name().to_string_lossy().into_owned();
            let Some((_, target)) = TARGETS.iter().find(|(target, _)| *target == name) else {
                panic!("fuzz/regressions/{name} names no fuzz target");
            };
            let replayed: Vec<Vec<u8>> = match std::fs::read_dir(folder.path()) {
                Ok(files) => files
                    .flatten()
                    .filter_map(|file| std::fs::read(file.path()).ok())
                    .collect(),
                Err(e) => panic!("fuzz/regressions/{name}: {e}"),
            };
            assert!(!replayed.is_empty(), "fuzz/regressions/{name} is empty");
            for input in &replayed {
                target(input);
            }
        }
        for (_, target) in TARGETS {
            for input in &inputs {
                target(input);
            }
        }
    }
}
