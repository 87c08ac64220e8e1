//! libphonenumber's `parse`, `isValidNumber` and `getNumberType` (PhoneNumberUtil.java), on
//! the tables of [`super::metadata`], for the numbers this API takes: no RFC 3966 `tel:` URI,
//! no extension, no letters (vanity numbers such as `1-800-FLOWERS` are refused, where
//! libphonenumber would read them on a keypad).

use super::metadata::{by_code, looking_at, region_of, Entity, Kind, Length, NationalPrefix};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// A number libphonenumber calls valid: its calling code, national significant number (ASCII
/// digits, with any leading zero) and type.
pub(super) struct Parsed {
    pub(super) code: u16,
    pub(super) nsn: Vec<u8>,
    pub(super) kind: Kind,
}

impl Parsed {
    pub(super) fn e164(&self) -> String {
        let nsn: String = self.nsn.iter().map(|&digit| char::from(digit)).collect();
        format!("+{}{nsn}", self.code)
    }
}

const MIN_LENGTH_FOR_NSN: usize = 2;
const MAX_LENGTH_FOR_NSN: usize = 17;

fn is_plus(c: char) -> bool {
    matches!(c, '+' | '\u{FF0B}')
}

/// libphonenumber's VALID_PUNCTUATION (`x` included: a placeholder for carrier codes).
fn is_punctuation(c: char) -> bool {
    matches!(c,
        '-' | 'x' | 'X' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF0D}'..='\u{FF0F}'
        | ' ' | '\u{A0}' | '\u{AD}' | '\u{200B}' | '\u{2060}' | '\u{3000}' | '(' | ')'
        | '\u{FF08}' | '\u{FF09}' | '\u{FF3B}' | '\u{FF3D}' | '.' | '[' | ']' | '/' | '~'
        | '\u{2053}' | '\u{223C}' | '\u{FF5E}')
}

/// The value of a decimal digit of any script (Java's `Character.digit(c, 10)`).
pub(super) fn digit(c: char) -> Option<u8> {
    if c.is_ascii() {
        return c.is_ascii_digit().then(|| c as u8 - b'0');
    }
    let decimal = |c: char| c.general_category() == GeneralCategory::DecimalNumber;
    if !decimal(c) {
        return None;
    }
    // Unicode's decimal digits come in runs of ten, zero first; some runs adjoin (U+1D7CE-1D7FF).
    let mut first = c as u32;
    while char::from_u32(first - 1).is_some_and(decimal) {
        first -= 1;
    }
    Some(((c as u32 - first) % 10) as u8)
}

/// `extractPossibleNumber`: from the first `+` or digit, without trailing punctuation, and
/// without a second number (`/x...`).
fn possible_number(raw: &str) -> &str {
    let Some(start) = raw.find(|c| is_plus(c) || digit(c).is_some()) else {
        return "";
    };
    let number = raw[start..].trim_end_matches(|c: char| !c.is_alphanumeric() && c != '#');
    let second = number.char_indices().find(|&(i, c)| {
        matches!(c, '\\' | '/') && number[i + 1..].trim_start_matches(' ').starts_with('x')
    });
    match second {
        Some((i, _)) => &number[..i],
        None => number,
    }
}

/// Whether the number starts with a plus sign (after any text before it, as `(+44) ...`): then
/// it carries its own calling code.
pub(super) fn has_plus(raw: &str) -> bool {
    possible_number(raw).starts_with(is_plus)
}

/// Whether an extension ends the number at `label` (one of libphonenumber's ambiguous labels:
/// `x`, `#`, `~` and their full-width forms, then at most nine digits).
fn extension_at(tail: &str) -> bool {
    let tail = tail.strip_prefix([':', '.', '\u{FF0E}']).unwrap_or(tail);
    let tail = tail.trim_start_matches([' ', '\u{A0}', '\t', ',', '-'].as_slice());
    let tail = tail.strip_suffix(['#', '\u{FF03}']).unwrap_or(tail);
    let digits = tail.chars().count();
    (1..=9).contains(&digits) && tail.chars().all(|c| digit(c).is_some())
}

/// `isViablePhoneNumber` of the text before an extension label, of which `digits` are digits
/// (and the rest plus signs and punctuation): three digits, or two and nothing else.
fn viable(before: &str, digits: usize) -> bool {
    let before = before.trim_end_matches([' ', '\u{A0}', '\t', ',']);
    digits >= 3 || (digits == MIN_LENGTH_FOR_NSN && before.chars().count() == digits)
}

/// The digits of a viable number (`isViablePhoneNumber`, then `normalize`) after its leading
/// plus signs, and whether it had any; `None` for anything else, and for the extensions and
/// letters this API refuses.
fn viable_digits(number: &str) -> Option<(Vec<u8>, bool)> {
    let body = number.trim_start_matches(is_plus);
    let mut digits = Vec::with_capacity(body.len());
    let mut letters = 0;
    for (i, c) in body.char_indices() {
        if let Some(d) = digit(c) {
            digits.push(b'0' + d);
            continue;
        }
        let label = matches!(
            c,
            'x' | 'X' | '\u{FF58}' | '#' | '\u{FF03}' | '~' | '\u{FF5E}'
        );
        // An extension only after a viable number (`maybeStripExtension`): `+55~500123456` is
        // one number, `~` being punctuation too.
        let before = &number[..number.len() - body.len() + i];
        if label && viable(before, digits.len()) && extension_at(&body[i + c.len_utf8()..]) {
            return None;
        }
        letters += usize::from(c.is_ascii_alphabetic());
        if !(is_punctuation(c) || c == '*') {
            return None;
        }
    }
    // Three letters make libphonenumber read a vanity number (`x` on a keypad is 9).
    let short = digits.len() == MIN_LENGTH_FOR_NSN && number.chars().count() == MIN_LENGTH_FOR_NSN;
    (letters < 3 && (digits.len() >= 3 || short)).then_some((digits, body.len() < number.len()))
}

/// `extractCountryCode`: the longest known calling code of at most three digits.
fn split_code(digits: &[u8]) -> Option<(u16, Vec<u8>)> {
    if digits.first() == Some(&b'0') {
        return None;
    }
    (1..=digits.len().min(3)).find_map(|i| {
        let code = digits[..i]
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        (!by_code(code).is_empty()).then(|| (code, digits[i..].to_vec()))
    })
}

/// `maybeExtractCountryCode` for digits without a plus sign: an international prefix of the
/// reading region, or the reading region's own calling code written without `+`. Returns the
/// calling code, the national number, and whether the code came from the number.
fn country_code(digits: Vec<u8>, reading: Option<&Entity>) -> Option<(u16, Vec<u8>, bool)> {
    if let Some(end) = reading
        .and_then(|e| e.international_prefix)
        .and_then(|idd| looking_at(idd, &digits))
    {
        // Calling codes never start with 0: then it was not an international prefix.
        if digits.get(end) != Some(&b'0') {
            let rest = &digits[end..];
            if rest.len() <= MIN_LENGTH_FOR_NSN {
                return None;
            }
            return split_code(rest).map(|(code, national)| (code, national, true));
        }
    }
    let reading = reading?;
    let code = reading.code.to_string();
    if let Some(rest) = digits.strip_prefix(code.as_bytes()) {
        let mut potential = rest.to_vec();
        strip_national_prefix(&mut potential, reading);
        let general = &reading.general;
        // Kept if only the shorter form fits the plan, or the whole is too long for it.
        if (!general.pattern_matches(&digits) && general.pattern_matches(&potential))
            || reading.test_length(&digits) == Length::TooLong
        {
            return Some((reading.code, potential, true));
        }
    }
    Some((reading.code, digits, false))
}

/// `maybeStripNationalPrefixAndCarrierCode`: strips the national prefix (and carrier code) unless
/// the number fitted the plan's general pattern before and no longer does after.
fn strip_national_prefix(number: &mut Vec<u8>, plan: &Entity) -> bool {
    if number.is_empty() {
        return false;
    }
    let general = &plan.general;
    let strip = |number: &mut Vec<u8>, end: usize| {
        if general.pattern_matches(number) && !general.pattern_matches(&number[end..]) {
            return false;
        }
        number.drain(..end);
        true
    };
    match plan.national_prefix {
        NationalPrefix::None => false,
        NationalPrefix::Strip(start) => match looking_at(start, number) {
            Some(end) => strip(number, end),
            None => false,
        },
        NationalPrefix::Transform {
            slot,
            pattern,
            rule,
        } => {
            let (Ok(text), Some(regex)) = (
                std::str::from_utf8(number),
                Entity::transform_regex(slot, pattern),
            ) else {
                return false;
            };
            let Some(groups) = regex.captures(text) else {
                return false;
            };
            let end = groups.get(0).map_or(0, |m| m.end());
            // Nothing captured by the last group: no transformation, the prefix goes.
            if groups.get(groups.len() - 1).is_none() {
                return strip(number, end);
            }
            let mut transformed = Vec::with_capacity(number.len() + rule.len());
            // Rules are digits and `$n` (one digit: the metadata has no group past 9).
            let mut rule = rule.bytes();
            while let Some(b) = rule.next() {
                if b == b'$' {
                    let group = rule.next().map_or(0, |g| usize::from(g - b'0'));
                    let text = groups.get(group).map_or("", |m| m.as_str());
                    transformed.extend_from_slice(text.as_bytes());
                } else {
                    transformed.push(b);
                }
            }
            transformed.extend_from_slice(&number[end..]);
            if general.pattern_matches(number) && !general.pattern_matches(&transformed) {
                return false;
            }
            *number = transformed;
            true
        }
    }
}

/// libphonenumber's `parse(raw, reading)` then `isValidNumber` and `getNumberType`: `None`
/// unless the number is valid.
pub(super) fn parse(raw: &str, reading: Option<&'static Entity>) -> Option<Parsed> {
    let (digits, plus) = viable_digits(possible_number(raw))?;
    let (code, mut national, from_number) = if plus {
        if digits.len() <= MIN_LENGTH_FOR_NSN {
            return None;
        }
        match split_code(&digits) {
            Some((code, national)) => (code, national, true),
            // An unknown code after `+`: libphonenumber reads the digits once more without it.
            None => match country_code(digits, reading)? {
                found @ (_, _, true) => found,
                _ => return None,
            },
        }
    } else {
        country_code(digits, reading)?
    };
    let plan = match (from_number, reading) {
        (false, Some(reading)) => reading,
        _ => by_code(code).first()?,
    };
    if national.len() < MIN_LENGTH_FOR_NSN {
        return None;
    }
    let mut potential = national.clone();
    strip_national_prefix(&mut potential, plan);
    // The prefix goes only if what remains can still be a whole number of the plan.
    if !matches!(
        plan.test_length(&potential),
        Length::TooShort | Length::LocalOnly | Length::Invalid
    ) {
        national = potential;
    }
    if !(MIN_LENGTH_FOR_NSN..=MAX_LENGTH_FOR_NSN).contains(&national.len()) {
        return None;
    }
    let kind = region_of(code, &national)?.kind(&national)?;
    Some(Parsed {
        code,
        nsn: national,
        kind,
    })
}
