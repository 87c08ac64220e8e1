//! Differential test: this module against `phonenumber` 0.3.10 (today's library until issue 23)
//! on the same metadata (9.0.33). Every difference must fall in a class below, each with the
//! reason the new answer is libphonenumber's (Google's Java/C++/Python) and the old one is not.
//! `make phone-diff` runs the whole set (>= 100,000 inputs); the sample here, a few thousand.
//! The classes were checked against Google's library itself (`phonenumbers`, the Python port,
//! on the answers [`dump`] writes): on the whole set, it answers as this module does.

use super::super::metadata::{by_code, looking_at, Entity, Kind, NationalPrefix};
use super::super::{parse_number, CallingCode, Mobile, Phone, PhoneError, PhoneRegion};
use crate::domain::CountryCode;
use phonenumber::metadata::{Metadata, DATABASE};
use phonenumber::{country::Id, Type};
use std::collections::BTreeMap;
use std::str::FromStr;

/// What a reading gives: an error, or the E.164 form and the type.
type Outcome = Result<(String, &'static str), PhoneError>;

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Mobile => "mobile",
        Kind::FixedLineOrMobile => "fixed line or mobile",
        Kind::FixedLine => "fixed line",
        _ => "other",
    }
}

fn type_name(kind: Type) -> &'static str {
    match kind {
        Type::Mobile => "mobile",
        Type::FixedLineOrMobile => "fixed line or mobile",
        Type::FixedLine => "fixed line",
        Type::Unknown => "unknown",
        _ => "other",
    }
}

fn new(raw: &str, region: Option<PhoneRegion>) -> Outcome {
    parse_number(raw, region).map(|n| (n.e164(), kind_name(n.kind)))
}

/// Today's `parse_number` until issue 23, on `phonenumber` 0.3.10.
fn old(raw: &str, region: Option<PhoneRegion>) -> Outcome {
    let raw = raw.trim();
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    if digits < 3 || raw.chars().count() > 32 {
        return Err(PhoneError::Invalid);
    }
    let international = raw.starts_with('+');
    let plan = match (international, region) {
        (true, _) => None,
        (false, Some(PhoneRegion::Country(c))) => {
            Some(Id::from_str(c.alpha2()).map_err(|_| PhoneError::Invalid)?)
        }
        (false, Some(PhoneRegion::CallingCode(code))) => {
            let metas = DATABASE.by_code(&code.value()).ok_or(PhoneError::Invalid)?;
            let main = metas
                .iter()
                .find(|m| m.is_main_country_for_code())
                .or(metas.first());
            Some(
                Id::from_str(main.ok_or(PhoneError::Invalid)?.id())
                    .map_err(|_| PhoneError::Invalid)?,
            )
        }
        (false, None) => return Err(PhoneError::CountryRequired),
    };
    let number = phonenumber::parse(plan, raw).map_err(|_| PhoneError::Invalid)?;
    if number.extension().is_some() {
        return Err(PhoneError::Invalid);
    }
    let kind = number.number_type(&DATABASE);
    let valid = match number.national().zeros() {
        0 => kind != Type::Unknown,
        _ => phonenumber::is_valid(&number),
    };
    if !valid {
        return Err(PhoneError::Invalid);
    }
    if international {
        let expected = region.and_then(|r| match r {
            PhoneRegion::Country(c) => CallingCode::of(c),
            PhoneRegion::CallingCode(code) => Some(code),
        });
        if expected.is_some_and(|e| e.value() != number.code().value()) {
            return Err(PhoneError::ConflictingCountry);
        }
    }
    let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
    Ok((e164, type_name(kind)))
}

struct Case {
    raw: String,
    region: Option<PhoneRegion>,
}

fn regions() -> Vec<&'static Metadata> {
    let mut all: Vec<&Metadata> = (1..1000u16)
        .filter_map(|c| DATABASE.by_code(&c))
        .flatten()
        .collect();
    all.dedup_by_key(|m| (m.id().to_string(), m.country_code()));
    all
}

fn country(meta: &Metadata) -> Option<PhoneRegion> {
    CountryCode::parse(meta.id()).ok().map(PhoneRegion::Country)
}

fn examples(meta: &Metadata) -> Vec<&str> {
    let d = meta.descriptors();
    [
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|t| t.example())
    .collect()
}

/// A digits-only international prefix of the region, to write numbers dialled from it.
fn idd(meta: &Metadata) -> Option<String> {
    let prefix = meta
        .preferred_international_prefix()
        .map(str::to_string)
        .or_else(|| meta.international_prefix().map(|r| r.as_str().to_string()))?;
    prefix.bytes().all(|b| b.is_ascii_digit()).then_some(prefix)
}

fn spaced(rng: &mut fastrand::Rng, digits: &str) -> String {
    const PUNCTUATION: [&str; 8] = [" ", "-", ".", " ", "/", "\u{a0}", " - ", "\u{2013}"];
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && rng.u8(..5) == 0 {
            out.push_str(PUNCTUATION[rng.usize(..PUNCTUATION.len())]);
        }
        out.push(c);
    }
    out
}

/// Every example number of every region, in its spellings.
fn example_cases(metas: &[&Metadata]) -> Vec<Case> {
    let mut cases = Vec::new();
    for meta in metas {
        let code = meta.country_code();
        let own = country(meta);
        let by_code = CallingCode::parse(&code.to_string())
            .ok()
            .map(PhoneRegion::CallingCode);
        for example in examples(meta) {
            let mut add = |raw: String, region| cases.push(Case { raw, region });
            add(format!("+{code}{example}"), None);
            add(format!("+{code} {example}"), own);
            add(example.to_string(), own);
            add(example.to_string(), by_code);
            add(format!("{code}{example}"), own);
            if let Some(np) = meta.national_prefix() {
                add(format!("{np}{example}"), own);
                add(format!("({np}) {example}"), by_code);
            }
            if let Some(idd) = idd(meta) {
                add(format!("{idd}{code}{example}"), own);
                add(format!("{idd} {code} {example}"), by_code);
            }
            let wide: String = example
                .chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap())
                .collect();
            add(format!("+{code}{wide}"), None);
        }
    }
    cases
}

/// Random variations of the examples: digits added, removed or changed, leading zeros, every
/// form, read in every region.
fn variations(metas: &[&Metadata], count: usize, seed: u64) -> Vec<Case> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut cases = Vec::with_capacity(count);
    while cases.len() < count {
        let meta = metas[rng.usize(..metas.len())];
        let examples = examples(meta);
        let Some(&example) = examples.get(rng.usize(..examples.len().max(1))) else {
            continue;
        };
        let mut digits: Vec<u8> = example.bytes().collect();
        for _ in 0..rng.usize(..3) {
            let at = rng.usize(..=digits.len());
            match rng.u8(..5) {
                0 if at < digits.len() => digits[at] = b'0' + rng.u8(..10),
                1 => digits.insert(at, b'0' + rng.u8(..10)),
                2 if at < digits.len() => drop(digits.remove(at)),
                3 => digits.insert(0, b'0'),
                _ => {}
            }
        }
        let national = String::from_utf8(digits).unwrap();
        let code = meta.country_code();
        let reader = metas[rng.usize(..metas.len())];
        let region = match rng.u8(..4) {
            0 => country(meta),
            1 => country(reader),
            2 => CallingCode::parse(&reader.country_code().to_string())
                .ok()
                .map(PhoneRegion::CallingCode),
            _ => None,
        };
        let raw = match rng.u8(..6) {
            0 => format!("+{code}{national}"),
            1 => national.clone(),
            2 => format!("{}{national}", meta.national_prefix().unwrap_or("")),
            3 => format!("{}{code}{national}", idd(reader).unwrap_or_default()),
            4 => format!("{code}{national}"),
            _ => format!("+{code}0{national}"),
        };
        let raw = spaced(&mut rng, &raw);
        let raw = match rng.u8(..8) {
            0 => format!("({raw})"),
            1 => format!(" {raw} "),
            _ => raw,
        };
        cases.push(Case { raw, region });
    }
    cases
}

/// A class of differences: its name, why the new answer is right, and who it covers.
struct Rule {
    name: &'static str,
    reason: &'static str,
    covers: fn(&Case, &Outcome, &Outcome) -> bool,
}

/// The digits of the input, full-width ones included.
fn digits(raw: &str) -> String {
    raw.chars()
        .filter_map(|c| {
            c.to_digit(10)
                .or_else(|| (c as u32).checked_sub(0xFF10).filter(|d| *d < 10))
        })
        .map(|d| char::from(b'0' + d as u8))
        .collect()
}

/// The calling code and national significant number of an E.164 form.
fn split(e164: &str) -> Option<(u16, &str)> {
    let digits = e164.strip_prefix('+')?;
    (1..=3).find_map(|i| {
        let code: u16 = digits.get(..i)?.parse().ok()?;
        (!by_code(code).is_empty()).then(|| (code, &digits[i..]))
    })
}

fn ok(outcome: &Outcome) -> Option<(u16, &str)> {
    outcome.as_ref().ok().and_then(|(e164, _)| split(e164))
}

fn reading_code(case: &Case) -> Option<u16> {
    case.region
        .and_then(|r| match r {
            PhoneRegion::Country(c) => CallingCode::of(c),
            PhoneRegion::CallingCode(code) => Some(code),
        })
        .map(|c| c.value())
}

/// The digits written after the calling code of `code`, after `+` or the reading region's
/// international prefix.
fn written_after_code(case: &Case, code: u16) -> Option<String> {
    let digits = digits(&case.raw);
    let code = code.to_string();
    let start = match case.region.and_then(|r| r.numbering_plan()) {
        _ if case
            .raw
            .trim_start()
            .trim_start_matches('(')
            .starts_with('+') =>
        {
            0
        }
        Some(plan) => looking_at(plan.international_prefix?, digits.as_bytes())?,
        None => return None,
    };
    digits[start..].strip_prefix(&code).map(str::to_string)
}

/// What a plan's nationalPrefixTransformRule makes of `written`, if it rewrites it.
fn transformed(plan: &Entity, written: &str) -> Option<String> {
    let NationalPrefix::Transform {
        slot,
        pattern,
        rule,
    } = plan.national_prefix
    else {
        return None;
    };
    let groups = Entity::transform_regex(slot, pattern)?.captures(written)?;
    let end = groups.get(0)?.end();
    // Nothing captured by the last group: a plain national prefix, stripped, not rewritten.
    groups.get(groups.len() - 1)?;
    let mut out = String::new();
    let mut chars = rule.chars();
    while let Some(c) = chars.next() {
        match c {
            '$' => {
                let group = chars.next()?.to_digit(10)? as usize;
                out.push_str(groups.get(group).map_or("", |m| m.as_str()));
            }
            _ => out.push(c),
        }
    }
    Some(out + &written[end..])
}

fn rules() -> Vec<Rule> {
    vec![
        Rule {
            name: "text before the number",
            reason: "libphonenumber starts reading at the first + or digit (extractPossibleNumber: \
                     `(+966 ...)` is +966 ...); phonenumber 0.3.10 refuses a bracket before the +, \
                     and the API until issue 23 asked for a country unless the input began with +",
            covers: |case, old, new| {
                // Read in the same region: the bracketed plus carries its calling code, so a
                // conflicting country is refused as it is after a bare `+`.
                let from_plus = case.raw.find('+').map(|i| &case.raw[i..]);
                old.is_err()
                    && case.raw.trim_start().starts_with('(')
                    && from_plus.is_some_and(|raw| self::new(raw, case.region) == *new)
            },
        },
        Rule {
            name: "plus after text conflicting with the country",
            reason: "the number carries its own calling code after `(+`, `＋` or text, as after a \
                     leading +, so a country with another code conflicts (libphonenumber: \
                     FROM_NUMBER_WITH_PLUS_SIGN); until issue 23 the API checked a leading ASCII \
                     + only, and the same number written with one is refused by both",
            covers: |case, old, new| {
                let from_plus = case.raw.find(['+', '\u{FF0B}']).map(|i| &case.raw[i..]);
                *new == Err(PhoneError::ConflictingCountry)
                    && !case.raw.trim_start().starts_with('+')
                    && from_plus.is_some_and(|raw| {
                        let ascii = raw.replacen('\u{FF0B}', "+", 1);
                        self::old(&ascii, case.region) == *new || classify(&Case {
                            raw: ascii.clone(),
                            region: case.region,
                        })
                        .is_some()
                    })
                    && old != new
            },
        },
        Rule {
            name: "reading region's national prefix applied abroad",
            reason: "phonenumber 0.3.10 strips the reading region's national prefix (NANPA's 1) \
                     from the national part of another country's number (+61 1300 ... read in \
                     Antigua becomes +61 300 ...); libphonenumber strips only the national prefix \
                     of the number's own country",
            covers: |case, old, new| {
                let reading = case.region.and_then(|r| r.numbering_plan());
                ok(old).is_some_and(|(code, n)| {
                    let Some(written) = written_after_code(case, code) else {
                        return false;
                    };
                    let Some(plan) = reading.filter(|plan| plan.code != code) else {
                        return false;
                    };
                    // Stripped once or more (phonenumber repeats it), or rewritten.
                    let mut rest = written.as_str();
                    let mut stripped = transformed(plan, rest).as_deref() == Some(n);
                    while let Some(end) = plan.national_prefix_end(rest.as_bytes()) {
                        if end == 0 || stripped {
                            break;
                        }
                        rest = &rest[end..];
                        stripped = rest == n;
                    }
                    stripped && ok(new).is_none_or(|(_, ours)| ours != n)
                })
            },
        },
        Rule {
            name: "national prefix transformation",
            reason: "libphonenumber rewrites a national number by its plan's \
                     nationalPrefixTransformRule (Madagascar's 7-digit local numbers get 20 in \
                     front, Gabon's drop their 0, Argentina's mobiles 15 -> 9); phonenumber 0.3.10 \
                     refuses or keeps these numbers as written",
            covers: |case, old, new| {
                old != new
                    && ok(new).is_some_and(|(code, n)| {
                        // Of the national number as written: all the digits, or those after the
                        // calling code (after +, an international prefix, or none). Not of any
                        // tail: NANPA's rules add an area code to 7 digits, so any number
                        // written in full would be "transformed" from its last 7.
                        let digits = digits(&case.raw);
                        let written = [
                            Some(digits.clone()),
                            written_after_code(case, code),
                            digits.strip_prefix(&code.to_string()).map(str::to_string),
                        ];
                        // The calling code without + may come with a plain national prefix
                        // stripped first (`261 0 2123456` in Madagascar).
                        by_code(code).iter().any(|plan| {
                            written.iter().flatten().any(|national| {
                                let end = plan.national_prefix_end(national.as_bytes());
                                let stripped = end.map(|end| &national[end..]);
                                [Some(national.as_str()), stripped]
                                    .into_iter()
                                    .flatten()
                                    .any(|w| transformed(plan, w).as_deref() == Some(n))
                            })
                        })
                    })
            },
        },
        Rule {
            name: "validity behind a conflicting country",
            reason: "a number in + form valid on one side only is refused as conflicting with its \
                     country there, and as invalid on the other: the same difference as without \
                     the country, classified below",
            covers: |case, old, new| {
                // The conflicting side reads a number of another calling code without the
                // country, and the other side's answer does not depend on the country.
                let conflict = Err(PhoneError::ConflictingCountry);
                if case.region.is_none() || (*old != conflict && *new != conflict) {
                    return false;
                }
                let alone = Case {
                    raw: case.raw.clone(),
                    region: None,
                };
                let abroad =
                    |o: &Outcome| ok(o).is_some_and(|(c, _)| Some(c) != reading_code(case));
                let old_alone = self::old(&alone.raw, None);
                let new_alone = self::new(&alone.raw, None);
                ((*old == conflict && abroad(&old_alone) && *new == new_alone)
                    || (*new == conflict && abroad(&new_alone) && *old == old_alone))
                    && classify(&alone).is_some()
            },
        },
        Rule {
            name: "full-width digits",
            reason: "phonenumber 0.3.10 refuses full-width digits after ASCII ones; libphonenumber \
                     reads every decimal digit (Character.digit)",
            covers: |case, old, new| {
                // Ours reads them as their ASCII spelling, on which phonenumber agrees (or differs
                // in another class).
                let ascii = Case {
                    raw: case
                        .raw
                        .chars()
                        .map(|c| match c {
                            '\u{FF10}'..='\u{FF19}' => char::from(b'0' + (c as u32 - 0xFF10) as u8),
                            _ => c,
                        })
                        .collect(),
                    region: case.region,
                };
                old.is_err()
                    && ascii.raw != case.raw
                    && self::new(&ascii.raw, ascii.region) == *new
                    && (self::old(&ascii.raw, ascii.region) == *new || classify(&ascii).is_some())
            },
        },
        Rule {
            name: "punctuation phonenumber misreads",
            reason: "phonenumber 0.3.10's parser fails on some punctuated numbers (its nom grammar \
                     reads `+995555123.456` as an overflowing integer, `+42180012345-6` as no \
                     number); libphonenumber drops all VALID_PUNCTUATION, and without the \
                     punctuation both agree (or differ in a class below)",
            covers: |case, old, new| {
                let compact = compact(case);
                old.is_err()
                    && compact.raw != case.raw
                    && (self::old(&compact.raw, compact.region) == *new
                        || (self::new(&compact.raw, compact.region) == *new
                            && classify(&compact).is_some()))
            },
        },
        Rule {
            name: "national prefix kept when the rest does not fit",
            reason: "phonenumber 0.3.10 strips a national prefix even when what remains no longer \
                     fits the plan's general pattern (it tests the number before stripping twice); \
                     libphonenumber keeps it (+7 800 123 4567 is Russian toll-free, not 8 + 001234567)",
            covers: |_, old, new| {
                ok(new).is_some_and(|(code, nsn)| {
                    by_code(code).iter().any(|plan| {
                        plan.national_prefix_end(nsn.as_bytes()).is_some_and(|end| {
                            end > 0 && !plan.general.pattern_matches(&nsn.as_bytes()[end..])
                        })
                    })
                }) && ok(old).map(|(_, n)| n.len()) != ok(new).map(|(_, n)| n.len())
            },
        },
        Rule {
            name: "calling code without + kept when the number fits as written",
            reason: "phonenumber 0.3.10 takes a national number's first digits for the region's \
                     calling code whenever they are equal; libphonenumber only when the number \
                     does not fit the plan's general pattern as written but does without them, \
                     or is too long (590 20 12 34 in Guadeloupe is +590 590 20 12 34)",
            covers: |case, old, new| {
                let digits = digits(&case.raw);
                let national = !case.raw.trim_start().starts_with(['+', '\u{FF0B}']);
                let Some(code) = reading_code(case).map(|c| c.to_string()) else {
                    return false;
                };
                let stripped = match ok(old) {
                    Some((_, n)) => n.len() + code.len() <= digits.len() && !n.starts_with(&code),
                    None => old == &Err(PhoneError::Invalid),
                };
                national
                    && digits.starts_with(&code)
                    && stripped
                    && ok(new).is_none_or(|(_, n)| n.starts_with(&code))
            },
        },
        Rule {
            name: "national prefix after the calling code",
            reason: "libphonenumber strips a national prefix wherever the number is read in its \
                     plan, also after +code (+44 (0)20 ...); phonenumber 0.3.10 takes it for a \
                     leading zero of the number and then finds it invalid",
            covers: |case, old, new| {
                let digits = digits(&case.raw);
                old == &Err(PhoneError::Invalid)
                    && ok(new).is_some_and(|(code, n)| {
                        digits.ends_with(n)
                            && (n.len() + 1..=digits.len()).any(|k| {
                                let rest = &digits.as_bytes()[digits.len() - k..];
                                by_code(code).iter().any(|plan| {
                                    plan.national_prefix_end(rest) == Some(k - n.len())
                                })
                            })
                    })
            },
        },
        Rule {
            name: "leading zeros kept",
            reason: "phonenumber 0.3.10 drops every zero after the calling code (and after a \
                     national prefix); libphonenumber keeps them in the national significant \
                     number (Italian leading zeros), so +43 00664 123456 is not +43 664 123456",
            covers: |case, old, new| {
                ok(old).is_some_and(|(_, n)| digits(&case.raw).contains(&format!("0{n}")))
                    && ok(new).is_none_or(|(_, n)| n.starts_with('0'))
            },
        },
        Rule {
            name: "pattern matching only the start",
            reason: "phonenumber 0.3.10 accepts a number when a pattern matches only its start \
                     (regex find at 0, not a whole match); libphonenumber needs the whole number",
            covers: |case, old, new| {
                new.is_err()
                    && ok(old).is_some_and(|(code, n)| {
                        let digits = digits(&case.raw);
                        let written = digits.strip_prefix(&code.to_string()).unwrap_or(&digits);
                        by_code(code).iter().any(|plan| {
                            plan.matches_only_a_prefix(n.as_bytes())
                                || plan.matches_only_a_prefix(written.as_bytes())
                        })
                    })
            },
        },
        Rule {
            name: "number dialled with an international prefix",
            reason: "phonenumber 0.3.10 refuses some numbers written with the reading region's \
                     international prefix (AU's 0011, TT's 011) that libphonenumber reads as the \
                     international number after the prefix; ours is exactly +code and the rest",
            covers: |case, old, new| {
                let digits = digits(&case.raw);
                let reading = case.region.and_then(|r| r.numbering_plan());
                old == &Err(PhoneError::Invalid)
                    && ok(new).is_some_and(|(code, n)| {
                        reading.and_then(|plan| plan.international_prefix).and_then(|idd| {
                            looking_at(idd, digits.as_bytes())
                        }).is_some_and(|end| digits[end..] == format!("{code}{n}"))
                    })
            },
        },
        Rule {
            name: "type of a number with a leading zero",
            reason: "phonenumber 0.3.10 types a number without its leading zeros (so Benin's, \
                     Côte d'Ivoire's and Italy's are of no type); libphonenumber with them",
            covers: |_, old, new| {
                matches!((old, new), (Ok((a, _)), Ok((b, _))) if a == b)
                    && ok(new).is_some_and(|(_, n)| n.starts_with('0'))
            },
        },
    ]
}

/// The input without its punctuation: the digits, after a `+` if it had one.
fn compact(case: &Case) -> Case {
    let plus = case.raw.trim_start().starts_with('+');
    let raw = format!("{}{}", if plus { "+" } else { "" }, digits(&case.raw));
    Case {
        raw,
        region: case.region,
    }
}

fn classify(case: &Case) -> Option<&'static str> {
    let (old, new) = (old(&case.raw, case.region), new(&case.raw, case.region));
    if old == new {
        return None;
    }
    rules()
        .into_iter()
        .find(|r| (r.covers)(case, &old, &new))
        .map(|r| r.name)
}

struct Summary {
    compared: usize,
    agreed: usize,
    classes: BTreeMap<&'static str, usize>,
    unclassified: Vec<String>,
}

fn compare(cases: &[Case]) -> Summary {
    let rules = rules();
    let mut summary = Summary {
        compared: 0,
        agreed: 0,
        classes: BTreeMap::new(),
        unclassified: Vec::new(),
    };
    for case in cases {
        let (old, new) = (old(&case.raw, case.region), new(&case.raw, case.region));
        summary.compared += 1;
        if old == new {
            summary.agreed += 1;
            continue;
        }
        match rules.iter().find(|r| (r.covers)(case, &old, &new)) {
            Some(rule) => *summary.classes.entry(rule.name).or_default() += 1,
            None => summary.unclassified.push(format!(
                "{:?} in {:?}: phonenumber {old:?}, ours {new:?}",
                case.raw, case.region
            )),
        }
    }
    summary
}

fn report(summary: &Summary) {
    println!(
        "phone-diff: {} inputs compared, {} agree, {} differ",
        summary.compared,
        summary.agreed,
        summary.compared - summary.agreed
    );
    let rules = rules();
    for (name, count) in &summary.classes {
        let reason = rules
            .iter()
            .find(|r| r.name == *name)
            .map_or("", |r| r.reason);
        println!("  {count:>6}  {name}: {reason}");
    }
    for line in summary
        .unclassified
        .iter()
        .take(std::env::var("DIFF_SHOW").map_or(40, |v| v.parse().unwrap()))
    {
        println!("  UNCLASSIFIED {line}");
    }
    assert!(
        summary.unclassified.is_empty(),
        "{} unclassified differences",
        summary.unclassified.len()
    );
}

#[test]
fn agrees_with_phonenumber_on_a_sample_but_for_classified_differences() {
    let metas = regions();
    let mut cases = example_cases(&metas);
    cases.extend(variations(&metas, 3_000, 23));
    report(&compare(&cases));
}

/// Writes this module's answers, one JSON line per input (`raw`; `region`: an ISO code, `+code`
/// or null; `phone`, `mobile`: `{"ok": e164}` or `{"err": code}`), for a comparison with another
/// implementation (Google's, docs/performance.md). The inputs are the full set, or JSON lines of
/// `raw` and `region` from `$PHONE_DIFF_INPUTS`.
fn dump(cases: &[Case], path: &str) {
    use crate::domain::Violation;
    use std::io::Write;
    let answer = |result: Result<String, PhoneError>| match result {
        Ok(e164) => serde_json::json!({ "ok": e164 }),
        Err(e) => serde_json::json!({ "err": e.code() }),
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for case in cases {
        let name = case.region.map(|r| match r {
            PhoneRegion::Country(c) => c.alpha2().to_string(),
            PhoneRegion::CallingCode(code) => code.to_string(),
        });
        let (raw, region) = (&case.raw, case.region);
        let line = serde_json::json!({
            "raw": raw,
            "region": name,
            "phone": answer(Phone::parse(raw, region).map(|p| p.as_str().to_string())),
            "mobile": answer(Mobile::parse(raw, region).map(|m| m.as_str().to_string())),
        });
        writeln!(out, "{line}").unwrap();
    }
}

fn read_cases(path: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines = text.lines().filter(|l| !l.trim().is_empty());
    let region = |r: &str| match r.strip_prefix('+') {
        Some(_) => PhoneRegion::CallingCode(CallingCode::parse(r).unwrap()),
        None => PhoneRegion::Country(CountryCode::parse(r).unwrap()),
    };
    lines
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            Case {
                raw: v["raw"].as_str().unwrap().to_string(),
                region: v["region"].as_str().map(region),
            }
        })
        .collect()
}

/// `PHONE_DIFF_DUMP=target/phone-answers.jsonl make phone-diff` (and `PHONE_DIFF_INPUTS=...`
/// for other inputs): see [`dump`]. Does nothing without `PHONE_DIFF_DUMP`.
#[test]
#[ignore = "writes a file: run by `make phone-diff` with PHONE_DIFF_DUMP"]
fn writes_answers_for_a_comparison_with_other_implementations() {
    let Ok(path) = std::env::var("PHONE_DIFF_DUMP") else {
        return;
    };
    let cases = match std::env::var("PHONE_DIFF_INPUTS") {
        Ok(inputs) => read_cases(&inputs),
        Err(_) => full_set(),
    };
    dump(&cases, &path);
}

fn full_set() -> Vec<Case> {
    let metas = regions();
    let mut cases = example_cases(&metas);
    cases.extend(variations(&metas, 100_000, 2023));
    cases
}

/// `make phone-diff`: every example, and 100,000 variations.
#[test]
#[ignore = "about a minute in debug: run by `make phone-diff`"]
fn agrees_with_phonenumber_on_the_full_set_but_for_classified_differences() {
    report(&compare(&full_set()));
}
