//! Lambda's event filtering (`FilterCriteria`), the subset of its pattern syntax the template
//! uses: objects that nest, and arrays of exact strings. Any other construct (`prefix`,
//! `anything-but`, `exists`, numbers, null...) is refused when the template is read, so a
//! filter the local stack would apply differently from Lambda can never be written silently.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// Every member must be present and match.
    Object(BTreeMap<String, Node>),
    /// The value (or, for an array, one of its elements) is one of these strings.
    OneOf(Vec<String>),
}

/// One `Pattern` of `FilterCriteria.Filters`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(Node);

/// A mapping's filters: a record goes to the function when any of them matches; without
/// filters, every record does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters(Vec<Pattern>);

impl Filters {
    pub fn new(patterns: Vec<Pattern>) -> Self {
        Self(patterns)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn admit(&self, record: &Value) -> bool {
        self.0.is_empty() || self.0.iter().any(|pattern| pattern.matches(record))
    }
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text).context("a filter pattern is JSON")?;
        match value {
            Value::Object(members) => Ok(Self(object(&members, "")?)),
            other => bail!("a filter pattern is a JSON object, not {other}"),
        }
    }

    pub fn matches(&self, record: &Value) -> bool {
        node_matches(&self.0, record)
    }
}

fn object(members: &Map<String, Value>, path: &str) -> Result<Node> {
    if members.is_empty() {
        bail!("{}: an empty object matches nothing in Lambda", at(path));
    }
    let mut nodes = BTreeMap::new();
    for (name, value) in members {
        let path = format!("{path}/{name}");
        let node = match value {
            Value::Object(inner) => object(inner, &path)?,
            Value::Array(values) => one_of(values, &path)?,
            other => bail!("{path}: {other} is not a pattern; the values to match go in an array"),
        };
        nodes.insert(name.clone(), node);
    }
    Ok(Node::Object(nodes))
}

fn one_of(values: &[Value], path: &str) -> Result<Node> {
    if values.is_empty() {
        bail!("{path}: an empty array matches nothing");
    }
    values
        .iter()
        .map(|value| match value {
            Value::String(text) => Ok(text.clone()),
            Value::Object(rule) => Err(anyhow!(
                "{path}: the {} filter is not emulated locally (only exact strings are)",
                rule.keys().next().map(String::as_str).unwrap_or("empty")
            )),
            other => Err(anyhow!(
                "{path}: matching {other} is not emulated locally (only exact strings are)"
            )),
        })
        .collect::<Result<_>>()
        .map(Node::OneOf)
}

fn at(path: &str) -> &str {
    if path.is_empty() {
        "the pattern"
    } else {
        path
    }
}

fn node_matches(node: &Node, value: &Value) -> bool {
    match (node, value) {
        (Node::Object(members), Value::Object(fields)) => members
            .iter()
            .all(|(name, node)| fields.get(name).is_some_and(|v| node_matches(node, v))),
        (Node::OneOf(allowed), Value::String(text)) => allowed.contains(text),
        // As in EventBridge: an array in the event matches when one of its elements does.
        (Node::OneOf(_), Value::Array(items)) => items.iter().any(|item| node_matches(node, item)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROFILES: &str =
        r#"{"eventName":["INSERT","MODIFY"],"dynamodb":{"Keys":{"sk":{"S":["PROFILE","GROUP"]}}}}"#;

    fn record(event_name: &str, sk: &str) -> Value {
        json!({
            "eventName": event_name,
            "eventSource": "aws:dynamodb",
            "dynamodb": {"Keys": {"pk": {"S": "TENANT#t#CUSTOMER#1"}, "sk": {"S": sk}}},
        })
    }

    #[test]
    fn nested_objects_and_exact_strings() {
        let pattern = Pattern::parse(PROFILES).unwrap();
        assert!(pattern.matches(&record("INSERT", "PROFILE")));
        assert!(pattern.matches(&record("MODIFY", "GROUP")));
        assert!(!pattern.matches(&record("REMOVE", "PROFILE")));
        assert!(!pattern.matches(&record("INSERT", "CLAIM#EMAIL")));
        // Exact: no case folding, no prefixes.
        assert!(!pattern.matches(&record("insert", "PROFILE")));
        assert!(!pattern.matches(&record("INSERT", "PROFILES")));
    }

    #[test]
    fn a_missing_field_or_another_type_never_matches() {
        let pattern = Pattern::parse(PROFILES).unwrap();
        assert!(!pattern.matches(&json!({"eventName": "INSERT"})));
        let numeric_key = json!({
            "eventName": "INSERT",
            "dynamodb": {"Keys": {"sk": {"N": "1"}}},
        });
        assert!(!pattern.matches(&numeric_key));
        assert!(!pattern.matches(&json!({"eventName": "INSERT", "dynamodb": "PROFILE"})));
    }

    #[test]
    fn an_array_in_the_record_matches_by_any_element() {
        let pattern = Pattern::parse(r#"{"tags":["a"]}"#).unwrap();
        assert!(pattern.matches(&json!({"tags": ["b", "a"]})));
        assert!(!pattern.matches(&json!({"tags": ["b"]})));
    }

    #[test]
    fn filters_admit_what_any_pattern_matches_and_everything_without_patterns() {
        let filters = Filters::new(vec![
            Pattern::parse(PROFILES).unwrap(),
            Pattern::parse(
                r#"{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":["ERASED"]}}}}"#,
            )
            .unwrap(),
        ]);
        assert!(filters.admit(&record("INSERT", "ERASED")));
        assert!(filters.admit(&record("MODIFY", "PROFILE")));
        assert!(!filters.admit(&record("MODIFY", "ERASED")));
        assert!(!filters.admit(&record("REMOVE", "PROFILE")));
        assert!(Filters::default().admit(&record("REMOVE", "IDEMPOTENCY")));
    }

    #[test]
    fn constructs_not_emulated_are_refused_by_name() {
        for (pattern, expected) in [
            (r#"{"eventName":[{"prefix":"IN"}]}"#, "prefix"),
            (
                r#"{"eventName":[{"anything-but":["REMOVE"]}]}"#,
                "anything-but",
            ),
            (
                r#"{"dynamodb":{"NewImage":{"x":[{"exists":true}]}}}"#,
                "exists",
            ),
            (
                r#"{"dynamodb":{"SizeBytes":[{"numeric":[">",0]}]}}"#,
                "numeric",
            ),
            (r#"{"dynamodb":{"SizeBytes":[10]}}"#, "10"),
            (r#"{"dynamodb":{"x":[null]}}"#, "null"),
            (r#"{"eventName":"INSERT"}"#, "array"),
            (r#"{"eventName":[]}"#, "empty array"),
            (r#"{}"#, "empty object"),
            (r#"["INSERT"]"#, "JSON object"),
            (r#"{"eventName":["INSERT"]"#, "JSON"),
        ] {
            let error = format!("{:#}", Pattern::parse(pattern).unwrap_err());
            assert!(error.contains(expected), "{pattern}: {error}");
        }
    }

    #[test]
    fn a_refusal_says_where() {
        let error = Pattern::parse(r#"{"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"P"}]}}}}"#)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("/dynamodb/Keys/sk/S:"), "{error}");
    }
}
