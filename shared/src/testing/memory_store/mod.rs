//! The store traits in memory. It keeps the guarantees the use cases rely on (every write all
//! or nothing, a taken claim fails the write with its field, a missing group fails it before
//! that, a version that moved on is `Stale`, a page ends where the next one starts), and lets a
//! test put another client's write, or a failure, right before any call.

use crate::domain::{
    Claim, Customer, CustomerGroup, CustomerId, GroupId, SourceAccount, TenantId, Tombstone,
    UniqueField,
};
use crate::store::{
    ClaimChanges, CustomerEraser, CustomerFinder, CustomerReader, CustomerUpdater, CustomerWriter,
    GroupStore, Page, PageKey, SourceLinker, StoreError,
};
use crate::use_cases::idempotency::{IdempotencyRecord, Receipt};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

mod records;

use records::{keep_record, no_live_record};

/// A store call, to hook into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Insert,
    Get,
    ClaimOwners,
    LinkSource,
    Find,
    List,
    Replace,
    Erase,
    InsertGroup,
    ListGroups,
    Recorded,
    Record,
}

/// Who holds a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Customer(CustomerId),
    Group(GroupId),
}

/// Everything stored, by tenant.
#[derive(Debug, Default)]
pub struct State {
    pub customers: BTreeMap<(String, String), Customer>,
    pub claims: BTreeMap<(String, Claim), Owner>,
    pub groups: BTreeMap<(String, GroupId), CustomerGroup>,
    pub tombstones: BTreeMap<(String, String), Tombstone>,
    /// Records of keyed requests, by tenant and scope.
    pub records: BTreeMap<(String, String), IdempotencyRecord>,
}

impl State {
    pub fn customer_mut(&mut self, tenant: &TenantId, id: CustomerId) -> Option<&mut Customer> {
        self.customers.get_mut(&customer_key(tenant, id))
    }

    /// The claims `owner` holds in `tenant`.
    pub fn claims_of(&self, tenant: &TenantId, owner: Owner) -> Vec<Claim> {
        self.claims
            .iter()
            .filter(|((t, _), o)| t == tenant.as_str() && **o == owner)
            .map(|((_, claim), _)| claim.clone())
            .collect()
    }
}

type Hook = Box<dyn FnOnce(&mut State) -> Result<(), StoreError> + Send>;

#[derive(Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
    hooks: Arc<Mutex<Vec<(Op, Hook)>>>,
    calls: Arc<Mutex<Vec<Op>>>,
}

fn customer_key(tenant: &TenantId, id: CustomerId) -> (String, String) {
    (tenant.as_str().to_owned(), id.to_string())
}

fn claim_key(tenant: &TenantId, claim: &Claim) -> (String, Claim) {
    (tenant.as_str().to_owned(), claim.clone())
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `hook` on the stored state right before the next `op` is served: another
    /// client's write in between, or (returning an error) a failure of that call.
    pub fn before(
        &self,
        op: Op,
        hook: impl FnOnce(&mut State) -> Result<(), StoreError> + Send + 'static,
    ) {
        lock(&self.hooks).push((op, Box::new(hook)));
    }

    /// The next `op` fails with `error` and changes nothing.
    pub fn fail_next(&self, op: Op, error: StoreError) {
        self.before(op, move |_| Err(error));
    }

    /// Every `op`, from now on, fails with `error`.
    pub fn fail_always(&self, op: Op, error: StoreError) {
        for _ in 0..1_000 {
            self.fail_next(op, error.clone());
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// The calls served so far, in order.
    pub fn calls(&self) -> Vec<Op> {
        lock(&self.calls).clone()
    }

    /// Records the call, runs its hook if any, then `serve` on the state, all under one lock:
    /// each call is atomic, as each DynamoDB request is.
    fn serve<T>(
        &self,
        op: Op,
        serve: impl FnOnce(&mut State) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        lock(&self.calls).push(op);
        let hook = {
            let mut hooks = lock(&self.hooks);
            let position = hooks.iter().position(|(o, _)| *o == op);
            position.map(|i| hooks.remove(i).1)
        };
        let mut state = lock(&self.state);
        if let Some(hook) = hook {
            hook(&mut state)?;
        }
        serve(&mut state)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The first of `claims` already held, as a failed condition of a transaction reports it.
fn first_taken(state: &State, tenant: &TenantId, claims: &[Claim]) -> Option<UniqueField> {
    claims
        .iter()
        .find(|claim| state.claims.contains_key(&claim_key(tenant, claim)))
        .map(|claim| claim.field)
}

impl CustomerWriter for MemoryStore {
    async fn insert(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        claims: &[Claim],
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        self.serve(Op::Insert, |state| {
            no_live_record(state, tenant, receipt)?;
            let missing: Vec<GroupId> = customer
                .details
                .groups
                .iter()
                .filter(|g| {
                    !state
                        .groups
                        .contains_key(&(tenant.as_str().to_owned(), **g))
                })
                .copied()
                .collect();
            if !missing.is_empty() {
                return Err(StoreError::UnknownGroups(missing));
            }
            if let Some(field) = first_taken(state, tenant, claims) {
                return Err(StoreError::Taken(field));
            }
            let key = customer_key(tenant, customer.id);
            if state.customers.contains_key(&key) {
                return Err(StoreError::Internal("record id collision".into()));
            }
            state.customers.insert(key, customer.clone());
            for claim in claims {
                state
                    .claims
                    .insert(claim_key(tenant, claim), Owner::Customer(customer.id));
            }
            keep_record(state, tenant, receipt);
            Ok(())
        })
    }
}

impl CustomerReader for MemoryStore {
    async fn get(&self, tenant: &TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        self.serve(Op::Get, |state| {
            Ok(state.customers.get(&customer_key(tenant, id)).cloned())
        })
    }
}

impl SourceLinker for MemoryStore {
    async fn claim_owners(
        &self,
        tenant: &TenantId,
        claims: &[Claim],
    ) -> Result<Vec<Option<CustomerId>>, StoreError> {
        self.serve(Op::ClaimOwners, |state| {
            Ok(claims
                .iter()
                .map(|claim| match state.claims.get(&claim_key(tenant, claim)) {
                    Some(Owner::Customer(id)) => Some(*id),
                    _ => None,
                })
                .collect())
        })
    }

    async fn link_source(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        account: &SourceAccount,
        free: &[Claim],
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        self.serve(Op::LinkSource, |state| {
            no_live_record(state, tenant, receipt)?;
            let current = state
                .customers
                .get(&customer_key(tenant, customer.id))
                .map(|c| c.version);
            if current != Some(customer.version) {
                return Err(StoreError::Stale);
            }
            if let Some(field) = first_taken(state, tenant, free) {
                return Err(StoreError::Taken(field));
            }
            for claim in free {
                state
                    .claims
                    .insert(claim_key(tenant, claim), Owner::Customer(customer.id));
            }
            if let Some(stored) = state.customer_mut(tenant, customer.id) {
                stored.sources.push(account.clone());
                stored.version += 1;
                stored.updated_at = account.created_at;
            }
            keep_record(state, tenant, receipt);
            Ok(())
        })
    }
}

/// The groups of `groups` that `tenant` does not have.
fn missing_groups(state: &State, tenant: &TenantId, groups: &[GroupId]) -> Vec<GroupId> {
    groups
        .iter()
        .filter(|g| {
            !state
                .groups
                .contains_key(&(tenant.as_str().to_owned(), **g))
        })
        .copied()
        .collect()
}

/// Whether every one of `claims` is still `owner`'s.
fn all_owned(state: &State, tenant: &TenantId, claims: &[Claim], owner: CustomerId) -> bool {
    claims
        .iter()
        .all(|c| state.claims.get(&claim_key(tenant, c)) == Some(&Owner::Customer(owner)))
}

/// A page of `items` by their position, after `start`'s, like a DynamoDB query with a `Limit`:
/// a full page always says where the next one starts, even when nothing follows (that next
/// page is then empty).
fn page_of<'a, T: Clone + 'a>(
    items: impl Iterator<Item = (String, &'a T)>,
    limit: u32,
    start: Option<PageKey>,
    newest_first: bool,
) -> Page<T> {
    let after = start.and_then(|key| key.get("after").cloned());
    let mut items: Vec<(String, &T)> = items
        .filter(|(position, _)| match &after {
            None => true,
            Some(after) if newest_first => position < after,
            Some(after) => position > after,
        })
        .collect();
    items.sort_by(|a, b| {
        if newest_first {
            b.0.cmp(&a.0)
        } else {
            a.0.cmp(&b.0)
        }
    });
    items.truncate(limit as usize);
    let next = (items.len() == limit as usize).then(|| {
        let last = items.last().map(|(p, _)| p.clone()).unwrap_or_default();
        PageKey::from([("after".to_owned(), last)])
    });
    Page {
        items: items.into_iter().map(|(_, item)| item.clone()).collect(),
        next,
    }
}

/// Where a customer sorts in its tenant's listing (newest last).
fn customer_position(customer: &Customer) -> String {
    let millis = customer.created_at.unix_timestamp_nanos() / 1_000_000;
    format!("{millis:015}#{}", customer.id)
}

impl CustomerFinder for MemoryStore {
    async fn find(&self, tenant: &TenantId, claim: &Claim) -> Result<Option<Customer>, StoreError> {
        self.serve(Op::Find, |state| {
            Ok(match state.claims.get(&claim_key(tenant, claim)) {
                Some(Owner::Customer(id)) => {
                    state.customers.get(&customer_key(tenant, *id)).cloned()
                }
                _ => None,
            })
        })
    }

    async fn list(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<PageKey>,
    ) -> Result<Page<Customer>, StoreError> {
        self.serve(Op::List, |state| {
            let customers = state
                .customers
                .iter()
                .filter(|((t, _), _)| t == tenant.as_str())
                .map(|(_, customer)| (customer_position(customer), customer));
            Ok(page_of(customers, limit, start, true))
        })
    }
}

impl CustomerUpdater for MemoryStore {
    async fn replace(
        &self,
        tenant: &TenantId,
        previous_version: u64,
        revised: &Customer,
        changes: &ClaimChanges,
        new_groups: &[GroupId],
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        self.serve(Op::Replace, |state| {
            no_live_record(state, tenant, receipt)?;
            let missing = missing_groups(state, tenant, new_groups);
            if !missing.is_empty() {
                return Err(StoreError::UnknownGroups(missing));
            }
            let key = customer_key(tenant, revised.id);
            let current = state.customers.get(&key).map(|c| c.version);
            if current != Some(previous_version)
                || !all_owned(state, tenant, &changes.release, revised.id)
            {
                return Err(StoreError::Stale);
            }
            if let Some(field) = first_taken(state, tenant, &changes.take) {
                return Err(StoreError::Taken(field));
            }
            for claim in &changes.release {
                state.claims.remove(&claim_key(tenant, claim));
            }
            for claim in &changes.take {
                state
                    .claims
                    .insert(claim_key(tenant, claim), Owner::Customer(revised.id));
            }
            state.customers.insert(key, revised.clone());
            keep_record(state, tenant, receipt);
            Ok(())
        })
    }
}

impl CustomerEraser for MemoryStore {
    async fn erase(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        tombstone: &Tombstone,
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        self.serve(Op::Erase, |state| {
            no_live_record(state, tenant, receipt)?;
            let key = customer_key(tenant, customer.id);
            let claims: Vec<Claim> = customer.claims().into_iter().collect();
            let current = state.customers.get(&key).map(|c| c.version);
            if current != Some(customer.version) || !all_owned(state, tenant, &claims, customer.id)
            {
                return Err(StoreError::Stale);
            }
            for claim in &claims {
                state.claims.remove(&claim_key(tenant, claim));
            }
            state.customers.remove(&key);
            state.tombstones.insert(key, tombstone.clone());
            keep_record(state, tenant, receipt);
            Ok(())
        })
    }
}

/// Where a group sorts in its tenant's listing, as the collections index sorts it.
fn group_position(group: &CustomerGroup) -> String {
    let millis = group.created_at.unix_timestamp_nanos() / 1_000_000;
    format!("{millis:015}#{}", group.id)
}

impl GroupStore for MemoryStore {
    async fn insert_group(
        &self,
        tenant: &TenantId,
        group: &CustomerGroup,
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        self.serve(Op::InsertGroup, |state| {
            no_live_record(state, tenant, receipt)?;
            let name = Claim::new(UniqueField::GroupName, group.name_key());
            if state.claims.contains_key(&claim_key(tenant, &name)) {
                return Err(StoreError::Taken(UniqueField::GroupName));
            }
            state
                .claims
                .insert(claim_key(tenant, &name), Owner::Group(group.id));
            state
                .groups
                .insert((tenant.as_str().to_owned(), group.id), group.clone());
            keep_record(state, tenant, receipt);
            Ok(())
        })
    }

    async fn list_groups(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<PageKey>,
    ) -> Result<Page<CustomerGroup>, StoreError> {
        self.serve(Op::ListGroups, |state| {
            let groups = state
                .groups
                .iter()
                .filter(|((t, _), _)| t == tenant.as_str())
                .map(|(_, group)| (group_position(group), group));
            Ok(page_of(groups, limit, start, false))
        })
    }
}
