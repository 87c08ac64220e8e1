//! The store ports in memory. It keeps the guarantees the use cases rely on, as the DynamoDB
//! transaction does: every commit all or nothing; of several failed conditions, the key's live
//! record first, then a missing group, then a record that moved on (or a released value no longer
//! its own: `Stale`), then a taken value; pages that end where the next one starts. A test can
//! put another client's write, or a failure, right before any call.

use crate::domain::{Claim, Customer, CustomerGroup, CustomerId, GroupId, TenantId, Tombstone};
use crate::support::seal::SealKey;
use crate::use_cases::idempotency::{KeyedRequest, Receipt, Record};
use crate::use_cases::ports::{
    Change, Commit, CustomerFinder, CustomerReader, GroupLister, Page, PageKey, Records,
    StoreError, StoredCustomer, Written,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use time::OffsetDateTime;

mod pages;

/// A store call, to hook into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Commit,
    Get,
    ClaimOwners,
    Recorded,
    Find,
    List,
    ListGroups,
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
    pub customers: BTreeMap<(String, String), StoredCustomer>,
    pub claims: BTreeMap<(String, Claim), Owner>,
    pub groups: BTreeMap<(String, GroupId), CustomerGroup>,
    pub tombstones: BTreeMap<(String, String), Tombstone>,
    /// Records of keyed requests, by tenant and scope.
    pub records: BTreeMap<(String, String), Record>,
    /// The customer whose key seals each record's reply, and that key: the reply is gone once
    /// the customer is, and does not open under another key.
    pub sealed_for: BTreeMap<(String, String), (CustomerId, SealKey)>,
}

impl State {
    pub fn customer_mut(&mut self, tenant: &TenantId, id: CustomerId) -> Option<&mut Customer> {
        self.customers
            .get_mut(&customer_key(tenant, id))
            .map(|stored| &mut stored.customer)
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
    /// Every change a commit was asked for, stored or refused.
    changes: Arc<Mutex<Vec<Change>>>,
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

    /// Runs `hook` right before the `nth` (from 1) `op` from now.
    pub fn before_nth(
        &self,
        op: Op,
        nth: usize,
        hook: impl FnOnce(&mut State) -> Result<(), StoreError> + Send + 'static,
    ) {
        for _ in 1..nth {
            self.before(op, |_| Ok(()));
        }
        self.before(op, hook);
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

    /// Every change a commit was asked to store, in order, whether it was stored or refused.
    pub fn changes(&self) -> Vec<Change> {
        lock(&self.changes).clone()
    }

    /// How many commits were asked to write a customer in place of a version it was read at.
    pub fn revisions(&self) -> usize {
        let changes = lock(&self.changes);
        changes
            .iter()
            .filter(|change| matches!(change.record, Written::Customer { .. }))
            .count()
    }

    /// How many `op` calls were served.
    pub fn count(&self, op: Op) -> usize {
        lock(&self.calls).iter().filter(|call| **call == op).count()
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

impl Commit for MemoryStore {
    async fn commit(
        &self,
        tenant: &TenantId,
        change: &Change,
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        lock(&self.changes).push(change.clone());
        self.serve(Op::Commit, |state| {
            check(state, tenant, change, receipt)?;
            apply(state, tenant, change, receipt);
            Ok(())
        })
    }
}

/// The first failed condition of `change`, in the order the transaction reports them.
fn check(
    state: &State,
    tenant: &TenantId,
    change: &Change,
    receipt: Option<&Receipt>,
) -> Result<(), StoreError> {
    let t = tenant.as_str().to_owned();
    if let Some(receipt) = receipt {
        let record = state.records.get(&(t.clone(), receipt.scope.clone()));
        if record.is_some_and(|record| record.is_live(receipt.record.created_at)) {
            return Err(StoreError::AlreadyRecorded);
        }
    }
    let missing: Vec<GroupId> = change
        .groups
        .iter()
        .filter(|group| !state.groups.contains_key(&(t.clone(), **group)))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::UnknownGroups(missing));
    }
    let stored = |id: CustomerId| state.customers.get(&customer_key(tenant, id));
    let version = |id: CustomerId| stored(id).map(|stored| stored.customer.version);
    let (moved, owner) = match &change.record {
        Written::Customer {
            customer,
            read_version,
        } => {
            // As DynamoDB's condition: the version read, and a seal written once.
            let id = customer.customer.id;
            let kept = stored(id).and_then(|stored| stored.seal.as_ref());
            let resealed = customer.seal.is_some()
                && kept.is_some_and(|kept| Some(kept) != customer.seal.as_ref());
            (
                version(id) != Some(*read_version) || resealed,
                Some(Owner::Customer(id)),
            )
        }
        Written::Erased {
            tombstone,
            read_version,
        } => (
            version(tombstone.id) != Some(*read_version),
            Some(Owner::Customer(tombstone.id)),
        ),
        Written::NewCustomer(stored) => (false, Some(Owner::Customer(stored.customer.id))),
        Written::NewGroup(group) => (false, Some(Owner::Group(group.id))),
        Written::Nothing => (false, None),
    };
    let released_elsewhere = change
        .release
        .iter()
        .any(|claim| state.claims.get(&claim_key(tenant, claim)) != owner.as_ref());
    if moved || released_elsewhere {
        return Err(StoreError::Stale);
    }
    if let Some(claim) = change
        .take
        .iter()
        .find(|claim| state.claims.contains_key(&claim_key(tenant, claim)))
    {
        return Err(StoreError::Taken(claim.field));
    }
    let exists = match &change.record {
        Written::NewCustomer(stored) => version(stored.customer.id).is_some(),
        Written::NewGroup(group) => state.groups.contains_key(&(t, group.id)),
        _ => false,
    };
    if exists {
        return Err(StoreError::Internal("record id collision".into()));
    }
    Ok(())
}

fn apply(state: &mut State, tenant: &TenantId, change: &Change, receipt: Option<&Receipt>) {
    let t = tenant.as_str().to_owned();
    let owner = match &change.record {
        Written::NewCustomer(stored)
        | Written::Customer {
            customer: stored, ..
        } => {
            let key = customer_key(tenant, stored.customer.id);
            state.customers.insert(key, stored.as_ref().clone());
            Some(Owner::Customer(stored.customer.id))
        }
        Written::Erased { tombstone, .. } => {
            let key = customer_key(tenant, tombstone.id);
            state.customers.remove(&key);
            state.tombstones.insert(key, tombstone.clone());
            None
        }
        Written::NewGroup(group) => {
            state.groups.insert((t.clone(), group.id), group.clone());
            Some(Owner::Group(group.id))
        }
        Written::Nothing => None,
    };
    for claim in &change.release {
        state.claims.remove(&claim_key(tenant, claim));
    }
    if let Some(owner) = owner {
        for claim in &change.take {
            state.claims.insert(claim_key(tenant, claim), owner);
        }
    }
    if let Some(receipt) = receipt {
        let key = (t, receipt.scope.clone());
        match &receipt.sealing {
            Some(sealing) => {
                let sealed = (sealing.customer, sealing.key.clone());
                state.sealed_for.insert(key.clone(), sealed);
            }
            None => {
                state.sealed_for.remove(&key);
            }
        }
        state.records.insert(key, receipt.record.clone());
    }
}

impl Records for MemoryStore {
    async fn recorded(
        &self,
        tenant: &TenantId,
        request: &KeyedRequest,
        now: OffsetDateTime,
    ) -> Result<Option<Record>, StoreError> {
        self.serve(Op::Recorded, |state| {
            let key = (tenant.as_str().to_owned(), request.scope.clone());
            let Some(mut record) = state.records.get(&key).cloned() else {
                return Ok(None);
            };
            let answers = record.answers(request, now);
            if let Some((owner, seal)) = state.sealed_for.get(&key) {
                record.reply = match state.customers.get(&customer_key(tenant, *owner)) {
                    _ if !answers => None,
                    None => None,
                    Some(stored) if stored.seal.as_ref() == Some(seal) => record.reply,
                    Some(_) => {
                        return Err(StoreError::Internal(
                            "a recorded reply does not open under its customer's key".into(),
                        ))
                    }
                };
            }
            Ok(Some(record))
        })
    }
}

impl CustomerReader for MemoryStore {
    async fn get(
        &self,
        tenant: &TenantId,
        id: CustomerId,
    ) -> Result<Option<StoredCustomer>, StoreError> {
        self.serve(Op::Get, |state| {
            Ok(state.customers.get(&customer_key(tenant, id)).cloned())
        })
    }

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
}

impl CustomerFinder for MemoryStore {
    async fn find(&self, tenant: &TenantId, claim: &Claim) -> Result<Option<Customer>, StoreError> {
        self.serve(Op::Find, |state| {
            Ok(match state.claims.get(&claim_key(tenant, claim)) {
                Some(Owner::Customer(id)) => state
                    .customers
                    .get(&customer_key(tenant, *id))
                    .map(|stored| stored.customer.clone()),
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
                .map(|(_, stored)| &stored.customer)
                .map(|customer| (pages::position(customer.created_at, customer.id), customer));
            Ok(pages::page_of(customers, limit, start, true))
        })
    }
}

impl GroupLister for MemoryStore {
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
                .map(|(_, group)| (pages::position(group.created_at, group.id), group));
            Ok(pages::page_of(groups, limit, start, false))
        })
    }
}
