//! What the tests of each part of a customer body share: a day to parse against, and the
//! ways to look at a parse's outcome.

use super::{parse_new_customer, CustomerInput};
use crate::api::{Parsed, ValidationErrors};
use crate::domain::CustomerDetails;
pub(super) use serde_json::{json, Map, Value};
use time::macros::date;
use time::Date;

pub(super) const TODAY: Date = date!(2026 - 11 - 25);

pub(super) fn parse(body: Value) -> Result<Parsed<CustomerInput>, ValidationErrors> {
    parse_new_customer(body.as_object().expect("object"), TODAY)
}

pub(super) fn ok(body: Value) -> CustomerDetails {
    parse(body).expect("valid").value.details
}

/// The (field, code) pairs of a rejected body.
pub(super) fn errors(body: Value) -> Vec<(String, &'static str)> {
    parse(body)
        .expect_err("invalid")
        .0
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

pub(super) fn error(field: &str, code: &'static str) -> Vec<(String, &'static str)> {
    vec![(field.to_owned(), code)]
}

/// A valid body with `extra` members added or replaced.
pub(super) fn with(extra: Value) -> Value {
    let mut body = json!({"first_name": "Ann", "email": "ann@example.com"});
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    body
}

/// A valid address with `extra` members added or replaced.
pub(super) fn address(extra: Value) -> Value {
    let mut a = json!({"line1": "1 Main St", "city": "Springfield", "country": "US"});
    for (k, v) in extra.as_object().expect("object") {
        a[k] = v.clone();
    }
    a
}
