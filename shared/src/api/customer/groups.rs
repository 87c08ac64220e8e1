//! The customer groups a customer belongs to: ids, each checked to exist by the write.

use crate::api::object::Object;
use crate::api::{FieldError, Report};
use crate::domain::{GroupId, Warning};

/// Groups one customer may belong to.
const MAX_GROUPS: usize = 20;

/// Group ids, duplicates collapsed (with a warning), each with the pointer it was given at.
pub(super) fn parse_groups(obj: &Object, r: &mut Report) -> Vec<(GroupId, String)> {
    let Some(items) = obj.array("groups", r) else {
        return Vec::new();
    };
    if items.len() > MAX_GROUPS {
        r.error(
            &obj.at("groups"),
            "too_many_items",
            format!("at most {MAX_GROUPS} groups"),
        );
        return Vec::new();
    }
    let mut groups: Vec<(GroupId, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = obj.at("groups").index(i);
        let Some(raw) = item.as_str() else {
            r.error(&at, "invalid_type", "must be a string");
            continue;
        };
        // An id that cannot exist is reported like one that does not.
        let Some(id) = GroupId::parse(raw) else {
            r.push(FieldError::unknown_group(at.to_string()));
            continue;
        };
        if groups.iter().any(|(known, _)| *known == id) {
            r.warn(Warning::DuplicateGroupCollapsed { at: at.to_string() });
            continue;
        }
        groups.push((id, at.to_string()));
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn groups_are_ids_and_duplicates_collapse() {
        let a = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
        let b = "0b2f6b1e-2f7c-4e0e-9a54-5b2b8e4c2a10";
        let parsed = parse(with(json!({"groups": [a, b, a.to_uppercase()]}))).unwrap();
        assert_eq!(parsed.value.details.groups.len(), 2);
        assert_eq!(parsed.value.group_pointers[1].1, "/groups/1");
        assert_eq!(
            parsed.warnings,
            vec![Warning::DuplicateGroupCollapsed {
                at: "/groups/2".into()
            }]
        );
        assert_eq!(
            errors(with(json!({"groups": ["nope", 3]}))),
            vec![
                ("/groups/0".to_owned(), "unknown_group"),
                ("/groups/1".to_owned(), "invalid_type")
            ]
        );
        let many: Vec<String> = (0..21).map(|_| uuid::Uuid::new_v4().to_string()).collect();
        assert_eq!(
            errors(with(json!({"groups": many}))),
            error("/groups", "too_many_items")
        );
    }
}
