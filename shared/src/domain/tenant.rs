use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the tenant claim must be 1-{MAX_CHARS} characters of A-Z, a-z, 0-9, '_', '.', ':', '-'")]
pub struct TenantError;

const MAX_CHARS: usize = 64;

/// The tenant every key is prefixed with. Its alphabet excludes `#`, the key separator, so one
/// tenant can never address another tenant's keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(raw: &str) -> Result<Self, TenantError> {
        let ok = !raw.is_empty()
            && raw.len() <= MAX_CHARS
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
        ok.then(|| Self(raw.to_owned())).ok_or(TenantError)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_alphabet_excludes_the_key_separator() {
        assert!(TenantId::parse("acme-shop_01").is_ok());
        assert!(TenantId::parse("org:42").is_ok());
        for bad in ["", "a#b", "with space", &"t".repeat(65)] {
            assert_eq!(TenantId::parse(bad), Err(TenantError), "{bad}");
        }
    }
}
