//! A claim item: one per unique value taken, keyed by the value's canonical form. It holds only
//! what is needed to find its owner; the value itself is in the key.

use super::LAYOUT;
use crate::domain::{Claim, CustomerId, GroupId, TenantId};
use crate::store::keys;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub(crate) struct ClaimItem<'a> {
    pk: String,
    sk: String,
    entity: &'static str,
    tenant_id: &'a str,
    layout: u32,
    field: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<String>,
}

/// Who holds a unique value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    Customer(CustomerId),
    Group(GroupId),
}

impl<'a> ClaimItem<'a> {
    pub(crate) fn new(tenant: &'a TenantId, claim: &Claim, owner: Owner) -> Self {
        let key = keys::claim(tenant, claim.field, &claim.value);
        let (customer_id, group_id) = match owner {
            Owner::Customer(id) => (Some(id.to_string()), None),
            Owner::Group(id) => (None, Some(id.to_string())),
        };
        Self {
            pk: key.pk,
            sk: key.sk,
            entity: "claim",
            tenant_id: tenant.as_str(),
            layout: LAYOUT,
            field: claim.field.name(),
            customer_id,
            group_id,
        }
    }
}

/// What a read of a claim needs: its customer, if a customer holds it (layout 1).
#[derive(Deserialize)]
pub(crate) struct ClaimOwner {
    customer_id: Option<String>,
}

impl ClaimOwner {
    pub(crate) fn customer(&self) -> Option<CustomerId> {
        self.customer_id.as_deref().and_then(CustomerId::parse)
    }
}
