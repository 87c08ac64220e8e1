//! Custom fields: a flat map of the tenant's own keys.

use crate::api::object::Object;
use crate::api::Report;
use crate::domain::{Metadata, MetadataError, MetadataKey, MetadataValue, MAX_METADATA_KEYS};
use std::collections::BTreeMap;

pub(super) fn parse_metadata(obj: &Object, r: &mut Report) -> Option<Metadata> {
    let map = obj.object("metadata", r)?;
    let at = obj.at("metadata");
    let mut entries = BTreeMap::new();
    let mut complete = true;
    for (key, value) in map {
        let key_at = at.key(key);
        let parsed_key = MetadataKey::parse(key).map_err(|e| r.violation(&key_at, &e));
        let parsed_value = MetadataValue::parse(value).map_err(|e| r.violation(&key_at, &e));
        match (parsed_key, parsed_value) {
            (Ok(k), Ok(v)) => {
                entries.insert(k, v);
            }
            _ => complete = false,
        }
    }
    if map.len() > MAX_METADATA_KEYS {
        r.violation(&at, &MetadataError::TooManyKeys);
        return None;
    }
    if !complete {
        return None;
    }
    r.check(&at, Metadata::new(entries))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;

    #[test]
    fn metadata_rules() {
        let c = ok(with(
            json!({"metadata": {"tier": "gold", "points": 120, "vip": true}}),
        ));
        assert_eq!(c.metadata.len(), 3);
        let many: Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!(1))).collect();
        assert_eq!(
            errors(with(json!({"metadata": many}))),
            error("/metadata", "too_many_keys")
        );
        assert_eq!(
            errors(with(
                json!({"metadata": {"bad key": 1, "nested": {"a": 1}, "long": "x".repeat(501)}})
            ),),
            vec![
                ("/metadata/bad key".to_owned(), "invalid_key"),
                ("/metadata/long".to_owned(), "too_long"),
                ("/metadata/nested".to_owned(), "invalid_type"),
            ]
        );
        assert_eq!(
            errors(with(json!({"metadata": [1]}))),
            error("/metadata", "invalid_type")
        );
    }
}
