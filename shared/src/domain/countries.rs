//! The countries clients choose from (ISO 3166-1 with calling codes): the very data that
//! `country` and `mobile_code_country` are checked against on create.

use super::{CallingCode, CountryCode, Mobile};
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub code: &'static str,
    pub alpha3: &'static str,
    pub name: &'static str,
    /// `None` for the few territories without a calling code (Antarctica, Bouvet Island, ...).
    pub dial_code: Option<String>,
    /// libphonenumber's example mobile for the country, in E.164.
    pub example_mobile: Option<String>,
}

fn build(country: CountryCode) -> Country {
    let dial_code = CallingCode::of(country).map(|c| c.to_string());
    // Made at build time from libphonenumber's metadata, not parsed here: a client may copy it
    // into a create, which `every_example_mobile_is_a_valid_mobile_of_its_country` proves.
    let example_mobile = Mobile::example(country).map(str::to_string);
    Country {
        code: country.alpha2(),
        alpha3: country.alpha3(),
        name: country.name(),
        dial_code,
        example_mobile,
    }
}

/// Every ISO 3166-1 country, sorted by name; computed once per process.
pub fn all() -> &'static [Country] {
    static ALL: OnceLock<Vec<Country>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut list: Vec<Country> = CountryCode::all().map(build).collect();
        list.sort_by(|a, b| a.name.cmp(b.name));
        list
    })
}

/// Countries whose name, alpha-2 or alpha-3 code starts with `prefix`, case-insensitively.
pub fn search(prefix: Option<&str>) -> Vec<&'static Country> {
    let prefix = prefix.map(|p| p.trim().to_lowercase()).unwrap_or_default();
    all()
        .iter()
        .filter(|c| {
            prefix.is_empty()
                || [c.name, c.code, c.alpha3]
                    .iter()
                    .any(|field| field.to_lowercase().starts_with(&prefix))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PhoneRegion;

    #[test]
    fn every_iso_country_with_dial_codes() {
        assert_eq!(all().len(), 249);
        let sa = all().iter().find(|c| c.code == "SA").unwrap();
        assert_eq!(sa.alpha3, "SAU");
        assert_eq!(sa.dial_code.as_deref(), Some("+966"));
        assert!(sa.example_mobile.as_deref().unwrap().starts_with("+9665"));
        let us = all().iter().find(|c| c.code == "US").unwrap();
        assert_eq!(us.dial_code.as_deref(), Some("+1"));
        let aq = all().iter().find(|c| c.code == "AQ").unwrap();
        assert_eq!(aq.dial_code, None);
    }

    #[test]
    fn almost_every_country_with_a_dial_code_has_an_example_mobile() {
        let with_dial = all().iter().filter(|c| c.dial_code.is_some()).count();
        let with_example = all().iter().filter(|c| c.example_mobile.is_some()).count();
        assert!(
            with_example * 100 >= with_dial * 95,
            "{with_example}/{with_dial}"
        );
    }

    #[test]
    fn every_example_mobile_is_a_valid_mobile_of_its_country() {
        for country in all() {
            if let Some(example) = &country.example_mobile {
                let region = Some(PhoneRegion::Country(
                    CountryCode::parse(country.code).unwrap(),
                ));
                assert!(
                    Mobile::parse(example, region).is_ok(),
                    "{} {example}",
                    country.code
                );
            }
        }
    }

    #[test]
    fn search_by_name_or_code_prefix() {
        let names: Vec<&str> = search(Some("sau")).iter().map(|c| c.code).collect();
        assert_eq!(names, ["SA"]);
        assert!(search(Some("united")).iter().any(|c| c.code == "GB"));
        assert!(search(Some("cl")).iter().any(|c| c.code == "CL"));
        assert_eq!(search(None).len(), 249);
        assert!(search(Some("zzzz")).is_empty());
    }
}
