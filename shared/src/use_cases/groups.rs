//! Customer groups: create one, list a tenant's in pages.

use crate::api::{page_size, parse_new_group, ValidationErrors};
use crate::domain::{CustomerGroup, UniqueField};
use crate::http::auth::Principal;
use crate::store::{GroupStore, IdempotencyStore, StoreError};
use crate::support::clock::Clock;
use crate::use_cases::cursor::{CursorKey, InvalidCursor};
use crate::use_cases::idempotency::{Answer, Idempotent};
use crate::use_cases::keyed::{self, KeyedError};
use serde_json::{Map, Value};
use thiserror::Error;

#[derive(Debug, PartialEq, Error)]
pub enum GroupError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("a group with this name exists")]
    NameTaken,
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error("listing needs CURSOR_KEY")]
    NoCursorKey,
    #[error("the idempotency key was used for another request")]
    IdempotencyKeyReused,
    #[error("the response could not be rendered")]
    Unrepresentable,
    #[error(transparent)]
    Store(StoreError),
}

pub struct Groups<S> {
    store: S,
    cursor_key: Option<CursorKey>,
    clock: Clock,
}

/// A page of groups and the cursor of the next one.
#[derive(Debug, PartialEq)]
pub struct GroupPage {
    pub groups: Vec<CustomerGroup>,
    pub next_cursor: Option<String>,
}

impl<S> Groups<S> {
    /// `cursor_key` is `None` in the functions that never list.
    pub fn new(store: S, cursor_key: Option<CursorKey>, clock: Clock) -> Self {
        Self {
            store,
            cursor_key,
            clock,
        }
    }
}

impl From<KeyedError> for GroupError {
    fn from(error: KeyedError) -> Self {
        match error {
            KeyedError::KeyReused => Self::IdempotencyKeyReused,
            KeyedError::Render => Self::Unrepresentable,
            KeyedError::Store(error) => Self::Store(error),
        }
    }
}

impl<S: GroupStore + IdempotencyStore> Groups<S> {
    pub async fn create(
        &self,
        principal: &Principal,
        body: &Map<String, Value>,
        keyed: Option<&Idempotent<'_, CustomerGroup>>,
    ) -> Result<Answer<CustomerGroup>, GroupError> {
        let now = (self.clock)();
        let tenant = &principal.tenant;
        if let Some(response) = keyed::recorded_answer(&self.store, tenant, keyed, now).await? {
            return Ok(Answer::Replayed(response));
        }
        let group = parse_new_group(body, now)?.value;
        let receipt = keyed::receipt(keyed, &group, now)?;
        match self
            .store
            .insert_group(tenant, &group, receipt.as_ref())
            .await
        {
            Ok(()) => Ok(Answer::Fresh(group)),
            Err(StoreError::AlreadyRecorded) => Ok(Answer::Replayed(
                keyed::answer_after_losing(&self.store, tenant, keyed, now).await?,
            )),
            Err(StoreError::Taken(UniqueField::GroupName)) => Err(GroupError::NameTaken),
            Err(e) => Err(GroupError::Store(e)),
        }
    }
}

impl<S: GroupStore> Groups<S> {
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
    use crate::testing::{principal, MemoryStore, Op};
    use serde_json::json;
    use time::macros::datetime;
    use time::OffsetDateTime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 10:00:00.5 UTC);

    fn now() -> OffsetDateTime {
        NOW
    }

    fn groups(store: &MemoryStore) -> Groups<MemoryStore> {
        let key = CursorKey::new(&[9; 32]).expect("key");
        Groups::new(store.clone(), Some(key), now as Clock)
    }

    fn body(name: &str) -> Map<String, Value> {
        json!({ "name": name })
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    /// A create done now (no key).
    async fn create(
        groups: &Groups<MemoryStore>,
        principal: &Principal,
        body: &Map<String, Value>,
    ) -> Result<CustomerGroup, GroupError> {
        groups
            .create(principal, body, None)
            .await
            .map(|answer| match answer {
                Answer::Fresh(group) => group,
                replayed => panic!("a create without a key replayed: {replayed:?}"),
            })
    }

    #[tokio::test]
    async fn a_group_is_created_at_the_clocks_time_and_its_name_is_unique() {
        let store = MemoryStore::new();
        let groups = groups(&store);
        let acme = principal("acme");
        let group = create(&groups, &acme, &body(" VIP "))
            .await
            .expect("created");
        assert_eq!(group.name.as_str(), "VIP");
        assert_eq!(group.created_at, NOW);
        assert_eq!(
            create(&groups, &acme, &body("vip")).await,
            Err(GroupError::NameTaken)
        );
        assert!(create(&groups, &principal("other"), &body("VIP"))
            .await
            .is_ok());
        assert!(matches!(
            create(&groups, &acme, &body(" ")).await,
            Err(GroupError::Invalid(_))
        ));
        store.fail_next(Op::InsertGroup, StoreError::Unavailable("timed out".into()));
        assert_eq!(
            create(&groups, &acme, &body("Gold")).await,
            Err(GroupError::Store(StoreError::Unavailable(
                "timed out".into()
            )))
        );
    }

    #[tokio::test]
    async fn pages_follow_each_other_and_cursors_belong_to_their_tenant() {
        let store = MemoryStore::new();
        let groups = groups(&store);
        let acme = principal("acme");
        let mut created = Vec::new();
        for i in 0..5 {
            let group = create(&groups, &acme, &body(&format!("G{i}"))).await;
            created.push(group.expect("group").id);
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = groups
                .list(&acme, Some("2"), cursor.as_deref())
                .await
                .expect("page");
            pages += 1;
            seen.extend(page.groups.iter().map(|g| g.id));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        created.sort();
        assert_eq!(seen, created, "every group once, oldest first then by id");

        let first = groups.list(&acme, Some("2"), None).await.expect("page");
        let foreign = first.next_cursor.expect("more");
        assert_eq!(
            groups.list(&principal("other"), None, Some(&foreign)).await,
            Err(GroupError::InvalidCursor(InvalidCursor))
        );
        assert!(matches!(
            groups.list(&acme, Some("0"), None).await,
            Err(GroupError::Invalid(_))
        ));
        let unkeyed = Groups::new(store.clone(), None, now as Clock);
        assert_eq!(
            unkeyed.list(&acme, None, None).await,
            Err(GroupError::NoCursorKey)
        );
        store.fail_next(Op::ListGroups, StoreError::Unavailable("timed out".into()));
        assert!(matches!(
            groups.list(&acme, None, None).await,
            Err(GroupError::Store(_))
        ));
    }
}
