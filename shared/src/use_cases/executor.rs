//! The one write path. Every write (create, linked create, patch, erase, group create, and any
//! added later) is a [`Write`]: what it acts on and how it decides. [`Executor::run`] carries
//! it out, attempt after attempt:
//!
//! 1. read what the write acts on ([`Target`]), then the key's record, once each: a live record
//!    of the same request is the answer (a replay), of another request a refusal;
//! 2. check that what was read may be written to (the customer exists, `If-Match` admits it);
//! 3. the first time only, prepare the write (parse the body, check an identity document:
//!    work that must not be repeated);
//! 4. ask the write to decide: a [`Change`], nothing to change, or a domain error;
//! 5. commit the change and the key's receipt in one transaction.
//!
//! A change that lost to another write (a version that moved on, a concurrent transaction, a
//! value taken meanwhile where the write says so) starts another attempt: read again, decide
//! again. All attempts together, the store's included, fit in one time budget
//! ([`CONTENTION_BUDGET`]); after it, the request fails with `Contended`, never a 5xx.

use super::idempotency::{self, Answer, Keyed, Reply, Sealing, Unanswerable};
use super::ports::{Change, StoreError, WriteStore, Written};
use super::Error;
use crate::domain::{GroupId, TenantId, UniqueField};
use crate::support::clock::Clock;
use crate::support::retry::{Backoff, CONTENTION_BUDGET};
use crate::support::usage;
use std::future::Future;
use std::ops::ControlFlow;
use time::OffsetDateTime;

/// What a write acts on, read afresh at every attempt.
pub trait Target: Send + Sync {
    /// What the store holds (`None` for a customer that is not there).
    type Read: Send;
    /// What a write may act on.
    type Found: Send + Sync;

    fn read<S: WriteStore>(
        &self,
        store: &S,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Self::Read, StoreError>> + Send;

    /// Whether the write may act on what was read: read after the key's record, so that a
    /// request whose own earlier attempt erased or changed the customer replays instead.
    fn admit(&self, read: Self::Read) -> Result<Self::Found, Error>;

    /// The answer to a change that lost to another write when the request named the very
    /// version it may change (`If-Match`): that version is gone, and reading again cannot
    /// bring it back. `None`: read again and decide again.
    fn when_stale(&self) -> Option<Error> {
        None
    }

    /// How a reply showing what was found is sealed, for a write that changed nothing of it
    /// (a patch to what is stored).
    fn sealing(&self, _found: &Self::Found) -> Option<Sealing> {
        None
    }
}

/// What a write decided.
#[derive(Debug, PartialEq)]
pub enum Decision<T> {
    /// Store the change; `T` is the write's outcome once it is stored.
    Write(Change, T),
    /// Nothing to store (a patch that changes nothing); a keyed write still records `T`.
    Unchanged(T),
    /// What was read does not hold together (read between two writes): read again.
    Reread,
}

/// A condition of the commit failed that only the write can judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Taken(UniqueField),
    UnknownGroups(Vec<GroupId>),
}

/// Whether to attempt again at once (the write changed what it acts on) or after a pause
/// (it lost to a concurrent write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    Now,
    Later,
}

pub trait Write: Send {
    type Outcome: Send;
    type Target: Target;

    /// What the next attempt reads, when it is no longer what the first one read (a create that
    /// turned into a link).
    fn retarget(&self) -> Option<Self::Target> {
        None
    }

    /// The write's rules: from what is stored and `now` to a change, or a domain error.
    fn decide(
        &mut self,
        found: &<Self::Target as Target>::Found,
        now: OffsetDateTime,
    ) -> Result<Decision<Self::Outcome>, Error>;

    /// The commit failed a condition only the write can judge: its error, or another
    /// attempt. By default the taken value's conflict; a write that requires groups must say
    /// where the request named them (without that, a missing group is a bug of ours).
    fn refused(&mut self, refusal: Refusal) -> Result<Retry, Error> {
        Err(match refusal {
            Refusal::Taken(field) => Error::Taken(field),
            Refusal::UnknownGroups(missing) => Error::Store(StoreError::UnknownGroups(missing)),
        })
    }
}

pub struct Executor<S> {
    store: S,
    clock: Clock,
}

impl<S> Executor<S> {
    pub fn new(store: S, clock: Clock) -> Self {
        Self { store, clock }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// The time the use cases decide at.
    fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }
}

type FoundOf<W> = <<W as Write>::Target as Target>::Found;

/// What every attempt of one write shares.
struct Run<'r, 'k, O> {
    tenant: &'r TenantId,
    keyed: Option<&'r Keyed<'k, O>>,
    now: OffsetDateTime,
}

/// Why a write stops before it has an outcome of its own.
enum Stop {
    /// The key's record answers: the request was done before.
    Replayed(Reply),
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Stop::Failed(error)
    }
}

impl From<StoreError> for Stop {
    fn from(error: StoreError) -> Self {
        Stop::Failed(Error::Store(error))
    }
}

impl<S: WriteStore> Executor<S> {
    /// Carries out a write in `tenant`: `target` is what it acts on, `prepare` makes the write
    /// from what the first attempt found (once, and only if no record answered).
    pub async fn run<W, P>(
        &self,
        tenant: &TenantId,
        keyed: Option<&Keyed<'_, W::Outcome>>,
        target: W::Target,
        prepare: P,
    ) -> Result<Answer<W::Outcome>, Error>
    where
        W: Write,
        P: AsyncFnOnce(&FoundOf<W>, OffsetDateTime) -> Result<W, Error>,
    {
        let run = Run {
            tenant,
            keyed,
            now: self.now(),
        };
        match self.attempts(&run, target, prepare).await {
            Ok(outcome) => Ok(Answer::Fresh(outcome)),
            Err(Stop::Replayed(reply)) => Ok(Answer::Replayed(reply)),
            Err(Stop::Failed(error)) => Err(error),
        }
    }

    async fn attempts<W, P>(
        &self,
        run: &Run<'_, '_, W::Outcome>,
        mut target: W::Target,
        prepare: P,
    ) -> Result<W::Outcome, Stop>
    where
        W: Write,
        P: AsyncFnOnce(&FoundOf<W>, OffsetDateTime) -> Result<W, Error>,
    {
        let mut found = self.look(&target, run).await?;
        let mut write = prepare(&found, run.now).await?;
        // The budget is for contention, from the first decision on: preparing (an identity
        // document staged and verified in S3) is not contention.
        let mut backoff = Backoff::new(CONTENTION_BUDGET);
        loop {
            let step = match write.decide(&found, run.now)? {
                Decision::Reread => ControlFlow::Continue(Retry::Later),
                Decision::Unchanged(outcome) if run.keyed.is_none() => ControlFlow::Break(outcome),
                Decision::Unchanged(outcome) => {
                    let nothing = Change::of(Written::Nothing);
                    let sealing = target.sealing(&found);
                    self.commit(&mut write, &target, &nothing, sealing, outcome, run)
                        .await?
                }
                Decision::Write(change, outcome) => {
                    let sealing = change.record.sealing();
                    self.commit(&mut write, &target, &change, sealing, outcome, run)
                        .await?
                }
            };
            let more = match step {
                ControlFlow::Break(outcome) => return Ok(outcome),
                ControlFlow::Continue(Retry::Now) => !backoff.spent(),
                ControlFlow::Continue(Retry::Later) => backoff.wait().await,
            };
            if !more {
                return Err(Error::Contended.into());
            }
            usage::add_contention_retry();
            if let Some(next) = write.retarget() {
                target = next;
            }
            found = self.look(&target, run).await?;
        }
    }

    /// One attempt's reading: the target, then the key's record (a live one answers), then
    /// whether the write may act on what the target holds.
    async fn look<T: Target, O>(&self, target: &T, run: &Run<'_, '_, O>) -> Result<T::Found, Stop> {
        let read = target.read(&self.store, run.tenant).await?;
        if let Some(keyed) = run.keyed {
            let record = self
                .store
                .recorded(run.tenant, &keyed.request, run.now)
                .await?;
            let recorded = idempotency::replay(record, &keyed.request, run.now);
            let recorded = recorded.map_err(|refused| match refused {
                Unanswerable::KeyReused => Error::KeyReused,
                Unanswerable::Erased => Error::CustomerErased,
            });
            if let Some(reply) = recorded? {
                return Err(Stop::Replayed(reply));
            }
        }
        Ok(target.admit(read)?)
    }

    /// Stores `change` with the receipt of `outcome` (its reply sealed as `sealing` says):
    /// the outcome, or another attempt (a commit lost to a concurrent write, or to a request
    /// with the same key, whose record the next attempt reads; or refused for a reason the
    /// write judges).
    async fn commit<W: Write>(
        &self,
        write: &mut W,
        target: &W::Target,
        change: &Change,
        sealing: Option<Sealing>,
        outcome: W::Outcome,
        run: &Run<'_, '_, W::Outcome>,
    ) -> Result<ControlFlow<W::Outcome, Retry>, Stop> {
        let receipt = run
            .keyed
            .map(|keyed| keyed.receipt(&outcome, sealing, run.now))
            .transpose()
            .map_err(|_| Error::Unrepresentable)?;
        let retry = match self
            .store
            .commit(run.tenant, change, receipt.as_ref())
            .await
        {
            Ok(()) => return Ok(ControlFlow::Break(outcome)),
            Err(StoreError::Stale) => match target.when_stale() {
                Some(error) => return Err(error.into()),
                None => Retry::Later,
            },
            Err(StoreError::Conflict) => Retry::Later,
            Err(StoreError::AlreadyRecorded) if receipt.is_some() => Retry::Now,
            Err(StoreError::Taken(field)) => write.refused(Refusal::Taken(field))?,
            Err(StoreError::UnknownGroups(missing)) => {
                write.refused(Refusal::UnknownGroups(missing))?
            }
            Err(error) => return Err(error.into()),
        };
        Ok(ControlFlow::Continue(retry))
    }
}
