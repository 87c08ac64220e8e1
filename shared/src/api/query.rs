//! Query strings: page sizes, and `GET /customers`' lookups. Errors point at the parameter as
//! `?name`.

use super::{FieldError, ValidationErrors};
use crate::domain::{
    CardNumber, Claim, CountryCode, Email, ExternalId, Mobile, PhoneRegion, UniqueField, Violation,
};
use std::collections::BTreeMap;

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 100;

/// The parameters a lookup takes, each naming one kind of unique value.
const LOOKUPS: &[&str] = &["email", "mobile", "external_id", "card_number"];
const KNOWN: &[&str] = &[
    "limit",
    "cursor",
    "email",
    "mobile",
    "mobile_country",
    "external_id",
    "card_number",
];

pub(super) fn error(name: &str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: format!("?{name}"),
        code,
        message: message.into(),
    }
}

fn violation(name: &str, violation: &dyn Violation) -> FieldError {
    error(name, violation.code(), violation.to_string())
}

/// `limit`: 1-100, default 20.
pub fn page_size(raw: Option<&str>) -> Result<u32, ValidationErrors> {
    match raw {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(raw) => raw
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                ValidationErrors(vec![error(
                    "limit",
                    "out_of_range",
                    format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                )])
            }),
    }
}

/// An error for each parameter not in `known`: every operation names a misspelt one.
fn unknown_parameters<'a>(
    params: &'a BTreeMap<String, String>,
    known: &'a [&str],
) -> impl Iterator<Item = FieldError> + 'a {
    params
        .keys()
        .filter(|name| !known.contains(&name.as_str()))
        .map(|name| {
            error(
                name,
                "unknown_parameter",
                "is not a parameter of this operation",
            )
        })
}

/// What every listing's query holds: each parameter not in `known` is an error, then the page
/// size (`None` when invalid: its error is added) and the cursor.
pub(super) fn paging(
    params: &BTreeMap<String, String>,
    known: &[&str],
    errors: &mut Vec<FieldError>,
) -> (Option<u32>, Option<String>) {
    errors.extend(unknown_parameters(params, known));
    let limit = page_size(params.get("limit").map(String::as_str))
        .map_err(|e| errors.extend(e.0))
        .ok();
    (
        limit,
        params.get("cursor").filter(|c| !c.is_empty()).cloned(),
    )
}

/// What a listing without filters (`GET /customer-groups`) asks for: a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    pub limit: u32,
    pub cursor: Option<String>,
}

/// `params`: the query string's parameters by name; `limit` and `cursor`, nothing else.
pub fn parse_page_query(params: &BTreeMap<String, String>) -> Result<PageQuery, ValidationErrors> {
    let mut errors = Vec::new();
    let (limit, cursor) = paging(params, &["limit", "cursor"], &mut errors);
    match limit {
        Some(limit) if errors.is_empty() => Ok(PageQuery { limit, cursor }),
        _ => Err(ValidationErrors(errors)),
    }
}

/// `GET /countries`' one parameter, `search` (any text: a prefix that matches nothing finds
/// nothing); any other is an error, as on every listing.
pub fn parse_country_search(
    params: &BTreeMap<String, String>,
) -> Result<Option<&str>, ValidationErrors> {
    let unknown: Vec<FieldError> = unknown_parameters(params, &["search"]).collect();
    match unknown.is_empty() {
        true => Ok(params.get("search").map(String::as_str)),
        false => Err(ValidationErrors(unknown)),
    }
}

/// What `GET /customers` asks for: a page of the listing, or one exact lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerQuery {
    pub limit: u32,
    pub cursor: Option<String>,
    /// The unique value to look up, in its canonical form.
    pub lookup: Option<Claim>,
}

/// `params`: the query string's parameters by name.
pub fn parse_customer_query(
    params: &BTreeMap<String, String>,
) -> Result<CustomerQuery, ValidationErrors> {
    let mut errors = Vec::new();
    let (limit, cursor) = paging(params, KNOWN, &mut errors);
    let given: Vec<&str> = LOOKUPS
        .iter()
        .copied()
        .filter(|name| params.contains_key(*name))
        .collect();
    for extra in given.iter().skip(1) {
        errors.push(error(
            extra,
            "conflicting_value",
            "one lookup per request: email, mobile, external_id or card_number",
        ));
    }
    if !given.is_empty() && cursor.is_some() {
        errors.push(error(
            "cursor",
            "conflicting_value",
            "a lookup answers at most one customer, on one page",
        ));
    }
    if params.contains_key("mobile_country") && !params.contains_key("mobile") {
        errors.push(error(
            "mobile_country",
            "conflicting_value",
            "reads a national mobile: send it together with mobile",
        ));
    }
    let lookup = match given.first() {
        None => None,
        Some(name) => lookup(name, params).map_err(|e| errors.push(e)).ok(),
    };
    match limit {
        Some(limit) if errors.is_empty() => Ok(CustomerQuery {
            limit,
            cursor,
            lookup,
        }),
        _ => Err(ValidationErrors(errors)),
    }
}

/// The value of lookup parameter `name`, in the form its claim is keyed by.
fn lookup(name: &str, params: &BTreeMap<String, String>) -> Result<Claim, FieldError> {
    let raw = params.get(name).map(String::as_str).unwrap_or_default();
    let claim = |field, value: &str| Claim::new(field, value);
    match name {
        "email" => {
            // `ann+news@x.io` sent without URL-encoding arrives as `ann news@x.io`: no address
            // holds a space outside quotes, so a space between its ends was a `+`.
            let trimmed = raw.trim_matches(' ');
            let raw = match trimmed.contains(' ') {
                true => trimmed.replace(' ', "+"),
                false => raw.to_owned(),
            };
            Email::parse(&raw)
                .map(|e| claim(UniqueField::Email, e.as_str()))
                .map_err(|e| violation(name, &e))
        }
        "mobile" => {
            let region = match params.get("mobile_country") {
                None => None,
                Some(country) => Some(PhoneRegion::Country(
                    CountryCode::parse(country).map_err(|e| violation("mobile_country", &e))?,
                )),
            };
            // A `+` sent without URL-encoding arrives as a space (form encoding): it was a `+`.
            let raw = match raw.strip_prefix(' ') {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => format!("+{rest}"),
                _ => raw.to_owned(),
            };
            Mobile::parse(&raw, region)
                .map(|m| claim(UniqueField::Mobile, m.as_str()))
                .map_err(|e| violation(name, &e))
        }
        "external_id" => ExternalId::parse(raw)
            .map(|e| claim(UniqueField::ExternalId, e.as_str()))
            .map_err(|e| violation(name, &e)),
        _ => CardNumber::parse(raw)
            .map(|c| claim(UniqueField::CardNumber, c.as_str()))
            .map_err(|e| violation(name, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Result<CustomerQuery, Vec<(String, &'static str)>> {
        let params = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse_customer_query(&params)
            .map_err(|e| e.0.into_iter().map(|e| (e.field, e.code)).collect())
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None).unwrap(), 20);
        assert_eq!(page_size(Some("100")).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert_eq!(
                page_size(Some(bad)).unwrap_err().0[0].field,
                "?limit",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_page_by_default() {
        assert_eq!(
            query(&[]),
            Ok(CustomerQuery {
                limit: 20,
                cursor: None,
                lookup: None
            })
        );
        let page = query(&[("limit", "5"), ("cursor", "abc")]).unwrap();
        assert_eq!((page.limit, page.cursor.as_deref()), (5, Some("abc")));
    }

    /// A `+` in an email lookup sent without URL-encoding arrives as a space.
    #[test]
    fn an_unencoded_plus_in_an_email_lookup_is_a_plus() {
        for sent in [
            "ann news@example.com",
            "ann+news@example.com",
            " ann news@example.com ",
        ] {
            let lookup = query(&[("email", sent)]).expect("valid").lookup;
            assert_eq!(
                lookup,
                Some(Claim::new(UniqueField::Email, "ann+news@example.com")),
                "{sent:?}"
            );
        }
    }

    #[test]
    fn lookups_are_keyed_by_the_canonical_value() {
        let cases = [
            (
                ("email", "Ann@Example.COM"),
                Claim::new(UniqueField::Email, "ann@example.com"),
            ),
            (
                ("mobile", "+19203751411"),
                Claim::new(UniqueField::Mobile, "+19203751411"),
            ),
            (
                ("mobile", " 19203751411"),
                Claim::new(UniqueField::Mobile, "+19203751411"),
            ),
            (
                ("external_id", " crm-1 "),
                Claim::new(UniqueField::ExternalId, "crm-1"),
            ),
            (
                ("card_number", "9000 1234-56"),
                Claim::new(UniqueField::CardNumber, "9000123456"),
            ),
        ];
        for ((name, value), claim) in cases {
            assert_eq!(
                query(&[(name, value)]).unwrap().lookup,
                Some(claim),
                "{name}={value}"
            );
        }
        let national = query(&[("mobile", "0512345678"), ("mobile_country", "SA")]).unwrap();
        assert_eq!(
            national.lookup,
            Some(Claim::new(UniqueField::Mobile, "+966512345678"))
        );
    }

    #[test]
    fn malformed_and_conflicting_parameters_are_named() {
        type Pairs<'a> = &'a [(&'a str, &'a str)];
        let cases: [(Pairs, Pairs); 7] = [
            (&[("email", "nope")], &[("?email", "invalid_email")]),
            (
                &[("mobile", "0512345678")],
                &[("?mobile", "country_required")],
            ),
            (
                &[("mobile", "05"), ("mobile_country", "ZZ")],
                &[("?mobile_country", "invalid_country")],
            ),
            (
                &[("card_number", "#")],
                &[("?card_number", "invalid_format")],
            ),
            (
                &[
                    ("email", "a@b.co"),
                    ("mobile", "+19203751411"),
                    ("limit", "0"),
                ],
                &[("?limit", "out_of_range"), ("?mobile", "conflicting_value")],
            ),
            (
                &[("email", "a@b.co"), ("cursor", "x")],
                &[("?cursor", "conflicting_value")],
            ),
            (
                &[("mobile_country", "SA"), ("colour", "red")],
                &[
                    ("?colour", "unknown_parameter"),
                    ("?mobile_country", "conflicting_value"),
                ],
            ),
        ];
        for (pairs, expected) in cases {
            let expected: Vec<(String, &str)> = expected
                .iter()
                .map(|(f, c)| ((*f).to_owned(), *c))
                .collect();
            assert_eq!(query(pairs), Err(expected), "{pairs:?}");
        }
    }
}
