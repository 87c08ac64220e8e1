use super::text::{fold_case, invisible, nfc};
use email_address::{EmailAddress, Options};
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("must be a valid email address such as name@example.com")]
    Invalid,
    #[error("must be at most 254 characters")]
    TooLong,
    /// A control, invisible or direction-changing character (named by its code point only).
    #[error("must not contain U+{:04X}: control, invisible and direction-changing characters are refused", u32::from(*.0))]
    InvalidCharacter(char),
}

impl super::Violation for EmailError {
    fn code(&self) -> &'static str {
        match self {
            EmailError::Invalid => "invalid_email",
            EmailError::TooLong => "too_long",
            EmailError::InvalidCharacter(_) => "invalid_character",
        }
    }
}

/// An email address in its canonical form: the local part in Unicode NFC and lower case, the
/// domain as UTS-46 makes it for DNS (A-labels, `xn--`). Uniqueness per tenant compares this
/// form, and it is the form stored and shown, so that what a client reads back is what was
/// compared; a client that wants the Unicode domain converts the A-label itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// RFC 5321's limit on a forward path.
const MAX_LEN: usize = 254;

/// A registration address must be deliverable on the internet: a dotted domain, and no
/// display name ("Ann <ann@x.io>") or IP literal.
fn options() -> Options {
    Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        ..Options::default()
    }
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        // Checked as typed, before trimming or any mapping: NFC and UTS-46 would silently drop
        // or rewrite some of these (UTS-46 maps U+00AD and U+200B to nothing), and an address
        // that hides a character is refused, not guessed at.
        if let Some(c) = raw.chars().find(|&c| refused(c)) {
            return Err(EmailError::InvalidCharacter(c));
        }
        let trimmed = raw.trim();
        if trimmed.chars().count() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        // The domain never holds an '@' (STD3 refuses it); a quoted local part may.
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Invalid)?;
        let canonical = format!("{}@{}", local_part(local), domain_part(domain)?);
        // Composition, case mapping and A-labels change the length: the limit holds for what
        // is stored, so that a stored address always parses again as itself.
        if canonical.chars().count() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        EmailAddress::parse_with_options(&canonical, options()).map_err(|_| EmailError::Invalid)?;
        Ok(Self(canonical))
    }

    /// See [`super::Text::restore`]. An address stored before today's canonical form (lower
    /// case only: no NFC, the domain as typed) comes back as it was kept, so that its claim,
    /// keyed by that same string, is the one released when the customer changes or goes.
    pub(crate) fn restore(canonical: String) -> Self {
        Self(canonical)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an address may not hold anywhere: controls, format characters (joiners included,
/// unlike in names: nobody types them into an address), line and paragraph separators, the
/// other default-ignorable code points (shown as nothing: a combining grapheme joiner, Hangul
/// fillers, variation selectors, tags, ...) and spaces other than ASCII's (a no-break space
/// pasted at an end, or hidden inside a local part that `email_address` would accept).
fn refused(c: char) -> bool {
    c.is_control() || invisible(c) || (c.is_whitespace() && !c.is_ascii()) || default_ignorable(c)
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), those not already
/// format characters; stable since Unicode 4.0.
fn default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{034F}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// NFC, then case folded as [`fold_case`] does. Only case and canonical equivalence are
/// folded: a mailbox may tell anything else apart.
fn local_part(local: &str) -> String {
    fold_case(&nfc(local))
}

/// The domain through UTS-46 ToASCII, non-transitional (ß and ς stay themselves, as browsers and
/// registries now treat them), which maps case, width and Unicode compatibility forms and
/// turns U-labels into A-labels: every spelling of one domain gives one string.
/// STD3 rules keep to letters, digits and hyphens; the DNS lengths are checked. Hyphens are
/// not checked in UTS-46's stricter sense (no "--" in places 3-4): that rule is for
/// registering names, and real, deliverable hosts break it; leading and trailing hyphens are
/// refused by the address check that follows.
fn domain_part(domain: &str) -> Result<String, EmailError> {
    Uts46::new()
        .to_ascii(
            domain.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::Allow,
            DnsLength::Verify,
        )
        .map(|ascii| ascii.into_owned())
        .map_err(|_| EmailError::Invalid)
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests;
