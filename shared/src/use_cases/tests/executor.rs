//! One write path: what every write gets from the executor, shown with a minimal write.

use crate::domain::{CustomerGroup, GroupName, TenantId, UniqueField};
use crate::support::retry::CONTENTION_BUDGET;
use crate::testing::{MemoryStore, Op};
use crate::use_cases::executor::{Decision, Executor, Write};
use crate::use_cases::groups::new_group;
use crate::use_cases::idempotency::{Answer, Keyed, KeyedRequest, RenderError, Reply};
use crate::use_cases::ports::{StoreError, Written};
use crate::use_cases::targets::Nothing;
use crate::use_cases::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::macros::datetime;
use time::OffsetDateTime;

const NOW: OffsetDateTime = datetime!(2026-11-25 10:00:00.5 UTC);

fn now() -> OffsetDateTime {
    NOW
}

fn tenant() -> TenantId {
    TenantId::parse("acme").expect("tenant")
}

fn group(name: &str) -> CustomerGroup {
    CustomerGroup::new(GroupName::parse(name).expect("name"), None, NOW)
}

/// A group create, counting its decisions.
struct Create<'a> {
    group: CustomerGroup,
    decisions: &'a AtomicUsize,
}

impl Write for Create<'_> {
    type Outcome = CustomerGroup;
    type Target = Nothing;

    fn decide(&mut self, (): &(), _: OffsetDateTime) -> Result<Decision<CustomerGroup>, Error> {
        self.decisions.fetch_add(1, Ordering::SeqCst);
        Ok(match new_group(&self.group) {
            Decision::Write(change, created) => Decision::Write(change, created.group),
            _ => Decision::Reread,
        })
    }
}

fn respond(group: &CustomerGroup) -> Result<Reply, RenderError> {
    Ok(Reply {
        status: 201,
        body: Some(group.name.as_str().to_owned()),
        location: None,
        etag: None,
        personal: false,
    })
}

fn keyed(key: &str) -> Keyed<'static, CustomerGroup> {
    Keyed {
        request: KeyedRequest {
            scope: key.to_owned(),
            fingerprint: format!("POST {key}"),
        },
        respond: &respond,
    }
}

async fn run(
    store: &MemoryStore,
    name: &str,
    keyed: Option<&Keyed<'_, CustomerGroup>>,
    prepared: &AtomicUsize,
    decisions: &AtomicUsize,
) -> Result<Answer<CustomerGroup>, Error> {
    let executor = Executor::new(store.clone(), now);
    let group = group(name);
    executor
        .run(&tenant(), keyed, Nothing, async |(): &(), _| {
            prepared.fetch_add(1, Ordering::SeqCst);
            Ok(Create { group, decisions })
        })
        .await
}

/// The whole write, the store's conflicts included, stays within one budget: a store that
/// only ever reports concurrent transactions makes the request `Contended` (409) after at most
/// that long, having tried again and again, never a 5xx.
#[tokio::test(start_paused = true)]
async fn contention_ends_within_one_budget_for_the_whole_write() {
    let store = MemoryStore::new();
    store.fail_always(Op::Commit, StoreError::Conflict);
    let (prepared, decisions) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let started = tokio::time::Instant::now();
    let answer = run(&store, "VIP", None, &prepared, &decisions).await;
    let spent = started.elapsed();
    assert_eq!(answer, Err(Error::Contended));
    assert!(spent <= CONTENTION_BUDGET, "{spent:?}");
    assert!(spent >= CONTENTION_BUDGET / 2, "gave up early: {spent:?}");
    let attempts = store.count(Op::Commit);
    assert!(attempts > 5, "{attempts} attempts");
    assert_eq!(
        decisions.load(Ordering::SeqCst),
        attempts,
        "one decision per attempt"
    );
    assert_eq!(prepared.load(Ordering::SeqCst), 1, "prepared once");
}

/// Preparing (an identity document staged and verified) is not contention: the budget starts
/// with the first decision.
#[tokio::test(start_paused = true)]
async fn the_budget_is_for_contention_not_for_preparing() {
    let store = MemoryStore::new();
    store.fail_always(Op::Commit, StoreError::Conflict);
    let decisions = AtomicUsize::new(0);
    let executor = Executor::new(store.clone(), now);
    let slow = std::time::Duration::from_secs(3);
    let started = tokio::time::Instant::now();
    let answer = executor
        .run(&tenant(), None, Nothing, async |(): &(), _| {
            tokio::time::sleep(slow).await;
            Ok(Create {
                group: group("VIP"),
                decisions: &decisions,
            })
        })
        .await;
    assert_eq!(answer.map(drop), Err(Error::Contended));
    let spent = started.elapsed();
    assert!(spent >= slow + CONTENTION_BUDGET / 2, "{spent:?}");
    assert!(spent <= slow + CONTENTION_BUDGET, "{spent:?}");
}

#[tokio::test(start_paused = true)]
async fn a_write_that_lost_once_is_decided_again_and_stored() {
    let store = MemoryStore::new();
    store.fail_next(Op::Commit, StoreError::Stale);
    let (prepared, decisions) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let answer = run(&store, "VIP", None, &prepared, &decisions).await;
    assert!(matches!(answer, Ok(Answer::Fresh(ref group)) if group.name.as_str() == "VIP"));
    assert_eq!(decisions.load(Ordering::SeqCst), 2);
    assert_eq!(store.state().groups.len(), 1);
}

/// The key's record is read once per attempt, before the write is prepared: a replay neither
/// prepares (parses, checks documents) nor decides again.
#[tokio::test]
async fn a_keyed_write_is_answered_from_its_record_once_recorded() {
    let store = MemoryStore::new();
    let key = keyed("k-1");
    let (prepared, decisions) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let first = run(&store, "VIP", Some(&key), &prepared, &decisions).await;
    assert!(matches!(first, Ok(Answer::Fresh(_))), "{first:?}");
    assert_eq!(store.count(Op::Recorded), 1);
    let again = run(&store, "VIP", Some(&key), &prepared, &decisions).await;
    let reply = respond(&group("VIP")).expect("reply");
    assert_eq!(again, Ok(Answer::Replayed(reply)));
    assert_eq!(
        prepared.load(Ordering::SeqCst),
        1,
        "the replay prepared nothing"
    );
    assert_eq!(decisions.load(Ordering::SeqCst), 1);
    assert_eq!(store.count(Op::Recorded), 2);
    assert_eq!(store.count(Op::Commit), 1, "the replay wrote nothing");
    let other = Keyed {
        request: KeyedRequest {
            fingerprint: "another request".into(),
            ..key.request.clone()
        },
        respond: &respond,
    };
    let reused = run(&store, "Gold", Some(&other), &prepared, &decisions).await;
    assert_eq!(reused, Err(Error::KeyReused));
}

/// A request that loses its commit to a request with the same key that came first is
/// answered, at its next attempt, from that record.
#[tokio::test]
async fn a_write_that_loses_to_its_keys_record_replays_it() {
    let store = MemoryStore::new();
    let key = keyed("k-2");
    let winner = Reply {
        status: 201,
        body: Some("the winner's".into()),
        location: None,
        etag: None,
        personal: false,
    };
    let record = key
        .receipt(&group("VIP"), None, NOW)
        .expect("receipt")
        .record;
    let record = crate::use_cases::idempotency::Record {
        reply: Some(winner.clone()),
        ..record
    };
    store.before(Op::Commit, move |state| {
        state.records.insert(("acme".into(), "k-2".into()), record);
        Ok(())
    });
    let (prepared, decisions) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let answer = run(&store, "VIP", Some(&key), &prepared, &decisions).await;
    assert_eq!(answer, Ok(Answer::Replayed(winner)));
    assert_eq!(
        store.count(Op::Recorded),
        2,
        "one read of the record per attempt"
    );
    assert!(store.state().groups.is_empty(), "the loser wrote nothing");
}

#[tokio::test]
async fn a_taken_value_is_the_writes_error_and_nothing_is_written() {
    let store = MemoryStore::new();
    let (prepared, decisions) = (AtomicUsize::new(0), AtomicUsize::new(0));
    run(&store, "VIP", None, &prepared, &decisions)
        .await
        .expect("created");
    let again = run(&store, "vip", None, &prepared, &decisions).await;
    assert_eq!(again, Err(Error::Taken(UniqueField::GroupName)));
    assert_eq!(store.state().groups.len(), 1);
    let records_only = store.changes().iter().any(|c| c.record == Written::Nothing);
    assert!(!records_only, "a write without a key records nothing");
}

#[tokio::test]
async fn a_store_failure_is_passed_on_at_once() {
    let store = MemoryStore::new();
    store.fail_always(Op::Commit, StoreError::Unavailable("timed out".into()));
    let (prepared, decisions) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let answer = run(&store, "VIP", None, &prepared, &decisions).await;
    assert_eq!(
        answer,
        Err(Error::Store(StoreError::Unavailable("timed out".into())))
    );
    assert_eq!(store.count(Op::Commit), 1, "an outage is not contention");
}
