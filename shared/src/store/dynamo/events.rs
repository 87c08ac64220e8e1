//! The events table (template.yaml: `EventsTable`): events kept 25 to a `BatchWriteItem` (an
//! event written again is the same item under the same key, so no condition is needed), and
//! listed by subject (the table) or by tenant (the sharded `EventsByTenant` index).

use super::errors::classify;
use crate::domain::{ChangeEvent, EventSubject, TenantId};
use crate::store::items::{EventItem, Item};
use crate::store::keys::{self, EVENTS_INDEX, EVENT_SHARDS};
use crate::support::clients::{boxed, LazyClient};
use crate::support::retry::Backoff;
use crate::support::usage;
use crate::use_cases::ports::{EventFilter, EventLog, Page, PageKey, StoreError, Undelivered};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, ReturnConsumedCapacity, WriteRequest};
use aws_sdk_dynamodb::Client;
use std::time::Duration;

/// `BatchWriteItem`'s limit.
const BATCH: usize = 25;
/// How long one batch's writes keep retrying the items DynamoDB left unprocessed (throttling)
/// before the stream retries the rest instead: one budget for all of a batch's calls, well
/// inside the function's 10 s timeout.
const UNPROCESSED_BUDGET: Duration = Duration::from_secs(4);

/// Where a page of a subject's events continues: before this version.
const BEFORE_VERSION: &str = "v";
/// Where a page of a tenant's events continues: before this listing position.
const BEFORE_POSITION: &str = "p";

#[derive(Debug, Clone)]
pub struct DynamoEvents {
    client: LazyClient<Client>,
    table: String,
}

impl DynamoEvents {
    pub fn new(client: LazyClient<Client>, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn write(&self, items: Vec<Item>, backoff: &mut Backoff) -> Result<(), StoreError> {
        let mut requests: Vec<WriteRequest> = items
            .into_iter()
            .map(|item| {
                let put = PutRequest::builder().set_item(Some(item)).build();
                put.map(|put| WriteRequest::builder().put_request(put).build())
                    .map_err(|_| StoreError::Internal("an event could not be written".into()))
            })
            .collect::<Result<_, _>>()?;
        while !requests.is_empty() {
            let output = boxed(
                self.client
                    .get()
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send(),
            )
            .await
            .map_err(classify)?;
            for consumed in output.consumed_capacity() {
                usage::add_write(consumed.capacity_units());
            }
            requests = output
                .unprocessed_items
                .and_then(|mut left| left.remove(&self.table))
                .unwrap_or_default();
            if !requests.is_empty() && !backoff.wait().await {
                return Err(StoreError::Unavailable("events left unprocessed".into()));
            }
        }
        Ok(())
    }

    async fn query(&self, query: Query<'_>) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let mut request = self
            .client
            .get()
            .query()
            .table_name(&self.table)
            .key_condition_expression(query.condition_text())
            .expression_attribute_names("#partition", query.partition.0)
            .expression_attribute_values(":partition", AttributeValue::S(query.partition.1))
            .scan_index_forward(false)
            .limit(query.limit as i32)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        if let Some((attribute, before)) = query.before {
            request = request
                .expression_attribute_names("#position", attribute)
                .expression_attribute_values(":before", AttributeValue::S(before));
        }
        if let Some(index) = query.index {
            request = request.index_name(index);
        } else {
            // A subject's own partition: what was just published is there.
            request = request.consistent_read(true);
        }
        if let Some(kind) = query.filter.kind {
            request = request
                .filter_expression("#type = :type")
                .expression_attribute_names("#type", "type")
                .expression_attribute_values(":type", AttributeValue::S(kind.name().into()));
        }
        let output = boxed(request.send()).await.map_err(classify)?;
        usage::add_read(output.consumed_capacity().and_then(|c| c.capacity_units()));
        Ok((output.items.unwrap_or_default(), output.last_evaluated_key))
    }

    async fn subject_page(
        &self,
        tenant: &TenantId,
        subject: EventSubject,
        filter: &EventFilter,
        limit: u32,
        start: Option<PageKey>,
    ) -> Result<Page<ChangeEvent>, StoreError> {
        let before = start_before(start, BEFORE_VERSION, |sk| keys::versioned(sk).is_some())?;
        let (items, last) = self
            .query(Query {
                index: None,
                partition: ("pk", keys::event_subject_partition(tenant, subject)),
                before: before.map(|sk| ("sk", sk)),
                filter,
                limit,
            })
            .await?;
        let next = last
            .and_then(|key| key.get("sk").and_then(|sk| sk.as_s().ok()).cloned())
            .map(|sk| PageKey::from([(BEFORE_VERSION.to_owned(), sk)]));
        Ok(Page {
            items: read_all(items)?,
            next,
        })
    }

    /// A page merged from every shard of the index. A shard that has more (its last evaluated
    /// position) is known only down to there: the page takes nothing older than the newest such
    /// position, so that no older event of another shard is taken before a newer one of this
    /// one. Every event at or after that point is listed, in order, and the next page resumes
    /// strictly before the last event taken (or that point).
    async fn tenant_page(
        &self,
        tenant: &TenantId,
        filter: &EventFilter,
        limit: u32,
        start: Option<PageKey>,
    ) -> Result<Page<ChangeEvent>, StoreError> {
        let before = start_before(start, BEFORE_POSITION, keys::is_event_position)?;
        let queries = (0..EVENT_SHARDS).map(|shard| {
            self.query(Query {
                index: Some(EVENTS_INDEX),
                partition: ("gsi1pk", keys::event_listing_partition(tenant, shard)),
                before: before.clone().map(|p| ("gsi1sk", p)),
                filter,
                limit,
            })
        });
        let shards = futures_util::future::try_join_all(queries).await?;
        let horizon = shards
            .iter()
            .filter_map(|(_, last)| last.as_ref()?.get("gsi1sk")?.as_s().ok().cloned())
            .max();
        let mut listed: Vec<(String, Item)> = shards
            .into_iter()
            .flat_map(|(items, _)| items)
            .filter_map(|item| Some((item.get("gsi1sk")?.as_s().ok()?.clone(), item)))
            .filter(|(position, _)| horizon.as_ref().is_none_or(|h| position >= h))
            .collect();
        listed.sort_by(|a, b| b.0.cmp(&a.0));
        let more_listed = listed.len() > limit as usize;
        listed.truncate(limit as usize);
        let next = if more_listed || (horizon.is_some() && listed.len() == limit as usize) {
            listed.last().map(|(position, _)| position.clone())
        } else {
            horizon
        };
        Ok(Page {
            items: read_all(listed.into_iter().map(|(_, item)| item).collect())?,
            next: next.map(|p| PageKey::from([(BEFORE_POSITION.to_owned(), p)])),
        })
    }
}

struct Query<'a> {
    index: Option<&'a str>,
    partition: (&'a str, String),
    /// The sort-key attribute and the position the page starts strictly before.
    before: Option<(&'a str, String)>,
    filter: &'a EventFilter,
    limit: u32,
}

impl Query<'_> {
    fn condition_text(&self) -> &'static str {
        match self.before {
            None => "#partition = :partition",
            Some(_) => "#partition = :partition AND #position < :before",
        }
    }
}

/// Where a page starts: the one member `name` of a previous page's `next`, if it is a place
/// in this listing (`valid`); anything else is a cursor the client made.
fn start_before(
    start: Option<PageKey>,
    name: &str,
    valid: impl Fn(&str) -> bool,
) -> Result<Option<String>, StoreError> {
    let Some(start) = start else {
        return Ok(None);
    };
    match start.get(name) {
        Some(position) if start.len() == 1 && valid(position) => Ok(Some(position.clone())),
        _ => Err(StoreError::InvalidStart),
    }
}

fn read_all(items: Vec<Item>) -> Result<Vec<ChangeEvent>, StoreError> {
    items.into_iter().map(EventItem::read).collect()
}

impl EventLog for DynamoEvents {
    async fn record(&self, events: &[ChangeEvent]) -> Result<(), Undelivered> {
        let mut backoff = Backoff::new(UNPROCESSED_BUDGET);
        for (chunk, batch) in events.chunks(BATCH).enumerate() {
            let mut items: Vec<Item> = Vec::with_capacity(batch.len());
            let mut keys_seen = std::collections::HashSet::new();
            for event in batch {
                // One request may not name a key twice; the same event twice is one item.
                if keys_seen.insert((event.tenant.clone(), event.subject, event.version)) {
                    let item = crate::store::items::to_item(&EventItem::new(event));
                    items.push(item.map_err(|e| undelivered(chunk, e))?);
                }
            }
            self.write(items, &mut backoff)
                .await
                .map_err(|e| undelivered(chunk, e))?;
        }
        Ok(())
    }

    async fn list(
        &self,
        tenant: &TenantId,
        filter: &EventFilter,
        limit: u32,
        start: Option<PageKey>,
    ) -> Result<Page<ChangeEvent>, StoreError> {
        match filter.subject {
            Some(subject) => {
                self.subject_page(tenant, subject, filter, limit, start)
                    .await
            }
            None => self.tenant_page(tenant, filter, limit, start).await,
        }
    }
}

fn undelivered(chunk: usize, error: StoreError) -> Undelivered {
    Undelivered {
        first: chunk * BATCH,
        reason: error.to_string(),
    }
}
