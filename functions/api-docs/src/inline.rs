//! Whether a file can be pasted between `<script>` and `</script>` (or `<style>` and
//! `</style>`) and still end where the page ends it, with the text the browser hashes being the
//! text build.rs hashed. build.rs refuses to build a page where it cannot; the module is compiled
//! into the library only for its tests.

/// The element a file is inlined in.
#[derive(Clone, Copy)]
pub enum Element {
    Script,
    Style,
}

/// Why the HTML parser would not end the element at the page's own closing tag, or would hand
/// the policy check other text than the file's.
pub fn closing_hazard(element: Element, content: &str) -> Option<&'static str> {
    // The parser's input preprocessing turns CR and CR LF into LF, and a NUL in script or style
    // text into U+FFFD, before the browser hashes the element: the page's own policy would then
    // refuse it, and a test recomputing the hash from the served bytes would not notice.
    if content.contains('\r') {
        return Some("it holds a carriage return, which the browser hashes as a line feed");
    }
    if content.contains('\0') {
        return Some("it holds a NUL, which the browser hashes as U+FFFD");
    }
    let lower = content.to_ascii_lowercase();
    match element {
        // A style is raw text: it ends at the first `</style`, whatever surrounds it.
        Element::Style => lower
            .contains("</style")
            .then_some("it holds `</style`, which would end the element early"),
        Element::Script if lower.contains("</script") => {
            Some("it holds `</script`, which would end the element early")
        }
        Element::Script if ends_double_escaped(lower.as_bytes()) => Some(
            "it leaves a `<!--` ... `<script` open (no `-->` after), so the page's `</script>` \
             would not end the element",
        ),
        Element::Script => None,
    }
}

/// Follows the parser's script-data states (HTML's tokenizer, 13.2.5.4 onwards) as far as they
/// matter here: `<!--` escapes, a `<script` inside an escape "double-escapes", and only `-->`
/// leaves either (a `</script` would too, and is refused on its own). Any `<script`, whatever
/// follows it, counts as one, which can only refuse more than the parser would.
fn ends_double_escaped(lower: &[u8]) -> bool {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let mut state = State::Data;
    let mut at = 0;
    while at < lower.len() {
        let rest = &lower[at..];
        match state {
            // Past `<!` only: the dashes of `<!-->` also close it.
            State::Data if rest.starts_with(b"<!--") => {
                state = State::Escaped;
                at += 2;
                continue;
            }
            State::Escaped | State::DoubleEscaped if rest.starts_with(b"-->") => {
                state = State::Data;
                at += 3;
                continue;
            }
            State::Escaped if rest.starts_with(b"<script") => {
                state = State::DoubleEscaped;
                at += 7;
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    state == State::DoubleEscaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_without_markup_fits() {
        assert_eq!(closing_hazard(Element::Script, "let a = b < c;"), None);
        assert_eq!(closing_hazard(Element::Style, "a > b { color: red }"), None);
    }

    #[test]
    fn a_closing_tag_in_any_case_is_refused() {
        assert!(closing_hazard(Element::Script, "s = '</SCRIPT>'").is_some());
        assert!(closing_hazard(Element::Style, "/* </Style */").is_some());
        // Each element ends only at its own tag.
        assert_eq!(closing_hazard(Element::Style, "/* </script> */"), None);
        assert_eq!(closing_hazard(Element::Script, "s = '</style>'"), None);
    }

    #[test]
    fn a_comment_opener_followed_by_a_script_tag_is_refused_unless_closed() {
        assert!(closing_hazard(Element::Script, "s = '<!-- <script>'").is_some());
        assert!(closing_hazard(Element::Script, "s = '<!--'; t = '<SCRIPT '").is_some());
        assert_eq!(
            closing_hazard(Element::Script, "s = '<!-- <script> -->'"),
            None
        );
        // Closed before the tag: the tag is plain script text.
        assert_eq!(
            closing_hazard(Element::Script, "s = '<!-->'; t = '<script>'"),
            None
        );
        assert_eq!(
            closing_hazard(Element::Script, "s = '<!-- -->'; t = '<script>'"),
            None
        );
        // A tag before any opener never escapes.
        assert_eq!(
            closing_hazard(Element::Script, "t = '<script>'; s = '<!--'"),
            None
        );
        // Reopened after closing.
        assert!(closing_hazard(Element::Script, "'<!-- -->' + '<!--' + '<script'").is_some());
    }

    #[test]
    fn text_the_parser_rewrites_before_hashing_is_refused() {
        for element in [Element::Script, Element::Style] {
            assert!(closing_hazard(element, "a;\r\nb;").is_some());
            assert!(closing_hazard(element, "a;\rb;").is_some());
            assert!(closing_hazard(element, "s = '\0'").is_some());
            assert_eq!(closing_hazard(element, "a;\nb;\t"), None);
        }
    }

    #[test]
    fn text_outside_ascii_is_read_byte_by_byte() {
        assert_eq!(
            closing_hazard(Element::Script, "s = 'é<!--ü-->'; '<script'"),
            None
        );
        assert!(closing_hazard(Element::Script, "s = 'é<!--ü<script'").is_some());
    }
}
