//! Addresses: the `addresses` list and the single legacy `address` object of Yativo's form.

use crate::api::object::{optional_text, Object};
use crate::api::{Pointer, Report};
use crate::domain::{
    Address, AddressLine, Addresses, AddressesError, CountryCode, PersonName, Phone, PhoneError,
    PhoneRegion, PlaceName, Warning, Zipcode, MAX_ADDRESSES,
};
use serde_json::Value;

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

pub(super) fn parse_addresses(obj: &Object, r: &mut Report) -> Option<Addresses> {
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
                r.warn(Warning::DefaultAddressAssigned {
                    at: obj.at("addresses").index(0).key("is_default").to_string(),
                });
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
    let line1 = obj.parse_required("line1", r, AddressLine::parse);
    let line2 = optional_text::<AddressLine>(&obj, "line2", r);
    let city = obj.parse_required("city", r, PlaceName::parse);
    let state = optional_text::<PlaceName>(&obj, "state", r);
    let zipcode = parse_zipcode(&obj, r);
    let country = obj.parse_required("country", r, CountryCode::parse);
    let phone = obj.str("phone", r).and_then(|raw| {
        // The address's country reads national digits only: an E.164 number stands on its own
        // (an address abroad may well have a home-country contact number). Without a valid
        // country a national number cannot be read; the country's own error says why.
        let international = raw.trim_start().starts_with('+');
        let region = country.filter(|_| !international).map(PhoneRegion::Country);
        match Phone::parse(raw, region) {
            Err(PhoneError::CountryRequired) if obj.present("country") => None,
            result => obj.check("phone", result, r),
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
        obj.check("street", AddressLine::parse(&joined), r)
    });
    let city = obj.parse_required("city", r, PlaceName::parse);
    let state = optional_text::<PlaceName>(&obj, "state", r);
    let zipcode = parse_zipcode(&obj, r);
    let country = obj.parse_required("country", r, CountryCode::parse);
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

fn parse_zipcode(obj: &Object, r: &mut Report) -> Option<Zipcode> {
    obj.str_or_number("zipcode", r)
        .and_then(|s| obj.check("zipcode", Zipcode::parse(&s), r))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

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
        let abroad = ok(with(json!({"addresses": [
            address(json!({"country": "GB", "phone": "+966 11 234 5678"})),
        ]})));
        assert_eq!(
            abroad.addresses.as_slice()[0]
                .phone
                .as_ref()
                .unwrap()
                .as_str(),
            "+966112345678",
            "an E.164 contact number of another country"
        );
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
        assert_eq!(
            parsed.warnings,
            vec![Warning::DefaultAddressAssigned {
                at: "/addresses/0/is_default".into()
            }]
        );
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
}
