//! What writes act on, as the executor reads it at each attempt.

use super::executor::Target;
use super::idempotency::Sealing;
use super::ports::{StoreError, StoredCustomer, WriteStore};
use super::Error;
use crate::domain::{Claim, CustomerId, TenantId};

/// Nothing: a create acts on nothing stored (its claims' conditions do the checking).
#[derive(Debug, Clone, Copy)]
pub struct Nothing;

impl Target for Nothing {
    type Read = ();
    type Found = ();

    async fn read<S: WriteStore>(&self, _: &S, _: &TenantId) -> Result<(), StoreError> {
        Ok(())
    }

    fn admit(&self, (): ()) -> Result<(), Error> {
        Ok(())
    }
}

/// An `If-Match` header, as a write needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Precondition {
    /// None: the change applies to whatever version is current, re-read after a concurrent
    /// change.
    #[default]
    None,
    /// `*`: the customer must exist; any version.
    Exists,
    /// The customer must be at one of these versions (`"3"`, or a list of them).
    Versions(Vec<u64>),
}

impl Precondition {
    fn admits(&self, version: u64) -> bool {
        match self {
            Precondition::None | Precondition::Exists => true,
            Precondition::Versions(versions) => versions.contains(&version),
        }
    }
}

/// A customer of the tenant, at a version the request's precondition admits.
#[derive(Debug, Clone)]
pub struct CustomerAt {
    pub id: CustomerId,
    pub precondition: Precondition,
}

impl Target for CustomerAt {
    type Read = Option<StoredCustomer>;
    type Found = StoredCustomer;

    async fn read<S: WriteStore>(
        &self,
        store: &S,
        tenant: &TenantId,
    ) -> Result<Option<StoredCustomer>, StoreError> {
        store.get(tenant, self.id).await
    }

    fn admit(&self, read: Option<StoredCustomer>) -> Result<StoredCustomer, Error> {
        let stored = read.ok_or(Error::NotFound)?;
        if !self.precondition.admits(stored.customer.version) {
            return Err(Error::PreconditionFailed);
        }
        Ok(stored)
    }

    /// A change refused because the customer moved on (by another request: one with the same
    /// key is refused for its record first) is 412 when `If-Match` named versions.
    fn when_stale(&self) -> Option<Error> {
        matches!(self.precondition, Precondition::Versions(_)).then_some(Error::PreconditionFailed)
    }

    fn sealing(&self, found: &StoredCustomer) -> Option<Sealing> {
        found.sealing()
    }
}

/// Who holds some unique values, and the customer holding the first of them that is taken.
#[derive(Debug, Clone)]
pub struct Holders(Vec<Claim>);

impl Holders {
    pub fn of(claims: Vec<Claim>) -> Self {
        Self(claims)
    }
}

#[derive(Debug, Clone)]
pub struct Holding {
    /// For each claim, in order, the customer holding it (`None`: free).
    pub owners: Vec<Option<CustomerId>>,
    /// The holder of the first taken claim, as stored now (`None` if it is gone since).
    pub customer: Option<StoredCustomer>,
}

impl Target for Holders {
    type Read = Holding;
    type Found = Holding;

    async fn read<S: WriteStore>(
        &self,
        store: &S,
        tenant: &TenantId,
    ) -> Result<Holding, StoreError> {
        let owners = store.claim_owners(tenant, &self.0).await?;
        let customer = match owners.iter().flatten().next() {
            Some(owner) => store.get(tenant, *owner).await?,
            None => None,
        };
        Ok(Holding { owners, customer })
    }

    fn admit(&self, read: Holding) -> Result<Holding, Error> {
        Ok(read)
    }
}

/// What a create reads: nothing; once it turned into a link (`link_existing`), who holds its
/// values.
#[derive(Debug, Clone)]
pub enum Registering {
    New,
    Link(Holders),
}

pub enum Registered {
    New,
    Link(Box<Holding>),
}

impl Target for Registering {
    type Read = Registered;
    type Found = Registered;

    async fn read<S: WriteStore>(
        &self,
        store: &S,
        tenant: &TenantId,
    ) -> Result<Registered, StoreError> {
        match self {
            Registering::New => Nothing.read(store, tenant).await.map(|()| Registered::New),
            Registering::Link(holders) => {
                let holding = holders.read(store, tenant).await?;
                Ok(Registered::Link(Box::new(holding)))
            }
        }
    }

    fn admit(&self, read: Registered) -> Result<Registered, Error> {
        Ok(read)
    }
}
