//! Customer items and the writes that keep their claims with them.

use super::cancellation::Role;
use super::claims::Owner;
use super::DynamoStore;
use crate::domain::{Claim, Customer, CustomerId, GroupId, SourceAccount, TenantId, Tombstone};
use crate::store::{
    keys, ClaimChanges, CustomerEraser, CustomerReader, CustomerUpdater, CustomerWriter,
    SourceLinker, StoreError,
};
use crate::use_cases::idempotency::Receipt;
use aws_sdk_dynamodb::types::{AttributeValue, Update};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

#[derive(Serialize, Deserialize)]
pub(super) struct CustomerItem<C> {
    #[serde(flatten)]
    key: keys::Key,
    /// Where the customer sits in its tenant's listing.
    #[serde(flatten)]
    listing: keys::ListingKey,
    entity: String,
    tenant_id: TenantId,
    /// The identity document's claim value, kept so that a change or an erasure can release
    /// it; the domain's customer never shows it to clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    document_claim: Option<String>,
    #[serde(flatten)]
    customer: C,
}

impl<'a> CustomerItem<&'a Customer> {
    fn of(tenant: &TenantId, customer: &'a Customer) -> Self {
        Self {
            key: keys::customer(tenant, customer.id),
            listing: keys::customer_listing(
                tenant,
                customer.created_at.unix_timestamp_nanos() / 1_000_000,
                customer.id,
            ),
            entity: "customer".to_owned(),
            tenant_id: tenant.clone(),
            document_claim: customer.document_fingerprint.clone(),
            customer,
        }
    }
}

impl CustomerItem<Customer> {
    pub(super) fn into_customer(self) -> Customer {
        let mut customer = self.customer;
        customer.document_fingerprint = self.document_claim;
        customer
    }
}

#[derive(Serialize)]
struct TombstoneItem<'a> {
    #[serde(flatten)]
    key: keys::Key,
    entity: &'static str,
    tenant_id: &'a TenantId,
    #[serde(flatten)]
    tombstone: &'a Tombstone,
}

impl CustomerWriter for DynamoStore {
    async fn insert(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        claims: &[Claim],
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        self.commit(|mut transaction| {
            transaction.put_new(Role::Record, &CustomerItem::of(tenant, customer))?;
            for claim in claims {
                transaction.claim(tenant, claim, Owner::Customer(customer.id))?;
            }
            for group in &customer.details.groups {
                transaction.require(Role::Group(*group), keys::group(tenant, *group))?;
            }
            transaction.maybe_receipt(tenant, receipt)?;
            Ok(transaction)
        })
        .await
    }
}

impl CustomerReader for DynamoStore {
    async fn get(&self, tenant: &TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        let item: Option<CustomerItem<Customer>> = self.read(keys::customer(tenant, id)).await?;
        Ok(item.map(CustomerItem::into_customer))
    }
}

impl SourceLinker for DynamoStore {
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

    async fn link_source(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        account: &SourceAccount,
        free: &[Claim],
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        let accounts = serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(vec![account])
            .map_err(|e| StoreError::Internal(format!("serialising a source account: {e}")))?;
        // The account's creation is the customer's update (already whole milliseconds).
        let updated_at = account
            .created_at
            .format(&Rfc3339)
            .map_err(|e| StoreError::Internal(format!("formatting a timestamp: {e}")))?;
        let update = Update::builder()
            .update_expression(
                "SET #sources = list_append(if_not_exists(#sources, :none), :account), #version = :next, #updated_at = :now",
            )
            .condition_expression("#version = :expected")
            .expression_attribute_names("#sources", "sources")
            .expression_attribute_names("#version", "version")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":none", AttributeValue::L(Vec::new()))
            .expression_attribute_values(":account", accounts)
            .expression_attribute_values(":next", AttributeValue::N((customer.version + 1).to_string()))
            .expression_attribute_values(":expected", AttributeValue::N(customer.version.to_string()))
            .expression_attribute_values(":now", AttributeValue::S(updated_at));
        self.commit(|mut transaction| {
            let key = keys::customer(tenant, customer.id);
            transaction.update(Role::Versioned, key, update.clone())?;
            for claim in free {
                transaction.claim(tenant, claim, Owner::Customer(customer.id))?;
            }
            transaction.maybe_receipt(tenant, receipt)?;
            Ok(transaction)
        })
        .await
    }
}

impl CustomerUpdater for DynamoStore {
    async fn replace(
        &self,
        tenant: &TenantId,
        previous_version: u64,
        revised: &Customer,
        changes: &ClaimChanges,
        new_groups: &[GroupId],
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        self.commit(|mut transaction| {
            transaction.put_versioned(&CustomerItem::of(tenant, revised), previous_version)?;
            for claim in &changes.release {
                transaction.release(tenant, claim, revised.id)?;
            }
            for claim in &changes.take {
                transaction.claim(tenant, claim, Owner::Customer(revised.id))?;
            }
            for group in new_groups {
                transaction.require(Role::Group(*group), keys::group(tenant, *group))?;
            }
            transaction.maybe_receipt(tenant, receipt)?;
            Ok(transaction)
        })
        .await
    }
}

impl CustomerEraser for DynamoStore {
    async fn erase(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        tombstone: &Tombstone,
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        self.commit(|mut transaction| {
            transaction.delete_versioned(keys::customer(tenant, customer.id), customer.version)?;
            for claim in customer.claims() {
                transaction.release(tenant, &claim, customer.id)?;
            }
            let item = TombstoneItem {
                key: keys::tombstone(tenant, customer.id),
                entity: "tombstone",
                tenant_id: tenant,
                tombstone,
            };
            transaction.put_new(Role::Record, &item)?;
            transaction.maybe_receipt(tenant, receipt)?;
            Ok(transaction)
        })
        .await
    }
}
