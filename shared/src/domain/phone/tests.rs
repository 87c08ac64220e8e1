//! Unit tests of the phone types; `diff` compares them with `phonenumber` 0.3.10.

mod diff;

use super::*;

fn sa() -> Option<PhoneRegion> {
    Some(PhoneRegion::Country(CountryCode::parse("SA").unwrap()))
}

#[test]
fn spellings_of_one_mobile_are_one_claim() {
    use crate::domain::{Claim, SourceIdentifiers, UniqueField};
    let claims = |raw: &str, region: Option<PhoneRegion>| {
        SourceIdentifiers {
            mobile: Some(Mobile::parse(raw, region).unwrap_or_else(|e| panic!("{raw:?}: {e:?}"))),
            ..SourceIdentifiers::default()
        }
        .claims()
    };
    let gb = Some(PhoneRegion::Country(CountryCode::parse("GB").unwrap()));
    let plus44 = Some(PhoneRegion::CallingCode(CallingCode::parse("+44").unwrap()));
    let one = claims("+44 7400 123456", None);
    assert_eq!(one, [Claim::new(UniqueField::Mobile, "+447400123456")]);
    for (raw, region) in [
        ("07400123456", gb),
        ("07400 123 456", gb),
        ("(07400) 123-456", plus44),
        ("7400123456", gb),
        ("+447400123456", gb),
        (" +44 (0) 7400 123456 ", None),
    ] {
        assert_eq!(claims(raw, region), one, "{raw:?}");
    }
}

#[test]
fn numbers_whose_national_part_starts_with_zero_are_checked_with_it() {
    // Rome: a landline whose national number keeps its leading zero in E.164.
    assert_eq!(
        Phone::parse("+39 06 6988 0000", None).unwrap().as_str(),
        "+390669880000"
    );
    assert_eq!(
        Mobile::parse("+39 06 6988 0000", None),
        Err(PhoneError::NotAMobile)
    );
    assert_eq!(
        Mobile::parse("+39 312 345 6789", None).unwrap().as_str(),
        "+393123456789"
    );
}

#[test]
fn e164_input_is_kept() {
    assert_eq!(
        Mobile::parse("+19203751411", None).unwrap().as_str(),
        "+19203751411"
    );
}

#[test]
fn national_number_with_trunk_zero_and_country() {
    assert_eq!(
        Mobile::parse("0512345678", sa()).unwrap().as_str(),
        "+966512345678"
    );
    assert_eq!(
        Mobile::parse("512345678", sa()).unwrap().as_str(),
        "+966512345678"
    );
}

#[test]
fn national_number_with_calling_code() {
    let code = Some(PhoneRegion::CallingCode(
        CallingCode::parse("+966").unwrap(),
    ));
    assert_eq!(
        Mobile::parse("0512345678", code).unwrap().as_str(),
        "+966512345678"
    );
    let us = Some(PhoneRegion::CallingCode(CallingCode::parse("+1").unwrap()));
    assert_eq!(
        Mobile::parse("(920) 375-1411", us).unwrap().as_str(),
        "+19203751411"
    );
}

#[test]
fn formatting_characters_are_ignored() {
    assert_eq!(
        Mobile::parse("+966 51 234 5678", None).unwrap().as_str(),
        "+966512345678"
    );
}

#[test]
fn national_number_without_region_needs_a_country() {
    assert_eq!(
        Mobile::parse("0512345678", None),
        Err(PhoneError::CountryRequired)
    );
}

#[test]
fn landline_is_not_a_mobile() {
    // Riyadh landline.
    assert_eq!(
        Mobile::parse("+966112345678", None),
        Err(PhoneError::NotAMobile)
    );
    assert!(Phone::parse("+966112345678", None).is_ok());
}

#[test]
fn invalid_numbers() {
    for bad in [
        "+1",
        "+999123456",
        "hello",
        "+9661234",
        "+19203751411 ext. 12",
    ] {
        assert_eq!(Mobile::parse(bad, None), Err(PhoneError::Invalid), "{bad}");
    }
    assert_eq!(
        Mobile::parse(&"1".repeat(40), sa()),
        Err(PhoneError::Invalid)
    );
    // Too long in any script: refused on its length, before a digit is looked up.
    for long in ["\u{1D7FF}".repeat(33), "\u{0665}".repeat(100_000)] {
        assert_eq!(Mobile::parse(&long, sa()), Err(PhoneError::Invalid));
    }
}

#[test]
fn e164_number_contradicting_its_country_is_refused() {
    assert_eq!(
        Mobile::parse("+19203751411", sa()),
        Err(PhoneError::ConflictingCountry)
    );
}

#[test]
fn calling_codes() {
    assert_eq!(CallingCode::parse("+966").unwrap().value(), 966);
    assert_eq!(CallingCode::parse("44").unwrap().value(), 44);
    for bad in ["", "+", "+0", "+999", "+1234", "abc"] {
        assert_eq!(
            CallingCode::parse(bad),
            Err(PhoneError::InvalidCallingCode),
            "{bad}"
        );
    }
    assert_eq!(
        CallingCode::of(CountryCode::parse("SA").unwrap())
            .unwrap()
            .to_string(),
        "+966"
    );
}

/// Cases where Google's libphonenumber (`phonenumbers` 9.0.33) showed the first version wrong.
mod as_google_reads_them {
    use super::*;

    fn country(alpha2: &str) -> Option<PhoneRegion> {
        Some(PhoneRegion::Country(CountryCode::parse(alpha2).unwrap()))
    }

    #[test]
    fn a_bracketed_or_full_width_plus_carries_the_calling_code_and_can_conflict() {
        let plus966 = Some(PhoneRegion::CallingCode(
            CallingCode::parse("+966").unwrap(),
        ));
        for raw in [
            "(+44) 7400 123456",
            "\u{FF0B}44 7400 123456",
            "\u{FF08}\u{FF0B}44\u{FF09}7400 123456",
            "Tel. +44 7400 123456",
        ] {
            assert_eq!(
                Mobile::parse(raw, None).unwrap().as_str(),
                "+447400123456",
                "{raw:?}"
            );
            assert_eq!(
                Mobile::parse(raw, country("GB")).unwrap().as_str(),
                "+447400123456",
                "{raw:?}"
            );
            for other in [sa(), plus966] {
                assert_eq!(
                    Phone::parse(raw, other),
                    Err(PhoneError::ConflictingCountry),
                    "{raw:?} in {other:?}"
                );
            }
        }
    }

    #[test]
    fn a_plus_before_the_regions_international_prefix_is_read_in_the_region() {
        // libphonenumber reads the digits after an unknown `+0...` once more in the region.
        assert_eq!(
            Mobile::parse("+00 44 7400 123456", country("GB"))
                .unwrap()
                .as_str(),
            "+447400123456"
        );
        assert_eq!(
            Mobile::parse("+00 44 7400 123456", sa()),
            Err(PhoneError::ConflictingCountry)
        );
        assert_eq!(
            Mobile::parse("+00 44 7400 123456", None),
            Err(PhoneError::Invalid)
        );
    }

    #[test]
    fn an_extension_label_after_fewer_than_three_digits_is_punctuation() {
        assert_eq!(
            Mobile::parse("+44~7400123456", None).unwrap().as_str(),
            "+447400123456"
        );
        // After a viable number it is an extension, which this API refuses.
        assert_eq!(
            Mobile::parse("+44 7400 123456 ~12", None),
            Err(PhoneError::Invalid)
        );
    }

    #[test]
    fn digits_of_any_script_count_towards_the_three_digits_needed() {
        for raw in [
            "\u{660}\u{665}\u{661}\u{662}\u{663}\u{664}\u{665}\u{666}\u{667}\u{668}",
            "+\u{669}\u{666}\u{666}\u{665}\u{661}\u{662}\u{663}\u{664}\u{665}\u{666}\u{667}\u{668}",
        ] {
            assert_eq!(
                Mobile::parse(raw, sa()).unwrap().as_str(),
                "+966512345678",
                "{raw:?}"
            );
        }
    }
}
