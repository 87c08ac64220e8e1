//! Customer groups: create one, list a tenant's in pages.

use crate::auth::Principal;
use crate::cursor::{CursorKey, InvalidCursor};
use crate::domain::CustomerGroup;
use crate::store::{GroupStore, StoreError, UniqueField};
use crate::validation::{parse_new_group, FieldError, ValidationErrors};
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
        let group = parse_new_group(body, OffsetDateTime::now_utc())?.value;
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
