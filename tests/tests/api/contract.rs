//! openapi.yaml and the code agree on the vocabularies both list: countries, calling codes,
//! and every closed set of values. (`make contract` checks the running API against the rest.)

use integration_tests::workspace_root;
use serde_yaml::Value;
use shared::domain::countries;
use shared::domain::{CardStatus, DocumentType, Gender, Source, Status};
use std::collections::BTreeSet;

fn spec() -> Value {
    let text =
        std::fs::read_to_string(workspace_root().join("openapi.yaml")).expect("openapi.yaml");
    serde_yaml::from_str(&text).expect("YAML")
}

/// The `enum` of schema `name` (without `null`).
fn vocabulary(spec: &Value, name: &str) -> Vec<String> {
    spec["components"]["schemas"][name]["enum"]
        .as_sequence()
        .unwrap_or_else(|| panic!("schema {name} has no enum"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn words(allowed: &str) -> Vec<String> {
    allowed.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn the_contracts_vocabularies_are_the_codes_own() {
    let spec = spec();
    let all = countries::all();
    let sorted = |values: Vec<&str>| -> Vec<String> {
        let set: BTreeSet<&str> = values.into_iter().collect();
        set.into_iter().map(str::to_owned).collect()
    };
    let expected = [
        ("CountryCode", sorted(all.iter().map(|c| c.code).collect())),
        (
            "CountryAlpha3",
            sorted(all.iter().map(|c| c.alpha3).collect()),
        ),
        ("CountryName", sorted(all.iter().map(|c| c.name).collect())),
        (
            "CallingCode",
            sorted(all.iter().filter_map(|c| c.dial_code.as_deref()).collect()),
        ),
        ("Gender", words(Gender::ALLOWED)),
        ("Status", words(Status::ALLOWED)),
        ("Source", words(Source::ALLOWED)),
        ("CardStatus", words(CardStatus::ALLOWED)),
        ("DocumentType", words(DocumentType::ALLOWED)),
    ];
    for (schema, values) in expected {
        assert_eq!(
            vocabulary(&spec, schema),
            values,
            "openapi.yaml's {schema} is not the code's; as JSON: {}",
            serde_json::to_string(&values).unwrap_or_default()
        );
    }
}
