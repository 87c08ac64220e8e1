//! libphonenumber's metadata, compiled by `build.rs` into static tables: reading a number
//! builds nothing and compiles no regex (but the national-prefix rules with a transformation,
//! see [`NationalPrefix::Transform`]).
//!
//! Every digit pattern of the metadata is an anchored deterministic automaton over the ten
//! digits; all of them share [`TRANSITIONS`], where state 0 is dead.

use std::sync::OnceLock;

/// The digits read so far match, if the input ends here.
const ACCEPT_END: u8 = 1;
/// The digits read so far match, when more digits follow (differs only after a `$`).
const ACCEPT_MID: u8 = 2;

/// A description of numbers (libphonenumber's `PhoneNumberDesc`): a pattern and the national
/// lengths it allows, as a bit set (bit n: n digits).
pub(super) struct Desc {
    start: u16,
    lengths: u32,
}

/// How a region's national prefix (and carrier code) is recognised: an automaton giving the end
/// of the prefix, or, where libphonenumber rewrites what it matched (`nationalPrefixTransformRule`,
/// 33 regions, e.g. Argentina's `0?(?:(11|...)?15)?` to `9$1`), a regex with capture groups.
pub(super) enum NationalPrefix {
    None,
    Strip(u16),
    Transform {
        slot: usize,
        pattern: &'static str,
        rule: &'static str,
    },
}

/// One region's numbering plan (or a non-geographic calling code's, with id `001`).
pub(super) struct Entity {
    pub(super) id: &'static str,
    pub(super) code: u16,
    pub(super) general: Desc,
    local_lengths: u32,
    /// Premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail, fixed line,
    /// mobile: `None` where the plan has no such numbers.
    types: [Option<Desc>; 10],
    same_mobile_and_fixed_line: bool,
    leading_digits: Option<u16>,
    pub(super) international_prefix: Option<u16>,
    pub(super) national_prefix: NationalPrefix,
    pub(super) example_mobile: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/phone_metadata.rs"));

/// What libphonenumber's `getNumberType` says of a valid number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    PremiumRate,
    TollFree,
    SharedCost,
    Voip,
    Personal,
    Pager,
    Uan,
    Voicemail,
    FixedLine,
    Mobile,
    FixedLineOrMobile,
}

const BEFORE_FIXED_LINE: [Kind; 8] = [
    Kind::PremiumRate,
    Kind::TollFree,
    Kind::SharedCost,
    Kind::Voip,
    Kind::Personal,
    Kind::Pager,
    Kind::Uan,
    Kind::Voicemail,
];

/// Whether `digits` (ASCII) as a whole match the automaton starting at `start` (Java's `matches`).
fn full_match(start: u16, digits: &[u8]) -> bool {
    let mut state = start as usize;
    for &d in digits {
        state = TRANSITIONS[state][(d - b'0') as usize] as usize;
        if state == 0 {
            return false;
        }
    }
    FLAGS[state] & ACCEPT_END != 0
}

/// The end of the match at the start of `digits` (Java's `lookingAt`, leftmost-first).
pub(super) fn looking_at(start: u16, digits: &[u8]) -> Option<usize> {
    let mut state = start as usize;
    let mut end = None;
    for (i, &d) in digits.iter().enumerate() {
        if FLAGS[state] & ACCEPT_MID != 0 {
            end = Some(i);
        }
        state = TRANSITIONS[state][(d - b'0') as usize] as usize;
        if state == 0 {
            return end;
        }
    }
    if FLAGS[state] & ACCEPT_END != 0 {
        end = Some(digits.len());
    }
    end
}

fn has_length(lengths: u32, digits: &[u8]) -> bool {
    digits.len() < 32 && lengths & (1 << digits.len()) != 0
}

/// libphonenumber's `ValidationResult` of `testNumberLength` against the general description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

impl Desc {
    /// The national number pattern alone (`matchNationalNumber`), lengths unchecked.
    pub(super) fn pattern_matches(&self, digits: &[u8]) -> bool {
        full_match(self.start, digits)
    }

    /// `isNumberMatchingDesc`: a possible length, then the pattern.
    fn matches(&self, digits: &[u8]) -> bool {
        has_length(self.lengths, digits) && full_match(self.start, digits)
    }
}

impl Entity {
    /// `testNumberLength` for any type of number.
    pub(super) fn test_length(&self, digits: &[u8]) -> Length {
        let lengths = self.general.lengths;
        if has_length(self.local_lengths, digits) {
            return Length::LocalOnly;
        }
        let len = digits.len() as u32;
        if len >= 32 - lengths.leading_zeros() {
            Length::TooLong
        } else if len < lengths.trailing_zeros() {
            Length::TooShort
        } else if has_length(lengths, digits) {
            Length::Possible
        } else {
            Length::Invalid
        }
    }

    /// `getNumberTypeHelper`: `None` for a number this plan does not know (invalid).
    pub(super) fn kind(&self, nsn: &[u8]) -> Option<Kind> {
        if !self.general.matches(nsn) {
            return None;
        }
        let is = |i: usize| self.types[i].as_ref().is_some_and(|d| d.matches(nsn));
        if let Some(i) = (0..BEFORE_FIXED_LINE.len()).find(|&i| is(i)) {
            return Some(BEFORE_FIXED_LINE[i]);
        }
        let (fixed_line, mobile) = (8, 9);
        if is(fixed_line) {
            if self.same_mobile_and_fixed_line || is(mobile) {
                return Some(Kind::FixedLineOrMobile);
            }
            return Some(Kind::FixedLine);
        }
        (!self.same_mobile_and_fixed_line && is(mobile)).then_some(Kind::Mobile)
    }

    /// Whether this region, among those sharing its calling code, is the number's
    /// (`getRegionCodeForNumberFromRegionList`).
    fn claims(&self, nsn: &[u8]) -> bool {
        match self.leading_digits {
            Some(start) => looking_at(start, nsn).is_some(),
            None => self.kind(nsn).is_some(),
        }
    }

    /// The compiled rule of a [`NationalPrefix::Transform`], compiled on its first use only.
    /// Never `None`: build.rs compiled every such pattern with the same engine.
    pub(super) fn transform_regex(
        slot: usize,
        pattern: &str,
    ) -> Option<&'static regex_lite::Regex> {
        static REGEXES: [OnceLock<Option<regex_lite::Regex>>; TRANSFORMS] =
            [const { OnceLock::new() }; TRANSFORMS];
        REGEXES
            .get(slot)?
            .get_or_init(|| regex_lite::Regex::new(&format!("^(?:{pattern})")).ok())
            .as_ref()
    }
}

/// The plans of a calling code, its main region first (`countryCallingCodeToRegionCodeMap`).
pub(super) fn by_code(code: u16) -> &'static [Entity] {
    match CODES.binary_search_by_key(&code, |&(c, _, _)| c) {
        Ok(i) => {
            let (_, first, count) = CODES[i];
            &ENTITIES[first as usize..(first + count) as usize]
        }
        Err(_) => &[],
    }
}

/// A region's plan, by its ISO 3166-1 alpha-2 code.
pub(super) fn by_id(id: &str) -> Option<&'static Entity> {
    IDS.binary_search_by_key(&id, |&(i, _)| i)
        .ok()
        .map(|i| &ENTITIES[IDS[i].1 as usize])
}

/// The region of a valid number's national significant number, among its calling code's.
pub(super) fn region_of(code: u16, nsn: &[u8]) -> Option<&'static Entity> {
    match by_code(code) {
        [only] => Some(only),
        entities => entities.iter().find(|e| e.claims(nsn)),
    }
}

#[cfg(test)]
impl Entity {
    /// Whether a pattern of this plan matches the start of `digits` but not all of them: what
    /// `phonenumber` 0.3.10 accepts (it tests `find(..).start() == 0`, not a whole match).
    pub(super) fn matches_only_a_prefix(&self, digits: &[u8]) -> bool {
        let walk = |start: u16| {
            let mut state = start as usize;
            for &d in &digits[..digits.len() - 1] {
                state = TRANSITIONS[state][(d - b'0') as usize] as usize;
                if FLAGS[state] & ACCEPT_END != 0 {
                    return true;
                }
            }
            false
        };
        let descs = std::iter::once(&self.general).chain(self.types.iter().flatten());
        descs
            .into_iter()
            .any(|d| !full_match(d.start, digits) && walk(d.start))
    }

    /// The end of this plan's national prefix at the start of `digits`, if it is one.
    pub(super) fn national_prefix_end(&self, digits: &[u8]) -> Option<usize> {
        match self.national_prefix {
            NationalPrefix::Strip(start) => looking_at(start, digits),
            NationalPrefix::Transform { slot, pattern, .. } => {
                let text = std::str::from_utf8(digits).ok()?;
                Entity::transform_regex(slot, pattern)?
                    .find(text)
                    .map(|m| m.end())
            }
            NationalPrefix::None => None,
        }
    }
}
