//! Customer groups: create one, list a tenant's in pages.

use super::cursor::{self, Listing};
use super::executor::{Decision, Executor, Write};
use super::idempotency::{Answer, Keyed};
use super::ports::{Change, GroupLister, WriteStore, Written};
use super::targets::Nothing;
use super::Error;
use crate::api::{parse_new_group, parse_page_query};
use crate::domain::{Claim, CustomerGroup, Principal, UniqueField};
use crate::support::clock::Clock;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[derive(Debug, PartialEq)]
pub struct Created {
    pub group: CustomerGroup,
}

/// A page of groups and the cursor of the next one.
#[derive(Debug, PartialEq)]
pub struct GroupPage {
    pub groups: Vec<CustomerGroup>,
    pub next_cursor: Option<String>,
}

/// A new group's change: the group and its name, which is unique per tenant
/// case-insensitively.
pub fn new_group(group: &CustomerGroup) -> Decision<Created> {
    let change = Change {
        take: vec![Claim::new(UniqueField::GroupName, group.name_key())],
        ..Change::of(Written::NewGroup(group.clone()))
    };
    Decision::Write(
        change,
        Created {
            group: group.clone(),
        },
    )
}

struct NewGroup(CustomerGroup);

impl Write for NewGroup {
    type Outcome = Created;
    type Target = Nothing;

    fn decide(&mut self, (): &(), _: OffsetDateTime) -> Result<Decision<Created>, Error> {
        Ok(new_group(&self.0))
    }
}

pub struct Groups<S> {
    executor: Executor<S>,
}

impl<S> Groups<S> {
    pub fn new(store: S, clock: Clock) -> Self {
        Self {
            executor: Executor::new(store, clock),
        }
    }
}

impl<S: WriteStore> Groups<S> {
    pub async fn create(
        &self,
        principal: &Principal,
        body: &Map<String, Value>,
        keyed: Option<&Keyed<'_, Created>>,
    ) -> Result<Answer<Created>, Error> {
        let prepare =
            async |(): &(), now: OffsetDateTime| Ok(NewGroup(parse_new_group(body, now)?.value));
        self.executor
            .run(&principal.tenant, keyed, Nothing, prepare)
            .await
    }
}

impl<S: GroupLister> Groups<S> {
    pub async fn list(
        &self,
        principal: &Principal,
        params: &BTreeMap<String, String>,
    ) -> Result<GroupPage, Error> {
        let query = parse_page_query(params)?;
        let tenant = &principal.tenant;
        let start = query
            .cursor
            .map(|c| cursor::open(tenant, Listing::CustomerGroups, &c))
            .transpose()
            .map_err(|_| Error::InvalidCursor)?;
        let page = self
            .executor
            .store()
            .list_groups(tenant, query.limit, start)
            .await?;
        Ok(GroupPage {
            groups: page.items,
            next_cursor: page
                .next
                .map(|next| cursor::seal(tenant, Listing::CustomerGroups, &next)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{principal, query as params, MemoryStore, Op};
    use crate::use_cases::ports::StoreError;
    use serde_json::json;
    use time::macros::datetime;
    use time::OffsetDateTime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 10:00:00.5 UTC);

    fn now() -> OffsetDateTime {
        NOW
    }

    fn groups(store: &MemoryStore) -> Groups<MemoryStore> {
        Groups::new(store.clone(), now as Clock)
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
    ) -> Result<CustomerGroup, Error> {
        groups
            .create(principal, body, None)
            .await
            .map(|answer| match answer {
                Answer::Fresh(created) => created.group,
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
            Err(Error::Taken(UniqueField::GroupName))
        );
        assert!(create(&groups, &principal("other"), &body("VIP"))
            .await
            .is_ok());
        assert!(matches!(
            create(&groups, &acme, &body(" ")).await,
            Err(Error::Invalid(_))
        ));
        store.fail_next(Op::Commit, StoreError::Unavailable("timed out".into()));
        assert_eq!(
            create(&groups, &acme, &body("Gold")).await,
            Err(Error::Store(StoreError::Unavailable("timed out".into())))
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
            let mut query = vec![("limit", "2")];
            query.extend(cursor.as_deref().map(|c| ("cursor", c)));
            let page = groups.list(&acme, &params(&query)).await.expect("page");
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

        let first = groups
            .list(&acme, &params(&[("limit", "2")]))
            .await
            .expect("page");
        let foreign = first.next_cursor.expect("more");
        assert_eq!(
            groups
                .list(&principal("other"), &params(&[("cursor", &foreign)]))
                .await,
            Err(Error::InvalidCursor)
        );
        assert!(matches!(
            groups.list(&acme, &params(&[("limit", "0")])).await,
            Err(Error::Invalid(_))
        ));
        // A misspelt parameter is named, not ignored (`limt` would otherwise give 20).
        match groups.list(&acme, &params(&[("limt", "2")])).await {
            Err(Error::Invalid(errors)) => {
                let fields: Vec<_> = errors
                    .0
                    .iter()
                    .map(|e| (e.field.as_str(), e.code))
                    .collect();
                assert_eq!(fields, [("?limt", "unknown_parameter")]);
            }
            other => panic!("{other:?}"),
        }
        store.fail_next(Op::ListGroups, StoreError::Unavailable("timed out".into()));
        assert!(matches!(
            groups.list(&acme, &params(&[])).await,
            Err(Error::Store(_))
        ));
    }
}
