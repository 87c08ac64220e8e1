//! Claim items: one per unique value taken, keyed by the value's canonical form. A claim holds
//! only what is needed to find its owner; the value itself is in the key.

use super::cancellation::Role;
use super::transaction::Transaction;
use super::DynamoStore;
use crate::domain::{Claim, CustomerId, GroupId, TenantId};
use crate::store::{keys, StoreError};
use serde::{Deserialize, Serialize};

/// Who holds a unique value.
#[derive(Debug, Clone, Copy)]
pub(super) enum Owner {
    Customer(CustomerId),
    Group(GroupId),
}

#[derive(Serialize)]
struct ClaimItem<'a> {
    #[serde(flatten)]
    key: keys::Key,
    entity: &'static str,
    tenant_id: &'a TenantId,
    field: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_id: Option<CustomerId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<GroupId>,
}

#[derive(Deserialize)]
struct ClaimOwner {
    customer_id: Option<CustomerId>,
}

impl Transaction<'_> {
    /// Takes `claim` for `owner`, on condition that it is free.
    pub fn claim(
        &mut self,
        tenant: &TenantId,
        claim: &Claim,
        owner: Owner,
    ) -> Result<(), StoreError> {
        let (customer_id, group_id) = match owner {
            Owner::Customer(id) => (Some(id), None),
            Owner::Group(id) => (None, Some(id)),
        };
        let item = ClaimItem {
            key: keys::claim(tenant, claim.field, &claim.value),
            entity: "claim",
            tenant_id: tenant,
            field: claim.field.name(),
            customer_id,
            group_id,
        };
        self.put_new(Role::Claim(claim.field), &item)
    }

    /// Gives up `claim`, on condition that it is still `owner`'s.
    pub fn release(
        &mut self,
        tenant: &TenantId,
        claim: &Claim,
        owner: CustomerId,
    ) -> Result<(), StoreError> {
        self.delete_if(
            Role::Released(claim.field),
            keys::claim(tenant, claim.field, &claim.value),
            "customer_id",
            owner.to_string(),
        )
    }
}

impl DynamoStore {
    /// The customer holding `claim`, if any (strongly consistent).
    pub(super) async fn claim_owner(
        &self,
        tenant: &TenantId,
        claim: &Claim,
    ) -> Result<Option<CustomerId>, StoreError> {
        let item: Option<ClaimOwner> = self
            .read(keys::claim(tenant, claim.field, &claim.value))
            .await?;
        Ok(item.and_then(|claim| claim.customer_id))
    }
}
