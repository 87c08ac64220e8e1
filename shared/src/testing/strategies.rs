//! Generators for the property tests: bodies a careless or hostile client could send, mostly
//! near the valid ones (so that many are accepted and their round trip is checked), with any
//! text, any number, combining marks, joiners, bidi controls and unknown members mixed in.

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Text of every kind: plain, any printable Unicode, anything at all, and the spellings that
/// matter here (decomposed, joined, reversed, padded).
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => "[A-Za-z][A-Za-z .'-]{0,15}",
        2 => "\\PC{1,20}",
        1 => any::<String>(),
        1 => prop::sample::select(vec![
            "Cafe\u{301}", "Caf\u{E9}", "\u{915}\u{94D}\u{200D}\u{937}", "  Ann  ", "\u{202E}\u{200B}Zero",
            "line\nbreak", "tab\tbed", "\u{FEFF}bom", "e\u{301}\u{301}\u{301}", "\u{958}\u{959}",
        ])
        .prop_map(str::to_owned),
    ]
}

/// Any JSON number: 64-bit integers of both signs, and finite floats.
pub fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        (-1000i64..1000).prop_map(Value::from),
        // Whole floats: written as 100.0, kept as 100.
        (-1000i64..1000).prop_map(|i| Value::from(i as f64)),
        (-1.0e6f64..1.0e6).prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
}

pub fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => text().prop_map(Value::String),
        2 => number(),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
    ]
}

fn email() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => "[a-z][a-z0-9]{0,10}@[a-z]{1,10}\\.(com|org|sa|cl)".prop_map(Value::String),
        1 => scalar(),
    ]
}

/// Numbers: mostly valid ones in E.164 and national forms, now and then anything.
pub fn phone_number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "\\+9665[0-9]{8}",
        1 => "05[0-9] ?[0-9]{3} ?[0-9]{4}",
        2 => "\\+1 ?920 ?[2-9][0-9]{2} ?[0-9]{4}",
        1 => "\\+56 ?9 ?[0-9]{4} ?[0-9]{4}",
        1 => "[0-9+ ()./-]{0,18}",
    ]
}

fn phone() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => phone_number().prop_map(Value::String),
        1 => scalar(),
    ]
}

fn country() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => prop::sample::select(vec!["SA", "US", "CL", "Chile", "CHL", "saudi arabia", "XX"])
            .prop_map(|c| Value::String(c.to_owned())),
        1 => scalar(),
    ]
}

fn metadata() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => btree_map("[a-z][a-z0-9_.-]{0,8}", scalar(), 0..5)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        1 => scalar(),
    ]
}

fn address() -> impl Strategy<Value = Value> {
    (
        option::weighted(0.95, text()),
        option::of(text()),
        option::weighted(0.95, text()),
        option::weighted(0.95, country()),
        option::of("[0-9]{5}|[A-Z0-9 -]{1,12}"),
        option::of(phone()),
        option::of(any::<bool>()),
    )
        .prop_map(
            |(line1, line2, city, country, zipcode, phone, is_default)| {
                let mut address = Map::new();
                put(&mut address, "line1", line1.map(Value::String));
                put(&mut address, "line2", line2.map(Value::String));
                put(&mut address, "city", city.map(Value::String));
                put(&mut address, "country", country);
                put(&mut address, "zipcode", zipcode.map(Value::String));
                put(&mut address, "phone", phone);
                put(&mut address, "is_default", is_default.map(Value::Bool));
                Value::Object(address)
            },
        )
}

fn put(object: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(name.to_owned(), value);
    }
}

/// A `POST /customers` body: some of the known members, now and then an unknown one.
pub fn customer_body() -> impl Strategy<Value = Map<String, Value>> {
    let contact = (
        option::of(text()),
        option::of(text()),
        option::weighted(0.8, email()),
        option::of(phone()),
        option::of(country()),
        option::of(country()),
    );
    let rest = (
        option::of(text()),
        option::of(text()),
        option::of("(19[5-9][0-9]|20[01][0-9])-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"),
        option::weighted(0.3, vec(address(), 0..3)),
        option::of(("[a-z0-9-]{1,12}", "[0-9 -]{4,14}")),
        option::of(metadata()),
        option::weighted(0.1, ("[a-z_]{1,10}", scalar())),
    );
    (contact, rest).prop_map(
        |(
            (first_name, last_name, email, mobile, mobile_country, country),
            (company, notes, birthday, addresses, identifiers, metadata, unknown),
        )| {
            let mut body = Map::new();
            put(&mut body, "first_name", first_name.map(Value::String));
            put(&mut body, "last_name", last_name.map(Value::String));
            put(&mut body, "email", email);
            put(&mut body, "mobile", mobile);
            put(&mut body, "mobile_country", mobile_country);
            put(&mut body, "country", country);
            put(&mut body, "company", company.map(Value::String));
            put(&mut body, "notes", notes.map(Value::String));
            put(&mut body, "birthday", birthday.map(Value::String));
            put(&mut body, "addresses", addresses.map(Value::Array));
            put(
                &mut body,
                "identifiers",
                identifiers.map(|(external_id, card_number)| {
                    serde_json::json!({"external_id": external_id, "card_number": card_number})
                }),
            );
            put(&mut body, "metadata", metadata);
            if let Some((name, value)) = unknown {
                body.entry(name).or_insert(value);
            }
            body
        },
    )
}

/// A `POST /customer-groups` body.
pub fn group_body() -> impl Strategy<Value = Map<String, Value>> {
    (option::weighted(0.9, text()), option::of(text())).prop_map(|(name, description)| {
        let mut body = Map::new();
        put(&mut body, "name", name.map(Value::String));
        put(&mut body, "description", description.map(Value::String));
        body
    })
}

/// Any JSON document, nested a few levels.
pub fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(".{0,6}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
