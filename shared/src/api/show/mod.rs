//! Domain values as the API's JSON shows them: one view type per representation, borrowed from
//! the value it shows, so that a response is written straight from the domain.

mod customer;

pub use customer::{details_json, CustomerView};

use crate::domain::countries::Country;
use crate::domain::CustomerGroup;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Serialize)]
pub struct GroupView<'a> {
    id: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl<'a> From<&'a CustomerGroup> for GroupView<'a> {
    fn from(group: &'a CustomerGroup) -> Self {
        Self {
            id: group.id.to_string(),
            name: group.name.as_str(),
            description: group.description.as_ref().map(|d| d.as_str()),
            created_at: group.created_at,
        }
    }
}

/// A country of `GET /countries`: `dial_code` and `example_mobile` are `null` when it has none.
#[derive(Serialize)]
pub struct CountryView<'a> {
    code: &'static str,
    alpha3: &'static str,
    name: &'static str,
    dial_code: Option<&'a str>,
    example_mobile: Option<&'a str>,
}

impl<'a> From<&'a Country> for CountryView<'a> {
    fn from(country: &'a Country) -> Self {
        Self {
            code: country.code,
            alpha3: country.alpha3,
            name: country.name,
            dial_code: country.dial_code.as_deref(),
            example_mobile: country.example_mobile.as_deref(),
        }
    }
}
