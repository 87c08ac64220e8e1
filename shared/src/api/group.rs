use super::object::{optional_text, Object};
use super::{Parsed, Pointer, Report, ValidationErrors};
use crate::domain::{CustomerGroup, GroupDescription, GroupName};
use serde_json::{Map, Value};
use time::OffsetDateTime;

const GROUP_FIELDS: &[&str] = &["name", "description"];

/// Parses a `POST /customer-groups` body into a new group created at `now`.
pub fn parse_new_group(
    body: &Map<String, Value>,
    now: OffsetDateTime,
) -> Result<Parsed<CustomerGroup>, ValidationErrors> {
    let mut report = Report::default();
    let obj = Object::new(body, Pointer::root(), GROUP_FIELDS, &mut report);
    let r = &mut report;
    let name = obj.parse_required("name", r, GroupName::parse);
    let description = optional_text::<GroupDescription>(&obj, "description", r);
    let value = if r.has_errors() {
        None
    } else {
        name.map(|name| CustomerGroup::new(name, description, now))
    };
    report.finish(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(body: Value) -> Vec<(String, &'static str)> {
        parse_new_group(body.as_object().unwrap(), OffsetDateTime::UNIX_EPOCH)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn group_fields() {
        let g = parse_new_group(
            json!({"name": " VIP ", "description": ""})
                .as_object()
                .unwrap(),
            OffsetDateTime::UNIX_EPOCH,
        )
        .unwrap()
        .value;
        assert_eq!(g.name.as_str(), "VIP");
        assert!(g.description.is_none());
        assert_eq!(codes(json!({})), vec![("/name".to_owned(), "required")]);
        assert_eq!(
            codes(json!({"name": null})),
            vec![("/name".to_owned(), "required")]
        );
        assert_eq!(
            codes(json!({"name": " "})),
            vec![("/name".to_owned(), "empty")]
        );
        assert_eq!(
            codes(json!({"name": "x".repeat(65), "description": 5, "colour": "red"})),
            vec![
                ("/colour".to_owned(), "unknown_field"),
                ("/name".to_owned(), "too_long"),
                ("/description".to_owned(), "invalid_type"),
            ]
        );
    }
}
