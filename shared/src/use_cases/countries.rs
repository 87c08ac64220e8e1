//! `GET /countries`: the ISO 3166-1 countries with their calling codes, for pickers.

pub use crate::domain::countries::Country;

use crate::api::{parse_country_search, ValidationErrors};
use std::collections::BTreeMap;

/// Countries whose name, alpha-2 or alpha-3 code starts with the query's `search`,
/// case-insensitively; every country without one. Sorted by name.
pub fn search(
    params: &BTreeMap<String, String>,
) -> Result<Vec<&'static Country>, ValidationErrors> {
    Ok(crate::domain::countries::search(parse_country_search(
        params,
    )?))
}
