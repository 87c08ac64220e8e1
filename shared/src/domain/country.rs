use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be an ISO 3166-1 country: alpha-2 (CL), alpha-3 (CHL) or English short name (Chile)")]
pub struct CountryError;

impl super::Violation for CountryError {
    fn code(&self) -> &'static str {
        "invalid_country"
    }
}

/// An ISO 3166-1 country, always written as its alpha-2 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode(isocountry::CountryCode);

impl CountryCode {
    /// Accepts alpha-2, alpha-3 (any case) and the ISO English short name (any case), because
    /// the systems our users migrate from send all three.
    pub fn parse(raw: &str) -> Result<Self, CountryError> {
        let raw = raw.trim();
        let found = match raw.len() {
            2 => by_code(
                raw,
                isocountry::CountryCode::for_alpha2,
                isocountry::CountryCode::for_alpha2_caseless,
            ),
            3 => by_code(
                raw,
                isocountry::CountryCode::for_alpha3,
                isocountry::CountryCode::for_alpha3_caseless,
            ),
            _ => None,
        };
        found
            .or_else(|| {
                isocountry::CountryCode::as_array()
                    .iter()
                    .copied()
                    .find(|c| c.name().eq_ignore_ascii_case(raw))
            })
            .map(Self)
            .ok_or(CountryError)
    }

    /// The country whose alpha-2 code this is, exactly as [`CountryCode::alpha2`] writes it.
    pub fn from_alpha2(code: &str) -> Option<Self> {
        isocountry::CountryCode::for_alpha2(code).ok().map(Self)
    }

    pub fn alpha2(&self) -> &'static str {
        self.0.alpha2()
    }

    pub fn alpha3(&self) -> &'static str {
        self.0.alpha3()
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    pub fn all() -> impl Iterator<Item = CountryCode> {
        isocountry::CountryCode::as_array()
            .iter()
            .copied()
            .map(Self)
    }
}

type Lookup = fn(&str) -> Result<isocountry::CountryCode, isocountry::CountryCodeParseErr>;

/// A code of 2 or 3 bytes looked up in upper case. ASCII, as codes nearly always are, is
/// upper-cased on the stack; anything else (`ß` upper-cases to `SS`) as `caseless` does it.
fn by_code(raw: &str, exact: Lookup, caseless: Lookup) -> Option<isocountry::CountryCode> {
    let mut buffer = [0; 3];
    match buffer.get_mut(..raw.len()) {
        Some(upper) if raw.is_ascii() => {
            upper.copy_from_slice(raw.as_bytes());
            upper.make_ascii_uppercase();
            std::str::from_utf8(upper)
                .ok()
                .and_then(|code| exact(code).ok())
        }
        _ => caseless(raw).ok(),
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.alpha2())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_alpha3_and_names_to_alpha2() {
        for (raw, expected) in [
            ("US", "US"),
            ("us", "US"),
            ("USA", "US"),
            ("chl", "CL"),
            ("Chile", "CL"),
            ("saudi arabia", "SA"),
            (" SA ", "SA"),
        ] {
            assert_eq!(CountryCode::parse(raw).unwrap().alpha2(), expected, "{raw}");
        }
    }

    #[test]
    fn codes_are_read_in_any_case_as_the_crate_reads_them() {
        for country in isocountry::CountryCode::as_array() {
            for code in [country.alpha2(), country.alpha3()] {
                for spelling in [
                    code.to_owned(),
                    code.to_lowercase(),
                    code[..1].to_lowercase() + &code[1..],
                ] {
                    assert_eq!(
                        CountryCode::parse(&spelling).map(|c| c.0),
                        Ok(*country),
                        "{spelling}"
                    );
                }
            }
        }
        // Not ASCII: upper-cased as Unicode says, as before.
        assert_eq!(
            CountryCode::parse("ß").map(|c| c.0),
            isocountry::CountryCode::for_alpha2_caseless("ß").map_err(|_| CountryError)
        );
    }

    #[test]
    fn rejects_unknown_countries() {
        for bad in ["", "XX", "XYZ", "Atlantis", "U"] {
            assert_eq!(CountryCode::parse(bad), Err(CountryError), "{bad}");
        }
    }

    #[test]
    fn covers_every_iso_country() {
        assert_eq!(CountryCode::all().count(), 249);
    }
}
