use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be one of: {allowed}")]
pub struct EnumError {
    pub allowed: &'static str,
}

impl super::Violation for EnumError {
    fn code(&self) -> &'static str {
        "invalid_value"
    }
}

/// Closed vocabularies. Parsing is case-insensitive (clients send `Male`, `instore`), the stored
/// and returned spelling is the canonical one.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALLOWED: &'static str = concat!($($text, " "),+);

            pub fn parse(raw: &str) -> Result<Self, $crate::domain::EnumError> {
                let raw = raw.trim();
                $(if raw.eq_ignore_ascii_case($text) { return Ok(Self::$variant); })+
                Err($crate::domain::EnumError { allowed: Self::ALLOWED.trim_end() })
            }

            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }
    };
}

pub(crate) use vocabulary;

vocabulary!(Gender {
    Male = "male",
    Female = "female",
    Other = "other",
    Unspecified = "unspecified",
});

vocabulary!(
    #[derive(Default)]
    Status {
        #[default]
        Active = "active",
        Inactive = "inactive",
        Pending = "pending",
        Blocked = "blocked",
    }
);

vocabulary!(
    /// The channel a customer registered through.
    #[derive(Default)]
    Source {
        #[default]
        Api = "API",
        Instore = "INSTORE",
        Website = "WEBSITE",
        MobileApp = "MOBILE_APP",
        Ecommerce = "ECOMMERCE",
        Facebook = "FACEBOOK",
        Wechat = "WECHAT",
        Line = "LINE",
        Other = "OTHER",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_case_insensitive_and_canonicalises() {
        assert_eq!(Gender::parse("Female").unwrap().as_str(), "female");
        assert_eq!(Source::parse("mobile_app").unwrap().as_str(), "MOBILE_APP");
        assert_eq!(Status::parse(" BLOCKED ").unwrap(), Status::Blocked);
    }

    #[test]
    fn unknown_values_list_the_allowed_ones() {
        let err = Gender::parse("robot").unwrap_err();
        assert_eq!(err.allowed, "male female other unspecified");
        assert!(Source::parse("TIKTOK").is_err());
    }

    #[test]
    fn defaults() {
        assert_eq!(Status::default(), Status::Active);
        assert_eq!(Source::default(), Source::Api);
    }
}
