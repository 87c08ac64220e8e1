use super::document::parse_identity_document;
use super::object::{optional_text, Object};
use super::{Parsed, Pointer, Report, ValidationErrors};
use crate::documents::IdentityDocument;
use crate::domain::{
    Address, AddressLine, Addresses, AddressesError, Birthday, CallingCode, CardNumber, CardStatus,
    Company, CountryCode, Email, ExternalId, Gender, GroupId, Identifiers, LoyaltyCard, Metadata,
    MetadataError, MetadataKey, MetadataValue, Mobile, NewCustomer, Notes, PersonName, Phone,
    PhoneError, PhoneRegion, PlaceName, Source, Status, Zipcode, MAX_ADDRESSES, MAX_METADATA_KEYS,
};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
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

/// Groups one customer may belong to.
const MAX_GROUPS: usize = 20;

const IDENTIFIER_FIELDS: &[&str] = &[
    "external_id",
    "card_number",
    "card_series_id",
    "card_status",
];

const ADDRESS_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "phone",
    "line1",
    "line2",
    "city",
    "state",
    "zipcode",
    "country",
    "is_default",
];

/// The single-object form our users' previous systems send (Yativo's `customer_address`).
const LEGACY_ADDRESS_FIELDS: &[&str] = &["street", "number", "city", "state", "zipcode", "country"];

/// A `POST /customers` body, parsed: the customer's details and, apart because it is checked
/// and then mostly discarded, the identity document.
#[derive(Debug, Clone)]
pub struct CustomerInput {
    pub details: NewCustomer,
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
    let obj = Object::new(body, Pointer::root(), CUSTOMER_FIELDS, &mut report);
    let r = &mut report;

    let first_name = obj
        .required_str("first_name", r)
        .and_then(|s| r.check(&obj.at("first_name"), PersonName::parse(s)));
    let last_name = optional_text::<PersonName>(&obj, "last_name", r);
    let email = obj
        .str("email", r)
        .and_then(|s| r.check(&obj.at("email"), Email::parse(s)));
    let mobile = parse_mobile(&obj, r);
    let identifiers = obj
        .value("identifiers")
        .and_then(|v| parse_identifiers(v, obj.at("identifiers"), r));
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
    let country = obj
        .str("country", r)
        .and_then(|s| r.check(&obj.at("country"), CountryCode::parse(s)));
    let gender = obj
        .str("gender", r)
        .and_then(|s| r.check(&obj.at("gender"), Gender::parse(s)));
    let birthday = obj
        .str("birthday", r)
        .and_then(|s| r.check(&obj.at("birthday"), Birthday::parse(s, today)));
    let status = obj
        .str("status", r)
        .and_then(|s| r.check(&obj.at("status"), Status::parse(s)));
    let addresses = parse_addresses(&obj, r);
    let company = optional_text::<Company>(&obj, "company", r);
    let notes = optional_text::<Notes>(&obj, "notes", r);
    let metadata = parse_metadata(&obj, r);
    let newsletter = obj.bool("newsletter", r);
    let source = obj
        .str("source", r)
        .and_then(|s| r.check(&obj.at("source"), Source::parse(s)));
    let groups = parse_groups(&obj, r);
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

    let value = if r.has_errors() {
        None
    } else {
        first_name
            .map(|first_name| NewCustomer {
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
    };
    report.finish(value)
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

fn parse_addresses(obj: &Object, r: &mut Report) -> Option<Addresses> {
    // The single `address` form means "this is the customer's address": it comes first and is
    // the default.
    let legacy = obj
        .value("address")
        .map(|value| parse_legacy_address(value, obj.at("address"), r));
    let legacy_count = usize::from(legacy.is_some());
    let items = obj
        .array("addresses", r)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let parsed: Vec<Option<Address>> = legacy
        .into_iter()
        .chain(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| parse_address(item, obj.at("addresses").index(i), r)),
        )
        .collect();
    if parsed.len() > MAX_ADDRESSES {
        r.violation(&obj.at("addresses"), &AddressesError::TooMany);
        return None;
    }
    let list: Vec<Address> = parsed.into_iter().collect::<Option<_>>()?;
    match Addresses::new(list) {
        Ok((addresses, promoted)) => {
            if promoted {
                r.warn(
                    Some(&obj.at("addresses").index(0).key("is_default")),
                    "default_address_assigned",
                    "no address was flagged is_default, so the first one became the default",
                );
            }
            Some(addresses)
        }
        Err(AddressesError::MultipleDefaults { indexes }) => {
            // Point at the flags the client set; the legacy `address` is default implicitly.
            for index in indexes.into_iter().filter(|&i| i >= legacy_count) {
                r.error(
                    &obj.at("addresses")
                        .index(index - legacy_count)
                        .key("is_default"),
                    "multiple_defaults",
                    if legacy_count == 1 {
                        "`address` is already the default address; only one can be"
                    } else {
                        "only one address can be the default"
                    },
                );
            }
            None
        }
        Err(e) => {
            r.violation(&obj.at("addresses"), &e);
            None
        }
    }
}

fn parse_address(value: &Value, at: Pointer, r: &mut Report) -> Option<Address> {
    let obj = Object::of(value, at, ADDRESS_FIELDS, r)?;
    let errors_before = r.error_count();
    let first_name = optional_text::<PersonName>(&obj, "first_name", r);
    let last_name = optional_text::<PersonName>(&obj, "last_name", r);
    let line1 = obj
        .required_str("line1", r)
        .and_then(|s| r.check(&obj.at("line1"), AddressLine::parse(s)));
    let line2 = optional_text::<AddressLine>(&obj, "line2", r);
    let city = obj
        .required_str("city", r)
        .and_then(|s| r.check(&obj.at("city"), PlaceName::parse(s)));
    let state = optional_text::<PlaceName>(&obj, "state", r);
    let zipcode = parse_zipcode(&obj, r);
    let country = obj
        .required_str("country", r)
        .and_then(|s| r.check(&obj.at("country"), CountryCode::parse(s)));
    let phone = obj.str("phone", r).and_then(|raw| {
        // Without a valid country a national number cannot be read; the country error says why.
        let region = country.map(PhoneRegion::Country);
        match Phone::parse(raw, region) {
            Err(PhoneError::CountryRequired) if obj.present("country") => None,
            result => r.check(&obj.at("phone"), result),
        }
    });
    let is_default = obj.bool("is_default", r).unwrap_or(false);
    if r.error_count() > errors_before {
        return None;
    }
    Some(Address {
        first_name,
        last_name,
        phone,
        line1: line1?,
        line2,
        city: city?,
        state,
        zipcode,
        country: country?,
        is_default,
    })
}

fn parse_legacy_address(value: &Value, at: Pointer, r: &mut Report) -> Option<Address> {
    let obj = Object::of(value, at, LEGACY_ADDRESS_FIELDS, r)?;
    let errors_before = r.error_count();
    let street = obj.required_str("street", r);
    let number = obj.str_or_number("number", r);
    let line1 = street.and_then(|street| {
        let joined = match number.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => format!("{} {}", street.trim(), n),
            _ => street.to_owned(),
        };
        r.check(&obj.at("street"), AddressLine::parse(&joined))
    });
    let city = obj
        .required_str("city", r)
        .and_then(|s| r.check(&obj.at("city"), PlaceName::parse(s)));
    let state = optional_text::<PlaceName>(&obj, "state", r);
    let zipcode = parse_zipcode(&obj, r);
    let country = obj
        .required_str("country", r)
        .and_then(|s| r.check(&obj.at("country"), CountryCode::parse(s)));
    if r.error_count() > errors_before {
        return None;
    }
    Some(Address {
        first_name: None,
        last_name: None,
        phone: None,
        line1: line1?,
        line2: None,
        city: city?,
        state,
        zipcode,
        country: country?,
        is_default: true,
    })
}

/// Group ids, duplicates collapsed (with a warning), each with the pointer it was given at.
fn parse_groups(obj: &Object, r: &mut Report) -> Vec<(GroupId, String)> {
    let Some(items) = obj.array("groups", r) else {
        return Vec::new();
    };
    if items.len() > MAX_GROUPS {
        r.error(
            &obj.at("groups"),
            "too_many_items",
            format!("at most {MAX_GROUPS} groups"),
        );
        return Vec::new();
    }
    let mut groups: Vec<(GroupId, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = obj.at("groups").index(i);
        let Some(raw) = item.as_str() else {
            r.error(&at, "invalid_type", "must be a string");
            continue;
        };
        // An id that cannot exist is reported like one that does not.
        let Some(id) = GroupId::parse(raw) else {
            r.error(
                &at,
                "unknown_group",
                "no customer group with this id exists",
            );
            continue;
        };
        if groups.iter().any(|(known, _)| *known == id) {
            r.warn(
                Some(&at),
                "duplicate_group_collapsed",
                "this group was already listed; it counts once",
            );
            continue;
        }
        groups.push((id, at.to_string()));
    }
    groups
}

fn parse_identifiers(value: &Value, at: Pointer, r: &mut Report) -> Option<Identifiers> {
    let obj = Object::of(value, at, IDENTIFIER_FIELDS, r)?;
    let errors_before = r.error_count();
    let external_id = obj
        .str("external_id", r)
        .and_then(|s| r.check(&obj.at("external_id"), ExternalId::parse(s)));
    let card_number = obj
        .str("card_number", r)
        .and_then(|s| r.check(&obj.at("card_number"), CardNumber::parse(s)));
    let card_series_id = obj.str("card_series_id", r).and_then(|s| {
        r.check(
            &obj.at("card_series_id"),
            crate::domain::Text::<64, false>::parse(s),
        )
    });
    let card_status = obj
        .str("card_status", r)
        .and_then(|s| r.check(&obj.at("card_status"), CardStatus::parse(s)));
    let card_details = obj.present("card_series_id") || obj.present("card_status");
    if card_details && !obj.present("card_number") {
        r.error(
            &obj.at("card_number"),
            "required",
            "is required when card_series_id or card_status is given",
        );
    }
    if r.error_count() > errors_before {
        return None;
    }
    Some(Identifiers {
        external_id,
        card: card_number.map(|card_number| LoyaltyCard {
            card_number,
            card_series_id,
            card_status,
        }),
    })
}

fn parse_zipcode(obj: &Object, r: &mut Report) -> Option<Zipcode> {
    obj.str_or_number("zipcode", r)
        .and_then(|s| r.check(&obj.at("zipcode"), Zipcode::parse(&s)))
}

fn parse_metadata(obj: &Object, r: &mut Report) -> Option<Metadata> {
    let map = obj.object("metadata", r)?;
    let at = obj.at("metadata");
    let mut entries = BTreeMap::new();
    let mut complete = true;
    for (key, value) in map {
        let key_at = at.key(key);
        let parsed_key = MetadataKey::parse(key).map_err(|e| r.violation(&key_at, &e));
        let parsed_value = MetadataValue::parse(value).map_err(|e| r.violation(&key_at, &e));
        match (parsed_key, parsed_value) {
            (Ok(k), Ok(v)) => {
                entries.insert(k, v);
            }
            _ => complete = false,
        }
    }
    if map.len() > MAX_METADATA_KEYS {
        r.violation(&at, &MetadataError::TooManyKeys);
        return None;
    }
    if !complete {
        return None;
    }
    r.check(&at, Metadata::new(entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn parse(body: Value) -> Result<Parsed<CustomerInput>, ValidationErrors> {
        parse_new_customer(body.as_object().expect("object"), TODAY)
    }

    fn ok(body: Value) -> NewCustomer {
        parse(body).expect("valid").value.details
    }

    /// The (field, code) pairs of a rejected body.
    fn errors(body: Value) -> Vec<(String, &'static str)> {
        parse(body)
            .expect_err("invalid")
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    fn error(field: &str, code: &'static str) -> Vec<(String, &'static str)> {
        vec![(field.to_owned(), code)]
    }

    fn with(extra: Value) -> Value {
        let mut body = json!({"first_name": "Ann", "email": "ann@example.com"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    }

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
    fn metadata_rules() {
        let c = ok(with(
            json!({"metadata": {"tier": "gold", "points": 120, "vip": true}}),
        ));
        assert_eq!(c.metadata.len(), 3);
        let many: Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!(1))).collect();
        assert_eq!(
            errors(with(json!({"metadata": many}))),
            error("/metadata", "too_many_keys")
        );
        assert_eq!(
            errors(with(
                json!({"metadata": {"bad key": 1, "nested": {"a": 1}, "long": "x".repeat(501)}})
            ),),
            vec![
                ("/metadata/bad key".to_owned(), "invalid_key"),
                ("/metadata/long".to_owned(), "too_long"),
                ("/metadata/nested".to_owned(), "invalid_type"),
            ]
        );
        assert_eq!(
            errors(with(json!({"metadata": [1]}))),
            error("/metadata", "invalid_type")
        );
    }

    fn address(extra: Value) -> Value {
        let mut a = json!({"line1": "1 Main St", "city": "Springfield", "country": "US"});
        for (k, v) in extra.as_object().unwrap() {
            a[k] = v.clone();
        }
        a
    }

    #[test]
    fn addresses_are_parsed_and_normalised() {
        let c = ok(with(json!({"addresses": [
            address(json!({"first_name": "Ann", "phone": "(920) 375-1411", "zipcode": "12345-6789", "state": "WI", "line2": "Apt 2"})),
            address(json!({"country": "Saudi Arabia", "phone": "0112345678", "is_default": true})),
        ]})));
        let list = c.addresses.as_slice();
        assert_eq!(list[0].phone.as_ref().unwrap().as_str(), "+19203751411");
        assert!(!list[0].is_default);
        // A landline is fine for an address; it is read in the address's country.
        assert_eq!(list[1].phone.as_ref().unwrap().as_str(), "+966112345678");
        assert_eq!(list[1].country.alpha2(), "SA");
        assert!(list[1].is_default);
    }

    #[test]
    fn first_address_becomes_default_with_a_warning() {
        let parsed = parse(with(
            json!({"addresses": [address(json!({})), address(json!({}))]}),
        ))
        .unwrap();
        assert!(parsed.value.details.addresses.as_slice()[0].is_default);
        assert_eq!(parsed.warnings[0].code, "default_address_assigned");
    }

    #[test]
    fn address_rules() {
        assert_eq!(
            errors(with(json!({"addresses": [{"line2": "x"}]}))),
            vec![
                ("/addresses/0/line1".to_owned(), "required"),
                ("/addresses/0/city".to_owned(), "required"),
                ("/addresses/0/country".to_owned(), "required"),
            ]
        );
        assert_eq!(
            errors(with(
                json!({"addresses": [address(json!({"zipcode": "12_34", "line1": "x".repeat(201), "phone": "12"}))]})
            )),
            vec![
                ("/addresses/0/line1".to_owned(), "too_long"),
                ("/addresses/0/zipcode".to_owned(), "invalid_format"),
                ("/addresses/0/phone".to_owned(), "invalid_phone"),
            ]
        );
        assert_eq!(
            errors(with(
                json!({"addresses": [address(json!({"is_default": true})), address(json!({"is_default": true}))]})
            )),
            vec![
                ("/addresses/0/is_default".to_owned(), "multiple_defaults"),
                ("/addresses/1/is_default".to_owned(), "multiple_defaults"),
            ]
        );
        let eleven: Vec<Value> = (0..11).map(|_| address(json!({}))).collect();
        assert_eq!(
            errors(with(json!({"addresses": eleven}))),
            error("/addresses", "too_many_items")
        );
        assert_eq!(
            errors(with(json!({"addresses": [7]}))),
            error("/addresses/0", "invalid_type")
        );
        assert_eq!(
            errors(with(json!({"addresses": {}}))),
            error("/addresses", "invalid_type")
        );
    }

    #[test]
    fn legacy_address_becomes_the_default_address() {
        let c = ok(with(json!({
            "address": {"street": "Av. Providencia", "number": 1234, "city": "Santiago", "state": "RM", "zipcode": "7500000", "country": "Chile"},
            "addresses": [address(json!({}))]
        })));
        let list = c.addresses.as_slice();
        assert_eq!(list[0].line1.as_str(), "Av. Providencia 1234");
        assert!(list[0].is_default);
        assert_eq!(list[0].country.alpha2(), "CL");
        assert!(!list[1].is_default);
        assert_eq!(
            errors(with(json!({
                "address": {"street": "S", "city": "C", "country": "CL"},
                "addresses": [address(json!({"is_default": true}))]
            }))),
            error("/addresses/0/is_default", "multiple_defaults")
        );
        assert_eq!(
            errors(with(
                json!({"address": {"city": "C", "country": "CL", "door": 1}})
            )),
            vec![
                ("/address/door".to_owned(), "unknown_field"),
                ("/address/street".to_owned(), "required")
            ]
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
    fn groups_are_ids_and_duplicates_collapse() {
        let a = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
        let b = "0b2f6b1e-2f7c-4e0e-9a54-5b2b8e4c2a10";
        let parsed = parse(with(json!({"groups": [a, b, a.to_uppercase()]}))).unwrap();
        assert_eq!(parsed.value.details.groups.len(), 2);
        assert_eq!(parsed.value.group_pointers[1].1, "/groups/1");
        assert_eq!(parsed.warnings[0].code, "duplicate_group_collapsed");
        assert_eq!(parsed.warnings[0].field.as_deref(), Some("/groups/2"));
        assert_eq!(
            errors(with(json!({"groups": ["nope", 3]}))),
            vec![
                ("/groups/0".to_owned(), "unknown_group"),
                ("/groups/1".to_owned(), "invalid_type")
            ]
        );
        let many: Vec<String> = (0..21).map(|_| uuid::Uuid::new_v4().to_string()).collect();
        assert_eq!(
            errors(with(json!({"groups": many}))),
            error("/groups", "too_many_items")
        );
    }

    #[test]
    fn loyalty_identifiers() {
        let c = ok(with(json!({"identifiers": {
            "external_id": " crm-42 ", "card_number": "9000 1234-5678", "card_series_id": "GOLD", "card_status": "active"
        }})));
        assert_eq!(c.identifiers.external_id.unwrap().as_str(), "crm-42");
        let card = c.identifiers.card.unwrap();
        assert_eq!(card.card_number.as_str(), "900012345678");
        assert_eq!(card.card_status, Some(CardStatus::Active));
        assert_eq!(
            errors(with(
                json!({"identifiers": {"external_id": "x".repeat(65), "card_number": "12#", "card_status": "LOST", "pin": 1}})
            )),
            vec![
                ("/identifiers/pin".to_owned(), "unknown_field"),
                ("/identifiers/external_id".to_owned(), "too_long"),
                ("/identifiers/card_number".to_owned(), "invalid_format"),
                ("/identifiers/card_status".to_owned(), "invalid_value"),
            ]
        );
        assert_eq!(
            errors(with(json!({"identifiers": {"card_status": "ACTIVE"}}))),
            error("/identifiers/card_number", "required")
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
