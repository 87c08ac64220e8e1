use super::CountryCode;
use phonenumber::metadata::DATABASE;
use phonenumber::{country::Id, Mode, PhoneNumber, Type};
use std::fmt;
use std::str::FromStr;
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

/// Longest input worth handing to libphonenumber: E.164 is at most 15 digits, and national
/// formatting adds spaces, dashes and brackets. Longer strings are refused before any regex runs.
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
        DATABASE
            .region(&code)
            .map(|_| Self(code))
            .ok_or(PhoneError::InvalidCallingCode)
    }

    /// The calling code of a country, when it has one (Antarctica, for one, has none).
    pub fn of(country: CountryCode) -> Option<Self> {
        DATABASE
            .by_id(country.alpha2())
            .map(|meta| Self(meta.country_code()))
    }

    pub fn value(&self) -> u16 {
        self.0
    }

    /// The region whose numbering plan national numbers are read in: libphonenumber's main
    /// country for the code (US for +1, RU for +7).
    fn main_region(&self) -> Option<Id> {
        let metas = DATABASE.by_code(&self.0)?;
        let main = metas
            .iter()
            .find(|m| m.is_main_country_for_code())
            .or_else(|| metas.first())?;
        Id::from_str(main.id()).ok()
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

    fn numbering_plan(&self) -> Option<Id> {
        match self {
            PhoneRegion::Country(country) => Id::from_str(country.alpha2()).ok(),
            PhoneRegion::CallingCode(code) => code.main_region(),
        }
    }
}

/// A number libphonenumber calls valid, with its type.
struct Valid {
    number: PhoneNumber,
    kind: Type,
}

fn parse_number(raw: &str, region: Option<PhoneRegion>) -> Result<Valid, PhoneError> {
    let raw = raw.trim();
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    if digits < 3 || raw.chars().count() > MAX_INPUT_CHARS {
        return Err(PhoneError::Invalid);
    }
    let international = raw.starts_with('+');
    let plan = match (international, region) {
        (true, _) => None,
        (false, Some(region)) => Some(region.numbering_plan().ok_or(PhoneError::Invalid)?),
        (false, None) => return Err(PhoneError::CountryRequired),
    };
    let number = phonenumber::parse(plan, raw).map_err(|_| PhoneError::Invalid)?;
    if number.extension().is_some() {
        return Err(PhoneError::Invalid);
    }
    // Validity is "the numbering plan gives it a type": one match of the plan's patterns
    // tells both, where `is_valid` and then `number_type` would match them twice. The type
    // is read without the national number's leading zeros and validity with them, so only
    // numbers with such zeros (Italy's landlines) are matched twice.
    let kind = number.number_type(&DATABASE);
    let valid = match number.national().zeros() {
        0 => kind != Type::Unknown,
        _ => phonenumber::is_valid(&number),
    };
    if !valid {
        return Err(PhoneError::Invalid);
    }
    if international {
        if let Some(expected) = region.and_then(|r| r.calling_code()) {
            if expected.value() != number.code().value() {
                return Err(PhoneError::ConflictingCountry);
            }
        }
    }
    Ok(Valid { number, kind })
}

fn e164(number: &PhoneNumber) -> String {
    number.format().mode(Mode::E164).to_string()
}

/// Any valid phone number (addresses' contact phones), normalised to E.164.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str, region: Option<PhoneRegion>) -> Result<Self, PhoneError> {
        parse_number(raw, region).map(|valid| Self(e164(&valid.number)))
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
        let valid = parse_number(raw, region)?;
        match valid.kind {
            Type::Mobile | Type::FixedLineOrMobile => Ok(Self(e164(&valid.number))),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa() -> Option<PhoneRegion> {
        Some(PhoneRegion::Country(CountryCode::parse("SA").unwrap()))
    }

    #[test]
    fn spellings_of_one_mobile_are_one_claim() {
        use crate::domain::{Claim, SourceIdentifiers, UniqueField};
        let claims = |raw: &str, region: Option<PhoneRegion>| {
            SourceIdentifiers {
                mobile: Some(
                    Mobile::parse(raw, region).unwrap_or_else(|e| panic!("{raw:?}: {e:?}")),
                ),
                ..SourceIdentifiers::default()
            }
            .claims()
        };
        let gb = Some(PhoneRegion::Country(CountryCode::parse("GB").unwrap()));
        let plus44 = Some(PhoneRegion::CallingCode(CallingCode::parse("+44").unwrap()));
        let one = claims("+44 7400 123456", None);
        assert_eq!(one, [Claim::new(UniqueField::Mobile, "+447400123456")]);
        for (raw, region) in [
            ("07400123456", gb),
            ("07400 123 456", gb),
            ("(07400) 123-456", plus44),
            ("7400123456", gb),
            ("+447400123456", gb),
            (" +44 (0) 7400 123456 ", None),
        ] {
            assert_eq!(claims(raw, region), one, "{raw:?}");
        }
    }

    #[test]
    fn numbers_whose_national_part_starts_with_zero_are_checked_with_it() {
        // Rome: a landline whose national number keeps its leading zero in E.164.
        assert_eq!(
            Phone::parse("+39 06 6988 0000", None).unwrap().as_str(),
            "+390669880000"
        );
        assert_eq!(
            Mobile::parse("+39 06 6988 0000", None),
            Err(PhoneError::NotAMobile)
        );
        assert_eq!(
            Mobile::parse("+39 312 345 6789", None).unwrap().as_str(),
            "+393123456789"
        );
    }

    #[test]
    fn e164_input_is_kept() {
        assert_eq!(
            Mobile::parse("+19203751411", None).unwrap().as_str(),
            "+19203751411"
        );
    }

    #[test]
    fn national_number_with_trunk_zero_and_country() {
        assert_eq!(
            Mobile::parse("0512345678", sa()).unwrap().as_str(),
            "+966512345678"
        );
        assert_eq!(
            Mobile::parse("512345678", sa()).unwrap().as_str(),
            "+966512345678"
        );
    }

    #[test]
    fn national_number_with_calling_code() {
        let code = Some(PhoneRegion::CallingCode(
            CallingCode::parse("+966").unwrap(),
        ));
        assert_eq!(
            Mobile::parse("0512345678", code).unwrap().as_str(),
            "+966512345678"
        );
        let us = Some(PhoneRegion::CallingCode(CallingCode::parse("+1").unwrap()));
        assert_eq!(
            Mobile::parse("(920) 375-1411", us).unwrap().as_str(),
            "+19203751411"
        );
    }

    #[test]
    fn formatting_characters_are_ignored() {
        assert_eq!(
            Mobile::parse("+966 51 234 5678", None).unwrap().as_str(),
            "+966512345678"
        );
    }

    #[test]
    fn national_number_without_region_needs_a_country() {
        assert_eq!(
            Mobile::parse("0512345678", None),
            Err(PhoneError::CountryRequired)
        );
    }

    #[test]
    fn landline_is_not_a_mobile() {
        // Riyadh landline.
        assert_eq!(
            Mobile::parse("+966112345678", None),
            Err(PhoneError::NotAMobile)
        );
        assert!(Phone::parse("+966112345678", None).is_ok());
    }

    #[test]
    fn invalid_numbers() {
        for bad in [
            "+1",
            "+999123456",
            "hello",
            "+9661234",
            "+19203751411 ext. 12",
        ] {
            assert_eq!(Mobile::parse(bad, None), Err(PhoneError::Invalid), "{bad}");
        }
        assert_eq!(
            Mobile::parse(&"1".repeat(40), sa()),
            Err(PhoneError::Invalid)
        );
    }

    #[test]
    fn e164_number_contradicting_its_country_is_refused() {
        assert_eq!(
            Mobile::parse("+19203751411", sa()),
            Err(PhoneError::ConflictingCountry)
        );
    }

    #[test]
    fn calling_codes() {
        assert_eq!(CallingCode::parse("+966").unwrap().value(), 966);
        assert_eq!(CallingCode::parse("44").unwrap().value(), 44);
        for bad in ["", "+", "+0", "+999", "+1234", "abc"] {
            assert_eq!(
                CallingCode::parse(bad),
                Err(PhoneError::InvalidCallingCode),
                "{bad}"
            );
        }
        assert_eq!(
            CallingCode::of(CountryCode::parse("SA").unwrap())
                .unwrap()
                .to_string(),
            "+966"
        );
    }
}
