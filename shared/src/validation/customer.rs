use super::object::Object;
use super::{Parsed, Pointer, Report, ValidationErrors};
use crate::domain::{
    Address, AddressLine, Addresses, AddressesError, Birthday, CallingCode, Company, CountryCode,
    Email, Gender, Metadata, MetadataError, MetadataKey, MetadataValue, MAX_ADDRESSES, MAX_METADATA_KEYS, Mobile, NewCustomer, Notes, PersonName,
    Phone, PhoneError, PhoneRegion, PlaceName, Source, Status, TextError, Zipcode,
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

/// Parses a `POST /customers` body. `today` (UTC) bounds the birthday.
pub fn parse_new_customer(
    body: &Map<String, Value>,
    today: Date,
) -> Result<Parsed<NewCustomer>, ValidationErrors> {
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
    if !obj.present("email") && !obj.present("mobile") {
        r.error(
            &Pointer::root(),
            "contact_required",
            "at least one of email or mobile is required",
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

    let value = if r.has_errors() {
        None
    } else {
        first_name.map(|first_name| NewCustomer {
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
        })
    };
    report.finish(value)
}

/// Optional free text: blank counts as absent, since forms submit empty inputs as `""`.
fn optional_text<T: TextParse>(obj: &Object, key: &str, r: &mut Report) -> Option<T> {
    match T::parse_text(obj.str(key, r)?) {
        Ok(text) => Some(text),
        Err(TextError::Empty) => None,
        Err(e) => {
            r.violation(&obj.at(key), &e);
            None
        }
    }
}

trait TextParse: Sized {
    fn parse_text(raw: &str) -> Result<Self, TextError>;
}

impl<const MAX: usize, const MULTILINE: bool> TextParse for crate::domain::Text<MAX, MULTILINE> {
    fn parse_text(raw: &str) -> Result<Self, TextError> {
        Self::parse(raw)
    }
}

fn parse_mobile(obj: &Object, r: &mut Report) -> Option<Mobile> {
    let country = obj
        .str("mobile_country", r)
        .map(|s| CountryCode::parse(s).map_err(|e| r.violation(&obj.at("mobile_country"), &e)));
    let code = obj
        .str("mobile_code_country", r)
        .map(|s| CallingCode::parse(s).map_err(|e| r.violation(&obj.at("mobile_code_country"), &e)));
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
    let items = obj.array("addresses", r).map(Vec::as_slice).unwrap_or_default();
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
                    &obj.at("addresses").index(index - legacy_count).key("is_default"),
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
    let obj = Object::expect(value, at, ADDRESS_FIELDS, r)?;
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
    let obj = Object::expect(value, at, LEGACY_ADDRESS_FIELDS, r)?;
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
