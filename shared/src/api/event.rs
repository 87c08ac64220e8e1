//! Change events as the API shows them (a CloudEvent 1.0, the same JSON on the bus and in
//! `GET /events`), what an update changed, and the query of `GET /events`.

use super::query::{error, paging};
use super::show::CustomerView;
use super::ValidationErrors;
use crate::domain::{ChangeEvent, Customer, EventSubject, EventType};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct CloudEventView<'a> {
    specversion: &'static str,
    id: String,
    source: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    time: time::OffsetDateTime,
    subject: String,
    datacontenttype: &'static str,
    /// An extension attribute: one bus carries every tenant's events, and a subscriber's rule
    /// picks its own (`detail.tenant`).
    tenant: &'a str,
    data: EventData<'a>,
}

#[derive(Serialize)]
struct EventData<'a> {
    version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    changed: Option<&'a [String]>,
}

impl<'a> From<&'a ChangeEvent> for CloudEventView<'a> {
    fn from(event: &'a ChangeEvent) -> Self {
        Self {
            specversion: "1.0",
            id: event.id.hyphenated().to_string(),
            source: &event.source,
            kind: event.kind.name(),
            time: event.time,
            subject: event.subject.to_string(),
            datacontenttype: "application/json",
            tenant: event.tenant.as_str(),
            data: EventData {
                version: event.version,
                changed: event.changed.as_deref(),
            },
        }
    }
}

/// Members every update changes: saying so tells a consumer nothing.
const ALWAYS_CHANGED: &[&str] = &["version", "updated_at"];

/// The names of the top-level members of the customer's JSON whose value differs between
/// `before` and `after` (present in one only counts), sorted: what an update event names,
/// never a value.
pub fn changed_members(before: &Customer, after: &Customer) -> Vec<String> {
    let shown = |customer: &Customer| match serde_json::to_value(CustomerView::from(customer)) {
        Ok(Value::Object(members)) => members,
        _ => serde_json::Map::new(),
    };
    let (before, after) = (shown(before), shown(after));
    let mut names: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|name| !ALWAYS_CHANGED.contains(&name.as_str()))
        .filter(|name| before.get(*name) != after.get(*name))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// What `GET /events` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    pub limit: u32,
    pub cursor: Option<String>,
    pub subject: Option<EventSubject>,
    pub kind: Option<EventType>,
}

const KNOWN: &[&str] = &["limit", "cursor", "subject", "type"];

/// `params`: the query string's parameters by name.
pub fn parse_event_query(
    params: &BTreeMap<String, String>,
) -> Result<EventQuery, ValidationErrors> {
    let mut errors = Vec::new();
    let (limit, cursor) = paging(params, KNOWN, &mut errors);
    let subject = params
        .get("subject")
        .map(|raw| {
            EventSubject::parse(raw.trim()).ok_or_else(|| {
                error(
                    "subject",
                    "invalid_format",
                    "must be a customer's or a group's id (a UUID)",
                )
            })
        })
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let kind = params
        .get("type")
        .map(|raw| {
            EventType::parse(raw.trim()).ok_or_else(|| {
                let names: Vec<_> = EventType::ALL.iter().map(|t| t.name()).collect();
                error(
                    "type",
                    "invalid_value",
                    format!("must be one of {}", names.join(", ")),
                )
            })
        })
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    match limit {
        Some(limit) if errors.is_empty() => Ok(EventQuery {
            limit,
            cursor,
            subject,
            kind,
        }),
        _ => Err(ValidationErrors(errors)),
    }
}

#[cfg(test)]
mod tests;
