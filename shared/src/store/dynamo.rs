use super::capacity;
use super::keys::{self, CollectionKey, Key, COLLECTIONS_INDEX, PARTITION_KEY};
use super::{
    Claim, CustomerReader, CustomerWriter, GroupStore, Page, SourceLinker, StoreError, UniqueField,
};
use crate::clients::LazyClient;
use crate::domain::{Customer, CustomerGroup, CustomerId, GroupId, SourceAccount, TenantId};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::Update;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck};
use aws_sdk_dynamodb::types::{Put, ReturnConsumedCapacity, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// DynamoDB storage of one table (its definition lives in template.yaml).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: LazyClient<Client>,
    table: String,
}

impl DynamoStore {
    pub fn new(client: LazyClient<Client>, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct CustomerItem<C> {
    #[serde(flatten)]
    key: Key,
    entity: String,
    tenant_id: TenantId,
    #[serde(flatten)]
    customer: C,
}

/// Marks a unique value as taken by one customer. It holds only what is needed to find the
/// owner; the value itself is in the key.
#[derive(Serialize)]
struct ClaimItem<'a> {
    #[serde(flatten)]
    key: Key,
    entity: &'static str,
    tenant_id: &'a TenantId,
    field: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_id: Option<CustomerId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<GroupId>,
}

/// A transaction is cancelled with `TransactionConflict` when another transaction holds one of
/// its items at that moment. Retrying resolves it to a success or a real conflict, so a race
/// ends in 201 or 409, never in 503.
const CONFLICT_ATTEMPTS: u32 = 8;

fn conflict_backoff(attempt: u32) -> Duration {
    // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter").
    let cap_ms = (20u64 << attempt.min(6)).min(1_000);
    Duration::from_millis(fastrand::u64(0..=cap_ms))
}

impl CustomerWriter for DynamoStore {
    async fn insert(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        claims: &[Claim],
    ) -> Result<(), StoreError> {
        let customer_item = CustomerItem {
            key: keys::customer(tenant, customer.id),
            entity: "customer".to_owned(),
            tenant_id: tenant.clone(),
            customer,
        };
        // Item order matters: cancellation reasons come back one per item, in this order.
        let mut roles = vec![Role::Customer];
        let mut items = vec![self.put_if_absent(to_item(&customer_item))?];
        for claim in claims {
            items.push(self.customer_claim(tenant, claim, customer.id)?);
            roles.push(Role::Claim(claim.field));
        }
        for group in &customer.details.groups {
            items.push(self.group_exists(tenant, *group)?);
            roles.push(Role::Group(*group));
        }
        self.transact(items, &roles).await
    }
}

/// What each item of a transaction stands for, to read its cancellation reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Customer,
    Claim(UniqueField),
    Group(GroupId),
    Record,
    /// A conditional update on a record's version.
    Versioned,
}

impl DynamoStore {
    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        roles: &[Role],
    ) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            let result = self
                .client
                .get()
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            let error = match result {
                Ok(output) => {
                    for consumed in output.consumed_capacity() {
                        capacity::add_write(consumed.capacity_units());
                    }
                    return Ok(());
                }
                Err(error) => error,
            };
            match classify_transaction(error, roles) {
                TransactionOutcome::AlreadyApplied => {
                    tracing::warn!("a retried transaction had already been applied");
                    return Ok(());
                }
                TransactionOutcome::Conflict if attempt + 1 < CONFLICT_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(conflict_backoff(attempt)).await;
                }
                TransactionOutcome::Conflict => {
                    return Err(StoreError::Unavailable(
                        "transaction conflicts persisted through every retry".to_owned(),
                    ))
                }
                TransactionOutcome::Failed(error) => return Err(error),
            }
        }
    }
}

impl DynamoStore {
    /// One item by key, strongly consistent: a client that reads right after writing (its
    /// customer, a claim it just lost) must see that write.
    async fn read(&self, key: Key) -> Result<Option<HashMap<String, AttributeValue>>, StoreError> {
        let key =
            to_item(key).map_err(|e| StoreError::Internal(format!("serialising a key: {e}")))?;
        let output = self
            .client
            .get()
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(classify)?;
        capacity::add_read(output.consumed_capacity().and_then(|c| c.capacity_units()));
        Ok(output.item)
    }

    /// A conditional put of `claim`, owned by `customer`.
    fn customer_claim(
        &self,
        tenant: &TenantId,
        claim: &Claim,
        customer: CustomerId,
    ) -> Result<TransactWriteItem, StoreError> {
        let item = ClaimItem {
            key: keys::claim(tenant, claim.field, &claim.value),
            entity: "claim",
            tenant_id: tenant,
            field: claim.field.name(),
            customer_id: Some(customer),
            group_id: None,
        };
        self.put_if_absent(to_item(&item))
    }

    fn group_exists(
        &self,
        tenant: &TenantId,
        group: GroupId,
    ) -> Result<TransactWriteItem, StoreError> {
        let key = to_item(keys::group(tenant, group))
            .map_err(|e| StoreError::Internal(format!("serialising a key: {e}")))?;
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    fn put_if_absent<E: std::fmt::Display>(
        &self,
        item: Result<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>, E>,
    ) -> Result<TransactWriteItem, StoreError> {
        let item = item.map_err(|e| StoreError::Internal(format!("serialising an item: {e}")))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

enum TransactionOutcome {
    Conflict,
    /// An earlier attempt of this very transaction was applied (see `cancellation_outcome`).
    AlreadyApplied,
    Failed(StoreError),
}

fn classify_transaction(
    error: SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>,
    roles: &[Role],
) -> TransactionOutcome {
    let error = match error {
        SdkError::ServiceError(service) => service.into_err(),
        other => return TransactionOutcome::Failed(classify(other)),
    };
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = error else {
        return TransactionOutcome::Failed(service_error(&error, None));
    };
    let codes: Vec<&str> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or("None"))
        .collect();
    cancellation_outcome(&codes, roles)
}

/// What a cancelled transaction means, from its reasons (one per item, in item order; a
/// non-failing item's code is `None`) and what each item stands for.
fn cancellation_outcome(codes: &[&str], roles: &[Role]) -> TransactionOutcome {
    let failed: Vec<Role> = codes
        .iter()
        .zip(roles)
        .filter(|(code, _)| **code == "ConditionalCheckFailed")
        .map(|(_, role)| *role)
        .collect();
    // A missing group makes the request itself invalid: that is said first.
    let missing: Vec<GroupId> = failed
        .iter()
        .filter_map(|role| match role {
            Role::Group(id) => Some(*id),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        return TransactionOutcome::Failed(StoreError::UnknownGroups(missing));
    }
    if failed.contains(&Role::Versioned) {
        return TransactionOutcome::Failed(StoreError::Stale);
    }
    // The record has a fresh random id that only this request writes, and every claim is
    // taken: an earlier attempt whose answer was lost (a timeout, then the SDK's retry) wrote
    // them all. DynamoDB answers such a retry from the SDK's idempotency token; a server that
    // ignores the token (moto) reports the conditions instead. Either way it is done.
    let is_record = |role: &Role| matches!(role, Role::Customer | Role::Record);
    let is_claim = |role: &Role| matches!(role, Role::Claim(_));
    if failed.iter().any(is_record)
        && roles
            .iter()
            .filter(|role| is_claim(role))
            .all(|role| failed.contains(role))
    {
        return TransactionOutcome::AlreadyApplied;
    }
    // A failed condition is decisive, whatever else happened: the value is taken.
    if let Some(role) = failed.first() {
        return TransactionOutcome::Failed(match role {
            Role::Claim(field) => StoreError::Taken(*field),
            // A random UUID v4 collided with an existing record: not the client's doing.
            _ => StoreError::Internal("record id collision".to_owned()),
        });
    }
    if codes.contains(&"TransactionConflict") {
        return TransactionOutcome::Conflict;
    }
    let throttled = codes
        .iter()
        .any(|c| matches!(*c, "ThrottlingError" | "ProvisionedThroughputExceeded"));
    TransactionOutcome::Failed(if throttled {
        StoreError::Unavailable(format!("transaction throttled: {codes:?}"))
    } else {
        StoreError::Internal(format!("transaction cancelled: {codes:?}"))
    })
}

#[derive(Serialize, Deserialize)]
struct GroupItem<G> {
    #[serde(flatten)]
    key: Key,
    #[serde(flatten)]
    collection: CollectionKey,
    entity: String,
    tenant_id: TenantId,
    #[serde(flatten)]
    group: G,
}

impl GroupStore for DynamoStore {
    async fn insert_group(
        &self,
        tenant: &TenantId,
        group: &CustomerGroup,
    ) -> Result<(), StoreError> {
        let item = GroupItem {
            key: keys::group(tenant, group.id),
            collection: keys::group_collection(
                tenant,
                group.created_at.unix_timestamp_nanos() / 1_000_000,
                group.id,
            ),
            entity: "group".to_owned(),
            tenant_id: tenant.clone(),
            group,
        };
        let claim = ClaimItem {
            key: keys::claim(tenant, UniqueField::GroupName, &group.name_key()),
            entity: "claim",
            tenant_id: tenant,
            field: UniqueField::GroupName.name(),
            customer_id: None,
            group_id: Some(group.id),
        };
        let items = vec![
            self.put_if_absent(to_item(&item))?,
            self.put_if_absent(to_item(&claim))?,
        ];
        self.transact(items, &[Role::Record, Role::Claim(UniqueField::GroupName)])
            .await
    }

    async fn list_groups(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<BTreeMap<String, String>>,
    ) -> Result<Page<CustomerGroup>, StoreError> {
        let start: Option<HashMap<String, AttributeValue>> = start.map(|key| {
            key.into_iter()
                .map(|(k, v)| (k, AttributeValue::S(v)))
                .collect()
        });
        let output = self
            .client
            .get()
            .query()
            .table_name(&self.table)
            .index_name(COLLECTIONS_INDEX)
            .key_condition_expression("gsi1pk = :collection")
            .expression_attribute_values(
                ":collection",
                AttributeValue::S(keys::group_collection_partition(tenant)),
            )
            .limit(limit as i32)
            .set_exclusive_start_key(start)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(classify)?;
        capacity::add_read(output.consumed_capacity().and_then(|c| c.capacity_units()));
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                from_item::<GroupItem<CustomerGroup>>(item)
                    .map(|stored| stored.group)
                    .map_err(|e| StoreError::Internal(format!("reading a stored group: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let next = output.last_evaluated_key.map(|key| {
            key.into_iter()
                .filter_map(|(k, v)| v.as_s().ok().map(|s| (k, s.clone())))
                .collect()
        });
        Ok(Page { items, next })
    }
}

#[derive(Deserialize)]
struct ClaimOwner {
    customer_id: Option<CustomerId>,
}

impl SourceLinker for DynamoStore {
    async fn claim_owners(
        &self,
        tenant: &TenantId,
        claims: &[Claim],
    ) -> Result<Vec<Option<CustomerId>>, StoreError> {
        let mut owners = Vec::with_capacity(claims.len());
        for claim in claims {
            let item = self
                .read(keys::claim(tenant, claim.field, &claim.value))
                .await?;
            let owner = match item {
                None => None,
                Some(item) => {
                    from_item::<ClaimOwner>(item)
                        .map_err(|e| StoreError::Internal(format!("reading a claim: {e}")))?
                        .customer_id
                }
            };
            owners.push(owner);
        }
        Ok(owners)
    }

    async fn link_source(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        account: &SourceAccount,
        free: &[Claim],
    ) -> Result<(), StoreError> {
        let serialise = |e: serde_dynamo::Error| StoreError::Internal(format!("serialising: {e}"));
        let key = to_item(keys::customer(tenant, customer.id)).map_err(serialise)?;
        let accounts = serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(vec![account])
            .map_err(serialise)?;
        // The account's creation is the customer's update (already whole milliseconds).
        let updated_at = time::OffsetDateTime::format(
            account.created_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map_err(|e| StoreError::Internal(format!("formatting a timestamp: {e}")))?;
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
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
            .expression_attribute_values(":now", AttributeValue::S(updated_at))
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        let mut roles = vec![Role::Versioned];
        for claim in free {
            items.push(self.customer_claim(tenant, claim, customer.id)?);
            roles.push(Role::Claim(claim.field));
        }
        self.transact(items, &roles).await
    }
}

impl CustomerReader for DynamoStore {
    async fn get(&self, tenant: &TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        let Some(item) = self.read(keys::customer(tenant, id)).await? else {
            return Ok(None);
        };
        let stored: CustomerItem<Customer> = from_item(item)
            .map_err(|e| StoreError::Internal(format!("reading a stored customer: {e}")))?;
        Ok(Some(stored.customer))
    }
}

/// Sorts an SDK failure into "try again later" and "will not get better".
fn classify<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match error {
        SdkError::DispatchFailure(_) => StoreError::Unavailable("endpoint unreachable".into()),
        SdkError::TimeoutError(_) => StoreError::Unavailable("timed out".into()),
        SdkError::ResponseError(_) => StoreError::Unavailable("unreadable response".into()),
        SdkError::ServiceError(service) => service_error(service.err(), None),
        other => StoreError::Internal(format!("request not sent: {}", kind_of(&other))),
    }
}

fn service_error<E: ProvideErrorMetadata>(error: &E, status: Option<u16>) -> StoreError {
    let code = error.code().unwrap_or("Unknown").to_owned();
    // Messages are not logged: DynamoDB may quote key values (emails) in them.
    let retryable = matches!(
        code.as_str(),
        "ThrottlingException"
            | "ProvisionedThroughputExceededException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "LimitExceededException"
    ) || status.is_some_and(|s| s >= 500);
    if retryable {
        StoreError::Unavailable(code)
    } else {
        StoreError::Internal(code)
    }
}

fn kind_of<E, R>(error: &SdkError<E, R>) -> &'static str {
    match error {
        SdkError::ConstructionFailure(_) => "construction failure",
        _ => "unexpected SDK error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Role; 3] = [
        Role::Customer,
        Role::Claim(UniqueField::Email),
        Role::Claim(UniqueField::Mobile),
    ];

    fn outcome(codes: &[&str]) -> String {
        outcome_of(codes, &ROLES)
    }

    fn outcome_of(codes: &[&str], roles: &[Role]) -> String {
        match cancellation_outcome(codes, roles) {
            TransactionOutcome::Conflict => "retry".to_owned(),
            TransactionOutcome::AlreadyApplied => "applied".to_owned(),
            TransactionOutcome::Failed(StoreError::Taken(field)) => {
                format!("taken {}", field.name())
            }
            TransactionOutcome::Failed(StoreError::UnknownGroups(ids)) => {
                format!("{} unknown groups", ids.len())
            }
            TransactionOutcome::Failed(StoreError::Stale) => "stale".to_owned(),
            TransactionOutcome::Failed(StoreError::Unavailable(_)) => "unavailable".to_owned(),
            TransactionOutcome::Failed(StoreError::Internal(_)) => "internal".to_owned(),
        }
    }

    #[test]
    fn the_first_failed_condition_names_the_field() {
        assert_eq!(
            outcome(&["None", "None", "ConditionalCheckFailed"]),
            "taken mobile"
        );
        assert_eq!(
            outcome(&["None", "ConditionalCheckFailed", "ConditionalCheckFailed"]),
            "taken email"
        );
        assert_eq!(
            outcome(&["None", "ConditionalCheckFailed", "TransactionConflict"]),
            "taken email"
        );
    }

    #[test]
    fn missing_groups_are_reported_before_taken_values() {
        let (a, b) = (GroupId::random(), GroupId::random());
        let roles = [
            Role::Customer,
            Role::Claim(UniqueField::Email),
            Role::Group(a),
            Role::Group(b),
        ];
        let codes = [
            "None",
            "ConditionalCheckFailed",
            "ConditionalCheckFailed",
            "ConditionalCheckFailed",
        ];
        assert_eq!(outcome_of(&codes, &roles), "2 unknown groups");
        assert_eq!(
            outcome_of(&["None", "None", "None", "ConditionalCheckFailed"], &roles),
            "1 unknown groups"
        );
    }

    #[test]
    fn a_failed_version_condition_is_stale() {
        let roles = [Role::Versioned, Role::Claim(UniqueField::Email)];
        assert_eq!(
            outcome_of(&["ConditionalCheckFailed", "None"], &roles),
            "stale"
        );
        assert_eq!(
            outcome_of(&["None", "ConditionalCheckFailed"], &roles),
            "taken email"
        );
    }

    #[test]
    fn a_record_that_exists_with_all_its_claims_was_written_by_an_earlier_attempt() {
        let all = ["ConditionalCheckFailed"; 3];
        assert_eq!(outcome(&all), "applied");
        let group = [Role::Record, Role::Claim(UniqueField::GroupName)];
        assert_eq!(outcome_of(&all[..2], &group), "applied");
        // A claim of this transaction is free: not an earlier attempt, an id collision.
        assert_eq!(
            outcome(&["ConditionalCheckFailed", "ConditionalCheckFailed", "None"]),
            "internal"
        );
    }

    #[test]
    fn conflicts_alone_are_retried() {
        assert_eq!(outcome(&["TransactionConflict", "None", "None"]), "retry");
        assert_eq!(
            outcome(&["None", "TransactionConflict", "TransactionConflict"]),
            "retry"
        );
    }

    #[test]
    fn throttling_is_unavailable_and_the_rest_internal() {
        assert_eq!(outcome(&["ThrottlingError", "None", "None"]), "unavailable");
        assert_eq!(
            outcome(&["None", "ProvisionedThroughputExceeded", "None"]),
            "unavailable"
        );
        assert_eq!(outcome(&["ValidationError", "None", "None"]), "internal");
        assert_eq!(
            outcome(&["ConditionalCheckFailed", "None", "None"]),
            "internal"
        );
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        for attempt in 0..20 {
            assert!(conflict_backoff(attempt) <= Duration::from_millis(1_000));
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| conflict_backoff(5)).collect();
        assert!(spread.len() > 1, "backoff must be jittered");
    }
}
