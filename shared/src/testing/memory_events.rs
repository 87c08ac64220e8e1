//! In-memory fakes of the event log and the event bus, for unit tests of publishing: what each
//! holds, and a point from which each refuses (an outage part-way through a batch).

use crate::domain::{ChangeEvent, TenantId};
use crate::use_cases::ports::{
    EventBus, EventFilter, EventLog, Page, PageKey, StoreError, Undelivered,
};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Default)]
pub struct Events {
    /// Each event kept, once per (tenant, subject, version), in the order first kept; keeping
    /// one again replaces it, as a write of the same key does in DynamoDB.
    pub kept: Vec<ChangeEvent>,
    /// Every event put on the bus, repeats included.
    pub published: Vec<ChangeEvent>,
    /// The log keeps the first `n` events of the next call, then refuses the rest.
    pub log_refuses_after: Option<usize>,
    /// The bus takes the first `n` events of the next call, then refuses the rest.
    pub bus_refuses_after: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct MemoryEvents(Arc<Mutex<Events>>);

impl MemoryEvents {
    pub fn state(&self) -> MutexGuard<'_, Events> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn refused(first: usize) -> Undelivered {
    Undelivered {
        first,
        reason: "refused by the test".into(),
    }
}

impl EventLog for MemoryEvents {
    async fn record(&self, events: &[ChangeEvent]) -> Result<(), Undelivered> {
        let mut state = self.state();
        let limit = state.log_refuses_after.take().unwrap_or(usize::MAX);
        for (i, event) in events.iter().enumerate() {
            if i >= limit {
                return Err(refused(i));
            }
            let same = |kept: &ChangeEvent| {
                (&kept.tenant, kept.subject, kept.version)
                    == (&event.tenant, event.subject, event.version)
            };
            match state.kept.iter_mut().find(|kept| same(kept)) {
                Some(kept) => *kept = event.clone(),
                None => state.kept.push(event.clone()),
            }
        }
        Ok(())
    }

    async fn list(
        &self,
        tenant: &TenantId,
        filter: &EventFilter,
        limit: u32,
        _start: Option<PageKey>,
    ) -> Result<Page<ChangeEvent>, StoreError> {
        let mut items: Vec<ChangeEvent> = self
            .state()
            .kept
            .iter()
            .filter(|e| &e.tenant == tenant)
            .filter(|e| filter.subject.is_none_or(|s| s == e.subject))
            .filter(|e| filter.kind.is_none_or(|k| k == e.kind))
            .cloned()
            .collect();
        items.sort_by_key(|e| std::cmp::Reverse((e.time, e.version)));
        items.truncate(limit as usize);
        Ok(Page { items, next: None })
    }
}

impl EventBus for MemoryEvents {
    async fn publish(&self, events: &[ChangeEvent]) -> Result<(), Undelivered> {
        let mut state = self.state();
        let limit = state.bus_refuses_after.take().unwrap_or(usize::MAX);
        for (i, event) in events.iter().enumerate() {
            if i >= limit {
                return Err(refused(i));
            }
            state.published.push(event.clone());
        }
        Ok(())
    }
}
