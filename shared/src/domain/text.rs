use std::borrow::Cow;
use std::fmt;
use thiserror::Error;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    /// A control, invisible or direction-changing character (named by its code point only).
    #[error("must not contain U+{:04X}: control, invisible and direction-changing characters are refused", u32::from(*.0))]
    InvalidCharacter(char),
}

impl super::Violation for TextError {
    fn code(&self) -> &'static str {
        match self {
            TextError::Empty => "empty",
            TextError::TooLong { .. } => "too_long",
            TextError::InvalidCharacter(_) => "invalid_character",
        }
    }
}

/// Trimmed text of 1..=MAX characters (Unicode scalar values, which is what users count, not
/// bytes), in Unicode NFC, so that two spellings a person reads as one are one value (for
/// uniqueness too). `MULTILINE` allows line breaks and tabs (notes); see [`refused`] for what
/// no text may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MAX: usize, const MULTILINE: bool>(String);

impl<const MAX: usize, const MULTILINE: bool> Text<MAX, MULTILINE> {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let normalized = nfc(raw);
        let trimmed = normalized.trim();
        if trimmed.is_empty() {
            return Err(TextError::Empty);
        }
        if trimmed.chars().count() > MAX {
            return Err(TextError::TooLong { max: MAX });
        }
        check_characters(trimmed, MULTILINE)?;
        Ok(Self(trimmed.to_owned()))
    }

    /// A value this type produced earlier (its canonical form), taken back as it is. The rules
    /// applied when it was parsed; checking it again under today's would turn a rule change into
    /// a customer that can no longer be read.
    pub(crate) fn restore(canonical: String) -> Self {
        Self(canonical)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize, const MULTILINE: bool> fmt::Display for Text<MAX, MULTILINE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `raw` in Unicode NFC; borrowed when it already is, as nearly all input is.
pub fn nfc(raw: &str) -> Cow<'_, str> {
    match is_nfc_quick(raw.chars()) {
        IsNormalized::Yes => Cow::Borrowed(raw),
        _ => Cow::Owned(raw.nfc().collect()),
    }
}

/// `text` (in NFC) lower-cased and normalised again, a key that ignores case: lower-casing can
/// compose what the capitals could not (J + U+030C has no composed form; j + U+030C is
/// U+01F0), and the key must be a fixed point.
pub(super) fn fold_case(text: &str) -> String {
    nfc(&text.to_lowercase()).into_owned()
}

/// The first character `text` may not hold, as an error.
pub fn check_characters(text: &str, multiline: bool) -> Result<(), TextError> {
    match text.chars().find(|&c| refused(c, multiline)) {
        Some(c) => Err(TextError::InvalidCharacter(c)),
        None => Ok(()),
    }
}

/// Characters that change what a person sees without being seen: controls (C0, C1; line
/// breaks and tabs only in multi-line text) and the [`invisible`] ones. Names, exports and
/// admin screens show text to people, and a reversed or hidden run is how a spoofed name looks
/// like a real one. The zero-width (non-)joiners U+200C and U+200D stay: Indic, Persian and
/// Arabic names need them.
fn refused(c: char, multiline: bool) -> bool {
    if c.is_control() {
        return !(multiline && matches!(c, '\n' | '\r' | '\t'));
    }
    invisible(c) && !matches!(c, '\u{200C}' | '\u{200D}')
}

/// Format characters (bidi embeddings, overrides and isolates U+202A-U+202E and
/// U+2066-U+2069, zero-width spaces and joiners, the soft hyphen, the BOM) and the line and
/// paragraph separators: each changes how the text around it looks, or hides itself.
pub(super) fn invisible(c: char) -> bool {
    // No ASCII character is in these categories; most text is ASCII, and the category
    // lookup is the costliest step of checking it.
    !c.is_ascii()
        && matches!(
            c.general_category(),
            GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        )
}

pub type PersonName = Text<100, false>;
pub type AddressLine = Text<200, false>;
pub type PlaceName = Text<100, false>;
pub type Company = Text<64, false>;
pub type Notes = Text<2000, true>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_counts_characters_not_bytes() {
        let name = PersonName::parse("  José  ").unwrap();
        assert_eq!(name.as_str(), "José");
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            PersonName::parse(&"é".repeat(101)),
            Err(TextError::TooLong { max: 100 })
        );
    }

    #[test]
    fn blank_is_empty() {
        assert_eq!(PersonName::parse("   "), Err(TextError::Empty));
    }

    #[test]
    fn control_characters_only_in_multiline_text() {
        assert_eq!(
            PersonName::parse("a\nb"),
            Err(TextError::InvalidCharacter('\n'))
        );
        assert!(Notes::parse("line one\nline two\r\n\tend").is_ok());
        for control in ['\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            assert_eq!(
                Notes::parse(&format!("bell{control}ring")),
                Err(TextError::InvalidCharacter(control))
            );
        }
    }

    #[test]
    fn invisible_and_direction_changing_characters_are_refused() {
        let invisible = [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', // embeddings, overrides
            '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', // isolates
            '\u{200B}', '\u{200E}', '\u{200F}', '\u{2060}', '\u{FEFF}',
            '\u{AD}', // zero width, marks
            '\u{2028}', '\u{2029}', // separators
        ];
        for c in invisible {
            // Leading and trailing whitespace (U+2028, U+2029) is trimmed like any other.
            let at_the_start = (!c.is_whitespace()).then(|| format!("{c}Zero"));
            for text in at_the_start.into_iter().chain([format!("Ze{c}ro")]) {
                assert_eq!(
                    PersonName::parse(&text),
                    Err(TextError::InvalidCharacter(c))
                );
                assert_eq!(Notes::parse(&text), Err(TextError::InvalidCharacter(c)));
            }
        }
        let error = PersonName::parse("\u{202E}\u{200B}Zero").unwrap_err();
        assert_eq!(
            error.to_string(),
            "must not contain U+202E: control, invisible and direction-changing characters are refused"
        );
    }

    #[test]
    fn no_ascii_character_is_invisible() {
        for c in (0..=0x7F_u8).map(char::from) {
            let category = c.general_category();
            assert!(!matches!(
                category,
                GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
            ));
            assert!(!invisible(c));
        }
    }

    #[test]
    fn the_joiners_that_names_need_stay() {
        // Devanagari "Kshatriya" with a zero-width joiner; Persian "Mi" + ZWNJ + "khaham".
        for name in [
            "\u{915}\u{94D}\u{200D}\u{937}",
            "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
        ] {
            assert_eq!(PersonName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn spellings_that_read_alike_are_one_value() {
        let composed = PersonName::parse("Caf\u{E9}").unwrap();
        let decomposed = PersonName::parse("Cafe\u{301}").unwrap();
        assert_eq!(composed, decomposed);
        assert_eq!(decomposed.as_str(), "Caf\u{E9}");
        // Counted after composition: 100 decomposed letters are 100 characters.
        assert!(PersonName::parse(&"e\u{301}".repeat(100)).is_ok());
    }
}
