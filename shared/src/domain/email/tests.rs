use super::*;
use crate::domain::{Claim, SourceIdentifiers, UniqueField};
use proptest::prelude::*;
use unicode_normalization::{is_nfc, UnicodeNormalization};

/// The claims of an account that lists the address `raw`.
fn claims(raw: &str) -> Vec<Claim> {
    SourceIdentifiers {
        email: Some(Email::parse(raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"))),
        ..SourceIdentifiers::default()
    }
    .claims()
}

fn canonical(raw: &str) -> String {
    match Email::parse(raw) {
        Ok(email) => email.as_str().to_owned(),
        Err(e) => panic!("{raw:?}: {e}"),
    }
}

#[test]
fn lower_cases_and_trims() {
    assert_eq!(canonical("  Ann.Lee@Example.COM "), "ann.lee@example.com");
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
        "ann@exa_mple.com",
        "ann@example.com.",
        "ann@-example.com",
        "ann@example-.com",
        "ann@xn--a.com",
        "ann@ex\u{FFFD}ample.com",
        "ann@exam!ple.com",
        "ann.@example.com",
    ] {
        assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad:?}");
    }
}

#[test]
fn rejects_overlong_addresses() {
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
}

#[test]
fn the_length_limit_holds_for_the_canonical_form() {
    // About 200 characters as typed; as A-labels (each 14-character label takes 25) the
    // domain is within DNS's 253, but the address is longer than 254.
    let label = "\u{4E2D}\u{FC}".repeat(7);
    let domain = vec![label; 9].join(".") + ".de";
    let raw = format!("{}@{domain}", "a".repeat(64));
    assert!(raw.chars().count() <= MAX_LEN);
    assert_eq!(Email::parse(&raw), Err(EmailError::TooLong));
    assert!(Email::parse(&format!("a@{domain}")).is_ok());
}

/// Every class the issue names, and the joiners names may keep but an address may not.
const REFUSED: &[char] = &[
    '\u{0}',
    '\t',
    '\n',
    '\r',
    '\u{7F}',
    '\u{85}', // controls
    '\u{AD}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}', // soft hyphen, zero width
    '\u{2060}',
    '\u{2061}',
    '\u{2062}',
    '\u{2063}',
    '\u{2064}',
    '\u{FEFF}', // joiner, invisible ops, BOM
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}', // embeddings, overrides
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}', // isolates
    '\u{2028}',
    '\u{2029}', // line and paragraph separators
    '\u{A0}',
    '\u{2007}',
    '\u{202F}',
    '\u{3000}', // spaces other than ASCII's
    '\u{34F}',
    '\u{115F}',
    '\u{3164}',
    '\u{FFA0}', // grapheme joiner, Hangul fillers
    '\u{FE0F}',
    '\u{180B}',
    '\u{E0001}',
    '\u{E0100}', // selectors, tags
];

#[test]
fn invisible_and_control_characters_are_refused_anywhere_before_any_mapping() {
    for &c in REFUSED {
        for raw in [
            format!("{c}zed@example.com"),
            format!("ze{c}d@example.com"),
            format!("zed{c}@example.com"),
            format!("zed@ex{c}ample.com"),
            format!("zed@example.com{c}"),
            format!(" zed@example.com {c}"),
        ] {
            assert_eq!(
                Email::parse(&raw),
                Err(EmailError::InvalidCharacter(c)),
                "{raw:?}"
            );
        }
    }
}

#[test]
fn the_message_names_the_code_point_only() {
    let error = Email::parse("zed\u{202E}@example.com").unwrap_err();
    assert_eq!(
        error.to_string(),
        "must not contain U+202E: control, invisible and direction-changing characters are refused"
    );
    assert_eq!(super::super::Violation::code(&error), "invalid_character");
}

#[test]
fn composed_and_decomposed_spellings_are_one_address() {
    let composed = canonical("jos\u{E9}@example.com");
    assert_eq!(composed, canonical("jose\u{301}@example.com"));
    assert_eq!(composed, canonical("JOS\u{C9}@EXAMPLE.COM"));
    assert_eq!(composed, canonical("JOSE\u{301}@Example.Com"));
    assert_eq!(composed, "jos\u{E9}@example.com");
}

#[test]
fn lower_casing_that_decomposes_is_normalised_again() {
    // U+0130 lower-cases to i + U+0307, which has no composed form; U+212B (Angstrom sign) is
    // NFC U+00C5, lower case U+00E5.
    assert_eq!(canonical("\u{130}@example.com"), "i\u{307}@example.com");
    assert_eq!(canonical("\u{212B}@example.com"), "\u{E5}@example.com");
}

#[test]
fn a_letter_composed_only_in_lower_case_is_one_address_in_either_case() {
    // J + caron has no composed capital; lower-cased it composes to U+01F0.
    assert_eq!(canonical("J\u{30C}@example.com"), "\u{1F0}@example.com");
    assert_eq!(
        claims("J\u{30C}@example.com"),
        claims("\u{1F0}@example.com")
    );
}

#[test]
fn spellings_of_one_address_are_one_claim() {
    let one = claims("jos\u{E9}@b\u{FC}cher.de");
    assert_eq!(
        one,
        [Claim::new(UniqueField::Email, "jos\u{E9}@xn--bcher-kva.de")]
    );
    for raw in [
        "jose\u{301}@bu\u{308}cher.de",
        "JOS\u{C9}@B\u{DC}CHER.DE",
        " Jos\u{E9}@XN--BCHER-KVA.de ",
        "jos\u{E9}@b\u{FC}cher\u{3002}de",
    ] {
        assert_eq!(claims(raw), one, "{raw:?}");
    }
}

#[test]
fn full_width_letters_and_dots_in_the_domain_are_the_ascii_domain() {
    for raw in [
        "zed@\u{FF45}\u{FF58}\u{FF41}\u{FF4D}\u{FF50}\u{FF4C}\u{FF45}.com",
        "zed@EXAMPLE\u{FF0E}COM",
        "zed@example\u{3002}com",
    ] {
        assert_eq!(canonical(raw), "zed@example.com", "{raw:?}");
    }
}

#[test]
fn u_label_and_a_label_spellings_are_one_domain_stored_as_the_a_label() {
    let a_label = canonical("ann@xn--bcher-kva.de");
    assert_eq!(a_label, "ann@xn--bcher-kva.de");
    for raw in [
        "ann@b\u{FC}cher.de",
        "ann@bu\u{308}cher.de",
        "ann@B\u{DC}CHER.DE",
        "ann@XN--BCHER-KVA.DE",
    ] {
        assert_eq!(canonical(raw), a_label, "{raw:?}");
    }
}

#[test]
fn homographs_stay_distinct_domains() {
    // A Cyrillic a (U+0430) is another domain, shown as its A-label: a reader sees the difference.
    let cyrillic = canonical("zed@ex\u{430}mple.com");
    assert_ne!(cyrillic, canonical("zed@example.com"));
    assert!(cyrillic.starts_with("zed@xn--"), "{cyrillic}");
}

#[test]
fn deviation_characters_are_kept_non_transitionally() {
    // Under the old (transitional) processing ß became ss: two registrable domains as one.
    assert_eq!(canonical("ann@stra\u{DF}e.de"), "ann@xn--strae-oqa.de");
    assert_ne!(canonical("ann@stra\u{DF}e.de"), canonical("ann@strasse.de"));
}

#[test]
fn the_local_part_folds_only_case_and_composition() {
    // Width is the mailbox's business: a full-width local part is another mailbox.
    assert_ne!(
        canonical("\u{FF4A}\u{FF4F}@example.com"),
        canonical("jo@example.com")
    );
    assert_eq!(
        canonical("\"Ann Lee\"@Example.com"),
        "\"ann lee\"@example.com"
    );
}

#[test]
fn a_stored_address_is_restored_as_it_was_kept() {
    // The previous form: lower case only, decomposed, the domain's U-label.
    let old = "jose\u{301}@b\u{FC}cher.de";
    assert_eq!(Email::restore(old.to_owned()).as_str(), old);
}

/// Pieces of addresses a person might type, or paste: ASCII of both cases, composed and
/// decomposed letters, letters whose case mapping is special, full-width forms, homographs.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Z0-9]{1,4}",
        2 => prop::sample::select(vec![
            "\u{E9}", "E\u{301}", "\u{C9}", "\u{FC}", "u\u{308}", "\u{DF}", "\u{130}", "\u{3A3}",
            "\u{3C2}", "\u{212B}", "\u{1E9E}", "\u{430}", "\u{FF21}", "\u{FF45}", "\u{FF11}",
            "n\u{303}", "\u{1F1}", "\u{FB01}", "\u{5D0}", "\u{627}", "\u{4E2D}",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{1,3}",
    ]
}

fn label() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 1..4).prop_map(|pieces| pieces.concat())
}

fn address() -> impl Strategy<Value = String> {
    let local = prop::collection::vec(
        prop_oneof![4 => piece(), 1 => prop::sample::select(vec![".", "+", "-", "_"]).prop_map(str::to_owned)],
        1..6,
    )
    .prop_map(|pieces| pieces.concat());
    let dot = prop::sample::select(vec![".", ".", ".", "\u{3002}", "\u{FF0E}"]);
    let domain =
        (prop::collection::vec((label(), dot), 1..3), label()).prop_map(|(labels, tld)| {
            let mut domain: String = labels.into_iter().map(|(l, d)| format!("{l}{d}")).collect();
            domain.push_str(&tld);
            domain
        });
    (local, domain).prop_map(|(local, domain)| format!("{local}@{domain}"))
}

proptest! {
    #[test]
    fn canonicalisation_is_idempotent(raw in address()) {
        if let Ok(email) = Email::parse(&raw) {
            let stored = email.as_str();
            prop_assert_eq!(Email::parse(stored), Ok(email.clone()), "{:?}", raw);
            let (local, domain) = stored.rsplit_once('@').unwrap_or_default();
            prop_assert!(is_nfc(local) && local.to_lowercase() == local, "{:?}", stored);
            prop_assert!(domain.is_ascii() && domain.to_ascii_lowercase() == domain, "{:?}", stored);
            // Any canonically equivalent spelling is the same address.
            let decomposed: String = raw.nfd().collect();
            prop_assert_eq!(Email::parse(&decomposed), Ok(email), "{:?}", raw);
        }
    }

    #[test]
    fn any_string_is_parsed_or_refused_without_panicking(raw in "\\PC{0,40}|.{0,40}") {
        if let Ok(email) = Email::parse(&raw) {
            prop_assert_eq!(Email::parse(email.as_str()), Ok(email));
        }
    }
}
