//! A `POST /customers` body: the customer's own fields here, its parts in the submodules.

mod address;
#[cfg(test)]
mod fixtures;
mod groups;
mod identifiers;
mod metadata;
mod patch;

pub use patch::{parse_customer_patch, CustomerPatch, DocumentPatch};

use super::document::parse_identity_document;
use super::object::{optional_text, Object};
use super::{Parsed, Pointer, Report, ValidationErrors};
use crate::domain::IdentityDocument;
use crate::domain::{
    Birthday, CallingCode, Company, CountryCode, CustomerDetails, Email, Gender, GroupId, Mobile,
    Notes, PersonName, PhoneError, PhoneRegion, Source, Status,
};
use serde_json::{Map, Value};
use time::Date;

const CUSTOMER_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "mobile",
    "mobile_country",
    "mobile_code_country",
    "country",
    "gender",
    "birthday",
    "status",
    "addresses",
    "address",
    "company",
    "notes",
    "metadata",
    "newsletter",
    "source",
    "identity_document",
    "identifiers",
    "groups",
    "link_existing",
];

/// A `POST /customers` body, parsed: the customer's details and, apart because it is checked
/// and then mostly discarded, the identity document.
#[derive(Debug, Clone)]
pub struct CustomerInput {
    pub details: CustomerDetails,
    pub identity_document: Option<IdentityDocument>,
    /// Where each of `details.groups` was given, for pointing at a group that turns out not to
    /// exist.
    pub group_pointers: Vec<(GroupId, String)>,
    /// Opt-in: identifiers that belong to one existing customer add this `source` to it
    /// instead of failing.
    pub link_existing: bool,
}

/// Parses a `POST /customers` body. `today` (UTC) bounds the birthday and document expiry.
pub fn parse_new_customer(
    body: &Map<String, Value>,
    today: Date,
) -> Result<Parsed<CustomerInput>, ValidationErrors> {
    let mut report = Report::default();
    let value = parse_customer(body, today, &mut report);
    report.finish(value)
}

/// The walk of a customer body, recording into `report`; `Some` when nothing was wrong.
fn parse_customer(
    body: &Map<String, Value>,
    today: Date,
    report: &mut Report,
) -> Option<CustomerInput> {
    let obj = Object::new(body, Pointer::root(), CUSTOMER_FIELDS, report);
    let r = report;

    let first_name = obj.parse_required("first_name", r, PersonName::parse);
    let last_name = optional_text::<PersonName>(&obj, "last_name", r);
    let email = obj.parse("email", r, Email::parse);
    let mobile = parse_mobile(&obj, r);
    let identifiers = obj
        .value("identifiers")
        .and_then(|v| identifiers::parse_identifiers(v, obj.at("identifiers"), r));
    let has_external_id = obj
        .value("identifiers")
        .and_then(|v| v.get("external_id"))
        .is_some_and(|v| !v.is_null());
    if !obj.present("email") && !obj.present("mobile") && !has_external_id {
        r.error(
            &Pointer::root(),
            "contact_required",
            "at least one of email, mobile or identifiers.external_id is required",
        );
    }
    let country = obj.parse("country", r, CountryCode::parse);
    let gender = obj.parse("gender", r, Gender::parse);
    let birthday = obj.parse("birthday", r, |s| Birthday::parse(s, today));
    let status = obj.parse("status", r, Status::parse);
    let addresses = address::parse_addresses(&obj, r);
    let company = optional_text::<Company>(&obj, "company", r);
    let notes = optional_text::<Notes>(&obj, "notes", r);
    let metadata = metadata::parse_metadata(&obj, r);
    let newsletter = obj.bool("newsletter", r);
    let source = obj.parse("source", r, Source::parse);
    let groups = groups::parse_groups(&obj, r);
    let link_existing = obj.bool("link_existing", r).unwrap_or(false);
    if link_existing && obj.present("identity_document") {
        r.error(
            &obj.at("link_existing"),
            "conflicting_value",
            "an identity document is verified for new customers only; send it without link_existing",
        );
    }
    let identity_document = obj
        .value("identity_document")
        .and_then(|v| parse_identity_document(v, obj.at("identity_document"), r, today));

    if r.has_errors() {
        None
    } else {
        first_name
            .map(|first_name| CustomerDetails {
                first_name,
                last_name,
                email,
                mobile,
                country,
                gender,
                birthday,
                status: status.unwrap_or_default(),
                addresses: addresses.unwrap_or_default(),
                company,
                notes,
                metadata: metadata.unwrap_or_default(),
                newsletter: newsletter.unwrap_or(false),
                source: source.unwrap_or_default(),
                identifiers: identifiers.unwrap_or_default(),
                groups: groups.iter().map(|(id, _)| *id).collect(),
            })
            .map(|details| CustomerInput {
                details,
                identity_document,
                group_pointers: groups,
                link_existing,
            })
    }
}

fn parse_mobile(obj: &Object, r: &mut Report) -> Option<Mobile> {
    let country = obj
        .str("mobile_country", r)
        .map(|s| CountryCode::parse(s).map_err(|e| r.violation(&obj.at("mobile_country"), &e)));
    let code = obj.str("mobile_code_country", r).map(|s| {
        CallingCode::parse(s).map_err(|e| r.violation(&obj.at("mobile_code_country"), &e))
    });
    if let (Some(Ok(country)), Some(Ok(code))) = (country, code) {
        if CallingCode::of(country) != Some(code) {
            r.error(
                &obj.at("mobile_code_country"),
                "conflicting_value",
                "does not match the calling code of mobile_country",
            );
            return None;
        }
    }
    let hint_broken = matches!(country, Some(Err(()))) || matches!(code, Some(Err(())));
    let region = match (country, code) {
        (Some(Ok(country)), _) => Some(PhoneRegion::Country(country)),
        (_, Some(Ok(code))) => Some(PhoneRegion::CallingCode(code)),
        _ => None,
    };
    let raw = obj.str("mobile", r)?;
    match Mobile::parse(raw, region) {
        Ok(mobile) => Some(mobile),
        // The hint's own error already tells the client what to fix.
        Err(PhoneError::CountryRequired) if hint_broken => None,
        Err(e) => {
            r.violation(&obj.at("mobile"), &e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn minimal_customer_gets_defaults() {
        let c = ok(json!({"first_name": "Ann", "email": "ann@example.com"}));
        assert_eq!(c.first_name.as_str(), "Ann");
        assert_eq!(c.status, Status::Active);
        assert_eq!(c.source, Source::Api);
        assert!(!c.newsletter);
        assert!(c.addresses.as_slice().is_empty());
        assert!(c.metadata.is_empty());
    }

    #[test]
    fn first_name_is_required_trimmed_and_at_most_100() {
        assert_eq!(
            errors(json!({"email": "a@b.co"})),
            error("/first_name", "required")
        );
        assert_eq!(
            errors(with(json!({"first_name": "   "}))),
            error("/first_name", "empty")
        );
        assert_eq!(
            errors(with(json!({"first_name": null}))),
            error("/first_name", "required")
        );
        assert_eq!(
            errors(with(json!({"first_name": "x".repeat(101)}))),
            error("/first_name", "too_long")
        );
        assert_eq!(
            ok(with(json!({"first_name": "  Ann  "})))
                .first_name
                .as_str(),
            "Ann"
        );
        assert_eq!(
            errors(with(json!({"first_name": 7}))),
            error("/first_name", "invalid_type")
        );
    }

    #[test]
    fn last_name_is_optional_up_to_100() {
        assert_eq!(
            ok(with(json!({"last_name": "Lee"})))
                .last_name
                .unwrap()
                .as_str(),
            "Lee"
        );
        assert!(ok(with(json!({"last_name": ""}))).last_name.is_none());
        assert_eq!(
            errors(with(json!({"last_name": "x".repeat(101)}))),
            error("/last_name", "too_long")
        );
    }

    #[test]
    fn email_is_validated_and_lower_cased() {
        assert_eq!(
            ok(with(json!({"email": "Ann.Lee@Example.COM"})))
                .email
                .unwrap()
                .as_str(),
            "ann.lee@example.com"
        );
        assert_eq!(
            errors(with(json!({"email": "not-an-email"}))),
            error("/email", "invalid_email")
        );
    }

    #[test]
    fn mobile_in_e164_or_national_with_country_or_calling_code() {
        let body = |extra: Value| {
            let mut b = json!({"first_name": "Ann"});
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b
        };
        assert_eq!(
            ok(body(json!({"mobile": "+19203751411"})))
                .mobile
                .unwrap()
                .as_str(),
            "+19203751411"
        );
        assert_eq!(
            ok(body(
                json!({"mobile": "0512345678", "mobile_country": "SA"})
            ))
            .mobile
            .unwrap()
            .as_str(),
            "+966512345678"
        );
        assert_eq!(
            ok(body(
                json!({"mobile": "0512345678", "mobile_code_country": "+966"})
            ))
            .mobile
            .unwrap()
            .as_str(),
            "+966512345678"
        );
        assert_eq!(
            ok(body(json!({"mobile": "0512345678", "mobile_country": "SAU", "mobile_code_country": "+966"})))
                .mobile
                .unwrap()
                .as_str(),
            "+966512345678"
        );
        assert_eq!(
            errors(body(json!({"mobile": "0512345678"}))),
            error("/mobile", "country_required")
        );
        assert_eq!(
            errors(body(json!({"mobile": "+966112345678"}))),
            error("/mobile", "not_a_mobile")
        );
        assert_eq!(
            errors(body(json!({"mobile": "+1234"}))),
            error("/mobile", "invalid_phone")
        );
        assert_eq!(
            errors(body(
                json!({"mobile": "0512345678", "mobile_country": "ZZ"})
            )),
            error("/mobile_country", "invalid_country")
        );
        assert_eq!(
            errors(body(
                json!({"mobile": "0512345678", "mobile_code_country": "+999"})
            )),
            error("/mobile_code_country", "invalid_calling_code")
        );
        assert_eq!(
            errors(body(
                json!({"mobile": "0512345678", "mobile_country": "SA", "mobile_code_country": "+44"})
            )),
            error("/mobile_code_country", "conflicting_value")
        );
        assert_eq!(
            errors(body(
                json!({"mobile": "+19203751411", "mobile_country": "SA"})
            )),
            error("/mobile", "conflicting_country")
        );
    }

    #[test]
    fn email_or_mobile_is_required() {
        assert_eq!(
            errors(json!({"first_name": "Ann"})),
            error("", "contact_required")
        );
        assert_eq!(
            errors(json!({"first_name": "Ann", "email": null})),
            error("", "contact_required")
        );
        assert!(parse(json!({"first_name": "Ann", "mobile": "+19203751411"})).is_ok());
    }

    #[test]
    fn country_accepts_alpha2_alpha3_and_names() {
        for (raw, expected) in [("cl", "CL"), ("USA", "US"), ("Chile", "CL")] {
            assert_eq!(
                ok(with(json!({"country": raw}))).country.unwrap().alpha2(),
                expected
            );
        }
        assert_eq!(
            errors(with(json!({"country": "Narnia"}))),
            error("/country", "invalid_country")
        );
    }

    #[test]
    fn gender_status_and_source_are_closed_vocabularies() {
        let c = ok(with(
            json!({"gender": "Female", "status": "pending", "source": "instore"}),
        ));
        assert_eq!(c.gender, Some(Gender::Female));
        assert_eq!(c.status, Status::Pending);
        assert_eq!(c.source, Source::Instore);
        assert_eq!(
            errors(with(
                json!({"gender": "x", "status": "gone", "source": "FAX"})
            )),
            vec![
                ("/gender".to_owned(), "invalid_value"),
                ("/status".to_owned(), "invalid_value"),
                ("/source".to_owned(), "invalid_value"),
            ]
        );
    }

    #[test]
    fn birthday_is_a_past_date_within_130_years() {
        assert!(ok(with(json!({"birthday": "1990-05-17"})))
            .birthday
            .is_some());
        assert_eq!(
            errors(with(json!({"birthday": "2030-01-01"}))),
            error("/birthday", "date_in_future")
        );
        assert_eq!(
            errors(with(json!({"birthday": "1890-01-01"}))),
            error("/birthday", "date_too_old")
        );
        assert_eq!(
            errors(with(json!({"birthday": "17/05/1990"}))),
            error("/birthday", "invalid_date")
        );
    }

    #[test]
    fn company_and_notes_lengths() {
        assert!(ok(with(
            json!({"company": "x".repeat(64), "notes": "n".repeat(2000)})
        ))
        .company
        .is_some());
        assert_eq!(
            errors(with(
                json!({"company": "x".repeat(65), "notes": "n".repeat(2001)})
            )),
            vec![
                ("/company".to_owned(), "too_long"),
                ("/notes".to_owned(), "too_long")
            ]
        );
    }

    #[test]
    fn newsletter_is_a_boolean() {
        assert!(ok(with(json!({"newsletter": true}))).newsletter);
        assert_eq!(
            errors(with(json!({"newsletter": "yes"}))),
            error("/newsletter", "invalid_type")
        );
    }

    #[test]
    fn unknown_fields_are_rejected_at_every_depth() {
        assert_eq!(
            errors(with(json!({
                "id": "x", "created_by": "me", "version": 3, "fist_name": "typo",
                "addresses": [address(json!({"colour": "red"}))]
            }))),
            vec![
                ("/created_by".to_owned(), "unknown_field"),
                ("/fist_name".to_owned(), "unknown_field"),
                ("/id".to_owned(), "unknown_field"),
                ("/version".to_owned(), "unknown_field"),
                ("/addresses/0/colour".to_owned(), "unknown_field"),
            ]
        );
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let errs = errors(json!({
            "first_name": "",
            "email": "nope",
            "country": "XX",
            "birthday": "tomorrow",
            "gender": 1,
            "addresses": [{"line1": "L", "city": "C", "country": "US", "zipcode": "!!"}],
            "metadata": {"": 1},
            "extra": true
        }));
        assert_eq!(
            errs,
            vec![
                ("/extra".to_owned(), "unknown_field"),
                ("/first_name".to_owned(), "empty"),
                ("/email".to_owned(), "invalid_email"),
                ("/country".to_owned(), "invalid_country"),
                ("/gender".to_owned(), "invalid_type"),
                ("/birthday".to_owned(), "invalid_date"),
                ("/addresses/0/zipcode".to_owned(), "invalid_format"),
                ("/metadata/".to_owned(), "invalid_key"),
            ]
        );
    }

    #[test]
    fn messages_never_echo_the_input() {
        let secret = "very-private-value";
        let err = parse(with(
            json!({"email": secret, "mobile": secret, "first_name": secret.repeat(20)}),
        ))
        .unwrap_err();
        for e in err.0 {
            assert!(!e.message.contains(secret), "{e:?}");
        }
    }
}
