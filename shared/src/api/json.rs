//! Request bodies as I-JSON (RFC 7493). A member name twice in one object, or a number that
//! would not come back as it was sent, is refused on its pointer instead of being resolved
//! silently (the last member winning, digits rounded away): a gateway, WAF or audit log that
//! reads the same bytes must see the request that is stored. One pass, no intermediate tree.

use super::{FieldError, Pointer, ValidationErrors};
use jiter::{Jiter, JiterError, Peek};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// Deeper bodies are no customer; serde_json stops at 128, we stop sooner.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON at all; the message has a line and column and never quotes the input.
    Syntax(String),
    /// JSON, but not I-JSON: every duplicate member and inexact number, on its pointer.
    Invalid(ValidationErrors),
}

pub fn parse_strict(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut parser = Parser {
        jiter: Jiter::new(bytes),
        errors: Vec::new(),
    };
    let value = parser
        .document()
        .map_err(|stop| JsonError::Syntax(stop.describe(&parser.jiter)))?;
    if parser.errors.is_empty() {
        Ok(value)
    } else {
        Err(JsonError::Invalid(ValidationErrors(parser.errors)))
    }
}

/// Where a value is, as a chain up to the body: built into a pointer only for an error.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Member(&'a Path<'a>, &'a str),
    Element(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn pointer(&self) -> Pointer {
        match self {
            Path::Root => Pointer::root(),
            Path::Member(parent, name) => parent.pointer().key(name),
            Path::Element(parent, index) => parent.pointer().index(*index),
        }
    }
}

enum Stop {
    Syntax(JiterError),
    TooDeep,
}

impl From<JiterError> for Stop {
    fn from(error: JiterError) -> Self {
        Stop::Syntax(error)
    }
}

impl Stop {
    fn describe(&self, jiter: &Jiter) -> String {
        match self {
            Stop::Syntax(error) => {
                format!("The body is not valid JSON: {}.", error.description(jiter))
            }
            Stop::TooDeep => format!("The body nests deeper than {MAX_DEPTH} levels."),
        }
    }
}

struct Parser<'j> {
    jiter: Jiter<'j>,
    errors: Vec<FieldError>,
}

impl Parser<'_> {
    fn document(&mut self) -> Result<Value, Stop> {
        let peek = self.jiter.peek()?;
        let value = self.value(peek, &Path::Root, 0)?;
        self.jiter.finish()?;
        Ok(value)
    }

    fn value(&mut self, peek: Peek, at: &Path, depth: usize) -> Result<Value, Stop> {
        Ok(match peek {
            Peek::Null => {
                self.jiter.known_null()?;
                Value::Null
            }
            Peek::True | Peek::False => Value::Bool(self.jiter.known_bool(peek)?),
            Peek::String => Value::String(self.jiter.known_str()?.to_owned()),
            Peek::Array => self.array(at, depth + 1)?,
            Peek::Object => self.object(at, depth + 1)?,
            _ => {
                let raw = self.jiter.known_number_bytes(peek)?;
                match exact_number(raw) {
                    Some(number) => Value::Number(number),
                    None => {
                        self.refuse(at, "number_out_of_range", NUMBER_RULE);
                        Value::Null
                    }
                }
            }
        })
    }

    fn array(&mut self, at: &Path, depth: usize) -> Result<Value, Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        let mut elements = Vec::new();
        let mut next = self.jiter.known_array()?;
        while let Some(peek) = next {
            let element = self.value(peek, &Path::Element(at, elements.len()), depth)?;
            elements.push(element);
            next = self.jiter.array_step()?;
        }
        Ok(Value::Array(elements))
    }

    fn object(&mut self, at: &Path, depth: usize) -> Result<Value, Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        let mut members = Map::new();
        let mut next = self.jiter.known_object()?.map(str::to_owned);
        while let Some(name) = next {
            let peek = self.jiter.peek()?;
            let value = self.value(peek, &Path::Member(at, &name), depth)?;
            // One lookup finds a repeated name and the place of a new one.
            match members.entry(name) {
                Entry::Vacant(place) => {
                    place.insert(value);
                }
                Entry::Occupied(taken) => {
                    let member = Path::Member(at, taken.key());
                    self.refuse(&member, "duplicate_member", DUPLICATE_RULE);
                }
            }
            next = self.jiter.next_key()?.map(str::to_owned);
        }
        Ok(Value::Object(members))
    }

    fn refuse(&mut self, at: &Path, code: &'static str, message: &str) {
        let field = at.pointer().to_string();
        // One report per place: a member repeated three times is one mistake.
        if !self
            .errors
            .iter()
            .any(|e| e.field == field && e.code == code)
        {
            self.errors.push(FieldError {
                field,
                code,
                message: message.to_owned(),
            });
        }
    }
}

const DUPLICATE_RULE: &str =
    "appears more than once in its object; send each member once (RFC 7493 I-JSON)";
const NUMBER_RULE: &str = "cannot be kept exactly: integers must fit in 64 bits \
    (-9223372036854775808 to 18446744073709551615) and other numbers in a 64-bit float \
    without rounding (at most 17 significant digits)";

/// The number the JSON text `raw` denotes, if it can be kept and sent back without change:
/// an integer of 64 bits, or a number whose 64-bit float is the same decimal (`1.50` and
/// `1.5`, `1e2` and `100.0` are; `0.12345678901234567890` and `1e400` are not).
fn exact_number(raw: &[u8]) -> Option<Number> {
    let text = std::str::from_utf8(raw).ok()?;
    if !text.contains(['.', 'e', 'E']) {
        return match text.parse::<i64>() {
            Ok(integer) => Some(integer.into()),
            Err(_) => text.parse::<u64>().ok().map(Number::from),
        };
    }
    let number = Number::from_f64(text.parse::<f64>().ok()?)?;
    (Decimal::parse(text)? == Decimal::parse(&number.to_string())?).then_some(number)
}

/// A decimal in a canonical form, to compare two spellings of a number: its sign, its
/// significant digits without leading or trailing zeros, and where the decimal point goes.
#[derive(PartialEq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    point: i64,
}

impl Decimal {
    fn parse(text: &str) -> Option<Self> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, exponent.parse::<i64>().ok()?),
            None => (unsigned, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all = whole.bytes().chain(fraction.bytes());
        let leading = all.clone().take_while(|&d| d == b'0').count();
        let mut digits: Vec<u8> = all.skip(leading).collect();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            // Zero: its sign and exponent say nothing a client could lose.
            return Some(Self {
                negative: false,
                digits,
                point: 0,
            });
        }
        let whole_len = i64::try_from(whole.len()).ok()?;
        let leading = i64::try_from(leading).ok()?;
        Some(Self {
            negative,
            digits,
            point: whole_len.checked_add(exponent)?.checked_sub(leading)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(body: &str) -> Vec<(String, &'static str)> {
        match parse_strict(body.as_bytes()) {
            Err(JsonError::Invalid(errors)) => {
                errors.0.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("{body}: {other:?}"),
        }
    }

    fn field(pointer: &str, code: &'static str) -> Vec<(String, &'static str)> {
        vec![(pointer.to_owned(), code)]
    }

    #[test]
    fn a_body_parses_as_serde_json_would() {
        let body =
            r#"{"a": [1, -2, 2.5, "x\u00e9", true, null, {"b": {}}], "c": 18446744073709551615}"#;
        assert_eq!(
            parse_strict(body.as_bytes()),
            Ok(serde_json::from_str::<Value>(body).unwrap())
        );
    }

    #[test]
    fn duplicate_members_are_refused_at_any_depth() {
        assert_eq!(
            refused(r#"{"first_name":"A","first_name":"B"}"#),
            field("/first_name", "duplicate_member")
        );
        assert_eq!(
            refused(r#"{"addresses":[{},{"city":"A","city":"A"}]}"#),
            field("/addresses/1/city", "duplicate_member")
        );
        assert_eq!(
            refused(r#"{"metadata":{"a/b~":1,"a/b~":2,"a/b~":3}}"#),
            field("/metadata/a~1b~0", "duplicate_member")
        );
        // Names are compared after unescaping: these are one name.
        assert_eq!(
            refused(r#"{"a":1,"\u0061":2}"#),
            field("/a", "duplicate_member")
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        assert_eq!(
            refused(r#"{"a":1,"a":2,"m":{"n":-9223372036854775809,"o":1e400}}"#),
            vec![
                ("/a".to_owned(), "duplicate_member"),
                ("/m/n".to_owned(), "number_out_of_range"),
                ("/m/o".to_owned(), "number_out_of_range"),
            ]
        );
    }

    #[test]
    fn numbers_are_kept_exactly_or_refused() {
        for (text, kept) in [
            ("9007199254740993", json!(9007199254740993_i64)),
            ("12345678901234567890", json!(12345678901234567890_u64)),
            ("-9223372036854775808", json!(i64::MIN)),
            ("18446744073709551615", json!(u64::MAX)),
            ("-0", json!(0)),
            ("1.50", json!(1.5)),
            ("1e2", json!(100.0)),
            ("0.1", json!(0.1)),
            ("-2.5E-3", json!(-0.0025)),
            ("0.0", json!(0.0)),
            ("1.7976931348623157e308", json!(f64::MAX)),
        ] {
            assert_eq!(
                parse_strict(format!("[{text}]").as_bytes()),
                Ok(json!([kept])),
                "{text}"
            );
        }
        for text in [
            "-9223372036854775809",
            "18446744073709551616",
            "123456789012345678901234567890",
            "0.12345678901234567890",
            "9007199254740993.0",
            "1e400",
            "-1e400",
            "1e-400",
            "1e99999999999999999999",
        ] {
            assert_eq!(
                refused(&format!("{{\"n\":{text}}}")),
                field("/n", "number_out_of_range"),
                "{text}"
            );
        }
    }

    #[test]
    fn syntax_errors_say_where_and_never_quote_the_body() {
        for (body, expected) in [
            ("", "EOF while parsing a value at line 1 column 0"),
            (
                r#"{"a":"secret"#,
                "EOF while parsing a string at line 1 column 12",
            ),
            (r#"{"a":1} x"#, "trailing characters at line 1 column 9"),
            (r#"{"a":"\ud800"}"#, "at line 1 column"),
            ("[NaN]", "expected value at line 1 column 2"),
        ] {
            let Err(JsonError::Syntax(message)) = parse_strict(body.as_bytes()) else {
                panic!("{body}");
            };
            assert!(message.contains(expected), "{body}: {message}");
            assert!(!message.contains("secret"));
        }
        assert!(matches!(
            parse_strict(b"{\"a\":\"\xff\"}"),
            Err(JsonError::Syntax(_))
        ));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse_strict(deep(MAX_DEPTH).as_bytes()).is_ok());
        assert_eq!(
            parse_strict(deep(MAX_DEPTH + 1).as_bytes()),
            Err(JsonError::Syntax(format!(
                "The body nests deeper than {MAX_DEPTH} levels."
            )))
        );
        // Far beyond any stack: refused, not overflowed.
        assert!(parse_strict(deep(100_000).as_bytes()).is_err());
    }
}
