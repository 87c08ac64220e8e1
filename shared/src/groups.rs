//! Customer groups: create one, list a tenant's in pages.

use crate::auth::Principal;
use crate::cursor::{CursorKey, InvalidCursor};
use crate::domain::{CustomerGroup, GroupDescription, GroupName, TextError};
use crate::store::{GroupStore, StoreError, UniqueField};
use crate::validation::{FieldError, ValidationErrors};
use serde_json::{Map, Value};
use thiserror::Error;
use time::OffsetDateTime;

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 100;

#[derive(Debug, Error)]
pub enum GroupError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("a group with this name exists")]
    NameTaken,
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error("listing needs CURSOR_KEY")]
    NoCursorKey,
    #[error(transparent)]
    Store(StoreError),
}

pub struct Groups<S> {
    store: S,
    cursor_key: Option<CursorKey>,
}

/// A page of groups and the cursor of the next one.
#[derive(Debug)]
pub struct GroupPage {
    pub groups: Vec<CustomerGroup>,
    pub next_cursor: Option<String>,
}

fn field_error(field: &str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code,
        message: message.into(),
    }
}

/// Parses `{name, description}`; unknown members are refused as everywhere.
fn parse_group(
    body: &Map<String, Value>,
    now: OffsetDateTime,
) -> Result<CustomerGroup, ValidationErrors> {
    let mut errors: Vec<FieldError> = body
        .keys()
        .filter(|k| !matches!(k.as_str(), "name" | "description"))
        .map(|k| {
            field_error(
                &format!("/{}", k.replace('~', "~0").replace('/', "~1")),
                "unknown_field",
                "is not a field of this object",
            )
        })
        .collect();
    let text = |key: &str, errors: &mut Vec<FieldError>| match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(field_error(
                &format!("/{key}"),
                "invalid_type",
                "must be a string",
            ));
            None
        }
    };
    let name = match text("name", &mut errors) {
        None if !matches!(body.get("name"), Some(v) if !v.is_null()) => {
            errors.push(field_error("/name", "required", "is required"));
            None
        }
        None => None,
        Some(raw) => GroupName::parse(&raw)
            .map_err(|e| errors.push(violation("/name", &e)))
            .ok(),
    };
    let description =
        text("description", &mut errors).and_then(|raw| match GroupDescription::parse(&raw) {
            Ok(d) => Some(d),
            Err(TextError::Empty) => None,
            Err(e) => {
                errors.push(violation("/description", &e));
                None
            }
        });
    match name {
        Some(name) if errors.is_empty() => Ok(CustomerGroup::new(name, description, now)),
        _ => Err(ValidationErrors(errors)),
    }
}

fn violation(field: &str, e: &TextError) -> FieldError {
    use crate::domain::Violation;
    field_error(field, e.code(), e.to_string())
}

/// `limit`: 1-100, default 20.
fn page_size(raw: Option<&str>) -> Result<u32, ValidationErrors> {
    match raw {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(raw) => raw
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                ValidationErrors(vec![field_error(
                    "?limit",
                    "out_of_range",
                    format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                )])
            }),
    }
}

impl<S> Groups<S> {
    pub fn new(store: S, cursor_key: Option<CursorKey>) -> Self {
        Self { store, cursor_key }
    }
}

impl<S: GroupStore> Groups<S> {
    pub async fn create(
        &self,
        principal: &Principal,
        body: &Map<String, Value>,
    ) -> Result<CustomerGroup, GroupError> {
        let group = parse_group(body, OffsetDateTime::now_utc())?;
        match self.store.insert_group(&principal.tenant, &group).await {
            Ok(()) => Ok(group),
            Err(StoreError::Taken(UniqueField::GroupName)) => Err(GroupError::NameTaken),
            Err(e) => Err(GroupError::Store(e)),
        }
    }

    pub async fn list(
        &self,
        principal: &Principal,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<GroupPage, GroupError> {
        let key = self.cursor_key.as_ref().ok_or(GroupError::NoCursorKey)?;
        let limit = page_size(limit)?;
        let start = cursor
            .filter(|c| !c.is_empty())
            .map(|c| key.open(&principal.tenant, c))
            .transpose()?;
        let page = self
            .store
            .list_groups(&principal.tenant, limit, start)
            .await
            .map_err(GroupError::Store)?;
        Ok(GroupPage {
            groups: page.items,
            next_cursor: page.next.map(|next| key.seal(&principal.tenant, &next)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(body: Value) -> Vec<(String, &'static str)> {
        parse_group(body.as_object().unwrap(), OffsetDateTime::UNIX_EPOCH)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn group_fields() {
        let g = parse_group(
            json!({"name": " VIP ", "description": ""})
                .as_object()
                .unwrap(),
            OffsetDateTime::UNIX_EPOCH,
        )
        .unwrap();
        assert_eq!(g.name.as_str(), "VIP");
        assert!(g.description.is_none());
        assert_eq!(codes(json!({})), vec![("/name".to_owned(), "required")]);
        assert_eq!(
            codes(json!({"name": "x".repeat(65), "description": 5, "colour": "red"})),
            vec![
                ("/colour".to_owned(), "unknown_field"),
                ("/name".to_owned(), "too_long"),
                ("/description".to_owned(), "invalid_type"),
            ]
        );
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None).unwrap(), 20);
        assert_eq!(page_size(Some("100")).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert_eq!(
                page_size(Some(bad)).unwrap_err().0[0].field,
                "?limit",
                "{bad}"
            );
        }
    }
}
