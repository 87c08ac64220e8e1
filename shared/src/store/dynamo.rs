use super::keys::{self, Key, PARTITION_KEY};
use super::{Claim, CustomerReader, CustomerWriter, StoreError, UniqueField};
use crate::domain::{Customer, CustomerId, TenantId};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::time::Duration;

/// DynamoDB storage of one table (its definition lives in template.yaml).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
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
    customer_id: CustomerId,
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
        let mut fields: Vec<Option<UniqueField>> = vec![None];
        let mut items = vec![self.put_if_absent(to_item(&customer_item))?];
        for claim in claims {
            let item = ClaimItem {
                key: keys::claim(tenant, claim.field, &claim.value),
                entity: "claim",
                tenant_id: tenant,
                field: claim.field.name(),
                customer_id: customer.id,
            };
            items.push(self.put_if_absent(to_item(&item))?);
            fields.push(Some(claim.field));
        }

        let mut attempt = 0;
        loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(()),
                Err(error) => error,
            };
            match classify_transaction(error, &fields) {
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
    Failed(StoreError),
}

fn classify_transaction(
    error: SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>,
    fields: &[Option<UniqueField>],
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
    cancellation_outcome(&codes, fields)
}

/// What a cancelled transaction means, from its reasons (one per item, in item order; a
/// non-failing item's code is `None`) and the unique field each item claims.
fn cancellation_outcome(codes: &[&str], fields: &[Option<UniqueField>]) -> TransactionOutcome {
    // A failed condition is decisive, whatever else happened: the value is taken.
    if let Some(index) = codes.iter().position(|c| *c == "ConditionalCheckFailed") {
        return TransactionOutcome::Failed(match fields.get(index).copied().flatten() {
            Some(field) => StoreError::Taken(field),
            // A random UUID v4 collided with an existing customer: not the client's doing.
            None => StoreError::Internal("customer id collision".to_owned()),
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

impl CustomerReader for DynamoStore {
    async fn get(&self, tenant: &TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        let key = to_item(keys::customer(tenant, id))
            .map_err(|e| StoreError::Internal(format!("serialising a key: {e}")))?;
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            // A client that reads right after creating must see its customer.
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        let Some(item) = output.item else {
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

    const FIELDS: [Option<UniqueField>; 3] =
        [None, Some(UniqueField::Email), Some(UniqueField::Mobile)];

    fn outcome(codes: &[&str]) -> String {
        match cancellation_outcome(codes, &FIELDS) {
            TransactionOutcome::Conflict => "retry".to_owned(),
            TransactionOutcome::Failed(StoreError::Taken(field)) => {
                format!("taken {}", field.name())
            }
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
