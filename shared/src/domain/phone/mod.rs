//! Phone numbers, read as Google's libphonenumber reads them (`parse`, `isValidNumber`,
//! `getNumberType`, E.164), on its metadata compiled at build time: the first number a new
//! Lambda environment reads costs what every later one does. See docs/performance.md.

mod metadata;
mod number;
#[cfg(test)]
mod tests;

use super::CountryCode;
use metadata::{by_code, by_id, Entity, Kind};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhoneError {
    #[error(
        "must be a valid phone number, in E.164 (+19203751411) or national form with its country"
    )]
    Invalid,
    #[error("a national number needs its country: send it in E.164 (+...) or give the country")]
    CountryRequired,
    #[error("must be a mobile number; this is a landline or a service number")]
    NotAMobile,
    #[error("must be an international calling code such as +966")]
    InvalidCallingCode,
    #[error("the number's country calling code does not match the country given with it")]
    ConflictingCountry,
}

impl super::Violation for PhoneError {
    fn code(&self) -> &'static str {
        match self {
            PhoneError::Invalid => "invalid_phone",
            PhoneError::CountryRequired => "country_required",
            PhoneError::NotAMobile => "not_a_mobile",
            PhoneError::InvalidCallingCode => "invalid_calling_code",
            PhoneError::ConflictingCountry => "conflicting_country",
        }
    }
}

/// Longest input worth reading: E.164 is at most 15 digits, and national formatting adds
/// spaces, dashes and brackets.
const MAX_INPUT_CHARS: usize = 32;

/// An international calling code known to libphonenumber (`+966`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallingCode(u16);

impl CallingCode {
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let digits = raw.trim();
        let digits = digits.strip_prefix('+').unwrap_or(digits);
        if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneError::InvalidCallingCode);
        }
        let code: u16 = digits.parse().map_err(|_| PhoneError::InvalidCallingCode)?;
        match by_code(code) {
            [] => Err(PhoneError::InvalidCallingCode),
            _ => Ok(Self(code)),
        }
    }

    /// The calling code of a country, when it has one (Antarctica, for one, has none).
    pub fn of(country: CountryCode) -> Option<Self> {
        by_id(country.alpha2()).map(|plan| Self(plan.code))
    }

    pub fn value(&self) -> u16 {
        self.0
    }

    /// The plan national numbers are read in: libphonenumber's main country for the code (US
    /// for +1, RU for +7); none for a non-geographic code (+800).
    fn main_region(&self) -> Option<&'static Entity> {
        by_code(self.0).first().filter(|plan| plan.id != "001")
    }
}

impl fmt::Display for CallingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

/// How to read a number written without its `+` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneRegion {
    Country(CountryCode),
    CallingCode(CallingCode),
}

impl PhoneRegion {
    fn calling_code(&self) -> Option<CallingCode> {
        match self {
            PhoneRegion::Country(country) => CallingCode::of(*country),
            PhoneRegion::CallingCode(code) => Some(*code),
        }
    }

    fn numbering_plan(&self) -> Option<&'static Entity> {
        match self {
            PhoneRegion::Country(country) => by_id(country.alpha2()),
            PhoneRegion::CallingCode(code) => code.main_region(),
        }
    }
}

fn parse_number(raw: &str, region: Option<PhoneRegion>) -> Result<number::Parsed, PhoneError> {
    let raw = raw.trim();
    // The length first, and in bytes before characters: counting the digits of other scripts
    // costs a table search each, which a few megabytes of them would turn into seconds.
    if raw.len() > MAX_INPUT_CHARS * 4 || raw.chars().count() > MAX_INPUT_CHARS {
        return Err(PhoneError::Invalid);
    }
    // Digits of any script, as the parser reads them (`٠٥١٢٣٤٥٦٧٨` has ten).
    if raw.chars().filter(|&c| number::digit(c).is_some()).count() < 3 {
        return Err(PhoneError::Invalid);
    }
    // Written with its own calling code after a plus sign: `+44 ...`, `(+44) ...`, `＋44 ...`.
    let international = number::has_plus(raw);
    // Read in even for a `+` number: libphonenumber then reads `+00 44 ...` with the region's
    // international prefix.
    let plan = region.and_then(|r| r.numbering_plan());
    match (international, region, plan) {
        (false, None, _) => return Err(PhoneError::CountryRequired),
        (false, Some(_), None) => return Err(PhoneError::Invalid),
        _ => {}
    }
    let number = number::parse(raw, plan).ok_or(PhoneError::Invalid)?;
    if international {
        if let Some(expected) = region.and_then(|r| r.calling_code()) {
            if expected.value() != number.code {
                return Err(PhoneError::ConflictingCountry);
            }
        }
    }
    Ok(number)
}

/// Any valid phone number (addresses' contact phones), normalised to E.164.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str, region: Option<PhoneRegion>) -> Result<Self, PhoneError> {
        parse_number(raw, region).map(|number| Self(number.e164()))
    }

    /// See [`super::Text::restore`].
    pub(crate) fn restore(e164: String) -> Self {
        Self(e164)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A valid mobile number in E.164. Numbering plans that cannot tell mobiles from landlines
/// (the US and Canada) are accepted, as libphonenumber's "fixed line or mobile".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mobile(String);

impl Mobile {
    pub fn parse(raw: &str, region: Option<PhoneRegion>) -> Result<Self, PhoneError> {
        let number = parse_number(raw, region)?;
        match number.kind {
            Kind::Mobile | Kind::FixedLineOrMobile => Ok(Self(number.e164())),
            _ => Err(PhoneError::NotAMobile),
        }
    }

    /// See [`super::Text::restore`]: a number libphonenumber's metadata of the day called a
    /// mobile stays one.
    pub(crate) fn restore(e164: String) -> Self {
        Self(e164)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// libphonenumber's example mobile of a country, in E.164 (made at build time).
    pub(crate) fn example(country: CountryCode) -> Option<&'static str> {
        by_id(country.alpha2())?.example_mobile
    }
}
