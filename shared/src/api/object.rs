use super::{Pointer, Report};
use crate::domain::{TextError, Violation};
use serde_json::{Map, Value};

/// Reads the members of one JSON object, reporting wrong types and unknown members.
/// JSON `null` counts as absent: clients serialise empty optionals that way.
pub(crate) struct Object<'a> {
    map: &'a Map<String, Value>,
    at: Pointer,
}

impl<'a> Object<'a> {
    /// Every member not in `known` is reported as `unknown_field`, so that a typo never
    /// silently drops data.
    pub fn new(
        map: &'a Map<String, Value>,
        at: Pointer,
        known: &[&str],
        report: &mut Report,
    ) -> Self {
        for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
            report.error(
                &at.key(key),
                "unknown_field",
                "is not a field of this object",
            );
        }
        Self { map, at }
    }

    /// Reads `value` as an object; a wrong type is reported at `at`.
    pub fn of(value: &'a Value, at: Pointer, known: &[&str], report: &mut Report) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Self::new(map, at, known, report)),
            _ => {
                report.error(&at, "invalid_type", "must be an object");
                None
            }
        }
    }

    pub fn at(&self, key: &str) -> Pointer {
        self.at.key(key)
    }

    pub fn present(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    pub fn value(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn str(&self, key: &str, report: &mut Report) -> Option<&'a str> {
        match self.value(key)? {
            Value::String(s) => Some(s),
            _ => {
                report.error(&self.at(key), "invalid_type", "must be a string");
                None
            }
        }
    }

    /// A required string: absence is reported as `required`.
    pub fn required_str(&self, key: &str, report: &mut Report) -> Option<&'a str> {
        if !self.present(key) {
            report.error(&self.at(key), "required", "is required");
            return None;
        }
        self.str(key, report)
    }

    /// A string, or a number written without quotes (house numbers, zip codes).
    pub fn str_or_number(&self, key: &str, report: &mut Report) -> Option<String> {
        match self.value(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => {
                report.error(&self.at(key), "invalid_type", "must be a string");
                None
            }
        }
    }

    /// A string member turned into a domain value by `parse`; its errors are reported at the
    /// member's pointer. Absent (or `null`): `None`, no error.
    pub fn parse<T, E: Violation>(
        &self,
        key: &str,
        report: &mut Report,
        parse: impl FnOnce(&'a str) -> Result<T, E>,
    ) -> Option<T> {
        let raw = self.str(key, report)?;
        self.check(key, parse(raw), report)
    }

    /// The value of a member's parse, or its error reported at the member's pointer (built
    /// only then: most members of most requests are valid).
    pub fn check<T, E: Violation>(
        &self,
        key: &str,
        result: Result<T, E>,
        report: &mut Report,
    ) -> Option<T> {
        result.map_err(|e| report.violation(&self.at(key), &e)).ok()
    }

    /// As [`Object::parse`], and absence is reported as `required`.
    pub fn parse_required<T, E: Violation>(
        &self,
        key: &str,
        report: &mut Report,
        parse: impl FnOnce(&'a str) -> Result<T, E>,
    ) -> Option<T> {
        let raw = self.required_str(key, report)?;
        self.check(key, parse(raw), report)
    }

    pub fn bool(&self, key: &str, report: &mut Report) -> Option<bool> {
        match self.value(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                report.error(&self.at(key), "invalid_type", "must be a boolean");
                None
            }
        }
    }

    pub fn array(&self, key: &str, report: &mut Report) -> Option<&'a Vec<Value>> {
        match self.value(key)? {
            Value::Array(items) => Some(items),
            _ => {
                report.error(&self.at(key), "invalid_type", "must be an array");
                None
            }
        }
    }

    pub fn object(&self, key: &str, report: &mut Report) -> Option<&'a Map<String, Value>> {
        match self.value(key)? {
            Value::Object(map) => Some(map),
            _ => {
                report.error(&self.at(key), "invalid_type", "must be an object");
                None
            }
        }
    }
}

/// Optional free text: blank counts as absent, since forms submit empty inputs as `""`.
pub(crate) fn optional_text<T: TextParse>(obj: &Object, key: &str, r: &mut Report) -> Option<T> {
    match T::parse_text(obj.str(key, r)?) {
        Ok(text) => Some(text),
        Err(TextError::Empty) => None,
        Err(e) => {
            r.violation(&obj.at(key), &e);
            None
        }
    }
}

pub(crate) trait TextParse: Sized {
    fn parse_text(raw: &str) -> Result<Self, TextError>;
}

impl<const MAX: usize, const MULTILINE: bool> TextParse for crate::domain::Text<MAX, MULTILINE> {
    fn parse_text(raw: &str) -> Result<Self, TextError> {
        Self::parse(raw)
    }
}
