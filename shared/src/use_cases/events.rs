//! `GET /events`: a tenant's change events, newest first, by subject and type: how a consumer
//! that missed deliveries finds what it missed.

use super::cursor::{self, Listing};
use super::ports::{EventFilter, EventLog};
use super::Error;
use crate::api::parse_event_query;
use crate::domain::{ChangeEvent, Principal};
use std::collections::BTreeMap;

pub struct EventPage {
    pub events: Vec<ChangeEvent>,
    pub next_cursor: Option<String>,
}

pub struct Events<L> {
    log: L,
}

impl<L: EventLog> Events<L> {
    pub fn new(log: L) -> Self {
        Self { log }
    }

    /// `params`: the query string's parameters by name.
    pub async fn list(
        &self,
        principal: &Principal,
        params: &BTreeMap<String, String>,
    ) -> Result<EventPage, Error> {
        let query = parse_event_query(params)?;
        let tenant = &principal.tenant;
        let start = query
            .cursor
            .map(|c| cursor::open(tenant, Listing::Events, &c))
            .transpose()
            .map_err(|_| Error::InvalidCursor)?;
        let filter = EventFilter {
            subject: query.subject,
            kind: query.kind,
        };
        let page = self.log.list(tenant, &filter, query.limit, start).await?;
        Ok(EventPage {
            events: page.items,
            next_cursor: page
                .next
                .map(|next| cursor::seal(tenant, Listing::Events, &next)),
        })
    }
}
