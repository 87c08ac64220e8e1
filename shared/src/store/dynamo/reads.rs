//! Single items read strongly consistently: a client that reads right after writing (its
//! customer, a claim it just lost, its key's record) must see that write.

use super::DynamoStore;
use crate::domain::{Claim, CustomerId, TenantId};
use crate::store::items::{read_layout_1, ClaimOwner, CustomerItem, RecordItem};
use crate::store::keys;
use crate::use_cases::idempotency::{KeyedRequest, Record};
use crate::use_cases::ports::{CustomerReader, Records, StoreError, StoredCustomer};
use time::OffsetDateTime;

impl CustomerReader for DynamoStore {
    async fn get(
        &self,
        tenant: &TenantId,
        id: CustomerId,
    ) -> Result<Option<StoredCustomer>, StoreError> {
        let item = self.read(keys::customer(tenant, id)).await?;
        item.map(CustomerItem::read).transpose()
    }

    async fn claim_owners(
        &self,
        tenant: &TenantId,
        claims: &[Claim],
    ) -> Result<Vec<Option<CustomerId>>, StoreError> {
        let mut owners = Vec::with_capacity(claims.len());
        for claim in claims {
            owners.push(self.claim_owner(tenant, claim).await?);
        }
        Ok(owners)
    }
}

impl Records for DynamoStore {
    async fn recorded(
        &self,
        tenant: &TenantId,
        request: &KeyedRequest,
        now: OffsetDateTime,
    ) -> Result<Option<Record>, StoreError> {
        let Some(item) = self.read(keys::idempotency(tenant, &request.scope)).await? else {
            return Ok(None);
        };
        let (mut record, sealed) = RecordItem::read(item)?;
        if let Some(sealed) = sealed.filter(|_| record.answers(request, now)) {
            // Only an erasure removes a customer's item (and its key with it).
            record.reply = match self.get(tenant, sealed.customer).await? {
                None => None,
                Some(stored) => Some(sealed.open(stored.seal.as_ref())?),
            };
        }
        Ok(Some(record))
    }
}

impl DynamoStore {
    /// The customer holding `claim`, if any.
    pub(super) async fn claim_owner(
        &self,
        tenant: &TenantId,
        claim: &Claim,
    ) -> Result<Option<CustomerId>, StoreError> {
        let item = self
            .read(keys::claim(tenant, claim.field, &claim.value))
            .await?;
        let owner: Option<ClaimOwner> =
            item.map(|item| read_layout_1(item, "claim")).transpose()?;
        Ok(owner.and_then(|owner| owner.customer()))
    }
}
