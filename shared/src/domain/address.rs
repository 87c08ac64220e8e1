use super::{AddressLine, CountryCode, PersonName, Phone, PlaceName};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be 1-20 letters, digits, spaces or dashes")]
pub struct ZipcodeError;

impl super::Violation for ZipcodeError {
    fn code(&self) -> &'static str {
        "invalid_format"
    }
}

/// A postal code, upper-cased (postal codes are case-insensitive wherever they have letters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zipcode(String);

impl Zipcode {
    pub fn parse(raw: &str) -> Result<Self, ZipcodeError> {
        let raw = raw.trim();
        let ok = (1..=20).contains(&raw.chars().count())
            && raw
                .chars()
                .all(|c| c.is_alphanumeric() || c == ' ' || c == '-');
        ok.then(|| Self(raw.to_uppercase())).ok_or(ZipcodeError)
    }

    /// See [`super::Text::restore`].
    pub(crate) fn restore(canonical: String) -> Self {
        Self(canonical)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub phone: Option<Phone>,
    pub line1: AddressLine,
    pub line2: Option<AddressLine>,
    pub city: PlaceName,
    pub state: Option<PlaceName>,
    pub zipcode: Option<Zipcode>,
    pub country: CountryCode,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AddressesError {
    #[error("at most {MAX_ADDRESSES} addresses")]
    TooMany,
    #[error("only one address can be the default")]
    MultipleDefaults { indexes: Vec<usize> },
}

impl super::Violation for AddressesError {
    fn code(&self) -> &'static str {
        match self {
            AddressesError::TooMany => "too_many_items",
            AddressesError::MultipleDefaults { .. } => "multiple_defaults",
        }
    }
}

pub const MAX_ADDRESSES: usize = 10;

/// Up to ten addresses, exactly one of them the default whenever there is any.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Addresses(Vec<Address>);

impl Addresses {
    /// Returns the addresses and whether the first one was made the default because none was.
    pub fn new(mut list: Vec<Address>) -> Result<(Self, bool), AddressesError> {
        if list.len() > MAX_ADDRESSES {
            return Err(AddressesError::TooMany);
        }
        let defaults: Vec<usize> = list
            .iter()
            .enumerate()
            .filter(|(_, a)| a.is_default)
            .map(|(i, _)| i)
            .collect();
        if defaults.len() > 1 {
            return Err(AddressesError::MultipleDefaults { indexes: defaults });
        }
        let promote_first = defaults.is_empty() && !list.is_empty();
        if let (true, Some(first)) = (promote_first, list.first_mut()) {
            first.is_default = true;
        }
        Ok((Self(list), promote_first))
    }

    /// Addresses as they were kept: see [`super::Text::restore`].
    pub(crate) fn restore(list: Vec<Address>) -> Self {
        Self(list)
    }

    pub fn as_slice(&self) -> &[Address] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(is_default: bool) -> Address {
        Address {
            first_name: None,
            last_name: None,
            phone: None,
            line1: AddressLine::parse("1 Main St").unwrap(),
            line2: None,
            city: PlaceName::parse("Springfield").unwrap(),
            state: None,
            zipcode: None,
            country: CountryCode::parse("US").unwrap(),
            is_default,
        }
    }

    #[test]
    fn first_becomes_default_when_none_is_flagged() {
        let (addresses, promoted) = Addresses::new(vec![address(false), address(false)]).unwrap();
        assert!(promoted);
        assert!(addresses.as_slice()[0].is_default);
        assert!(!addresses.as_slice()[1].is_default);
    }

    #[test]
    fn flagged_default_is_kept() {
        let (addresses, promoted) = Addresses::new(vec![address(false), address(true)]).unwrap();
        assert!(!promoted);
        assert!(addresses.as_slice()[1].is_default);
    }

    #[test]
    fn at_most_one_default_and_ten_addresses() {
        assert_eq!(
            Addresses::new(vec![address(true), address(false), address(true)]),
            Err(AddressesError::MultipleDefaults {
                indexes: vec![0, 2]
            })
        );
        assert_eq!(
            Addresses::new(vec![address(false); 11]),
            Err(AddressesError::TooMany)
        );
    }

    #[test]
    fn zipcodes() {
        assert_eq!(Zipcode::parse(" sw1a 1aa ").unwrap().as_str(), "SW1A 1AA");
        assert!(Zipcode::parse("12345-6789").is_ok());
        for bad in ["", "123_45", "1".repeat(21).as_str(), "12#4"] {
            assert_eq!(Zipcode::parse(bad), Err(ZipcodeError), "{bad}");
        }
    }
}
