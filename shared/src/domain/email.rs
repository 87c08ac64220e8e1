use email_address::{EmailAddress, Options};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("must be a valid email address such as name@example.com")]
    Invalid,
    #[error("must be at most 254 characters")]
    TooLong,
}

impl super::Violation for EmailError {
    fn code(&self) -> &'static str {
        match self {
            EmailError::Invalid => "invalid_email",
            EmailError::TooLong => "too_long",
        }
    }
}

/// An email address, lower-cased. Uniqueness per tenant is case-insensitive, and the stored form
/// is that same canonical form so that what a client reads back is what was compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// RFC 5321's limit on a forward path.
const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        // A registration address must be deliverable on the internet: require a dotted domain,
        // and refuse display names ("Ann <ann@x.io>") and IP literals.
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            ..Options::default()
        };
        let parsed =
            EmailAddress::parse_with_options(trimmed, options).map_err(|_| EmailError::Invalid)?;
        Ok(Self(parsed.as_str().to_lowercase()))
    }

    /// See [`super::Text::restore`].
    pub(crate) fn restore(canonical: String) -> Self {
        Self(canonical)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_cases_and_trims() {
        assert_eq!(
            Email::parse("  Ann.Lee@Example.COM ").unwrap().as_str(),
            "ann.lee@example.com"
        );
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "plainaddress",
            "@no-local.com",
            "two@@example.com",
            "ann@localhost",
            "Ann <ann@example.com>",
            "ann@[127.0.0.1]",
            "ann@exa mple.com",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
    }

    #[test]
    fn rejects_overlong_addresses() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }
}
