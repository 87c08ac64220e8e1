//! Pages as DynamoDB's queries make them, in memory.

use crate::use_cases::ports::{Page, PageKey};
use std::fmt::Display;
use time::OffsetDateTime;

/// Where an item sorts in its tenant's listing: creation millisecond, then id, as the indexes
/// sort it.
pub(super) fn position(created_at: OffsetDateTime, id: impl Display) -> String {
    let millis = created_at.unix_timestamp_nanos() / 1_000_000;
    format!("{millis:015}#{id}")
}

/// A page of `items` by their position, after `start`'s, like a DynamoDB query with a `Limit`:
/// a full page always says where the next one starts, even when nothing follows (that next
/// page is then empty).
pub(super) fn page_of<'a, T: Clone + 'a>(
    items: impl Iterator<Item = (String, &'a T)>,
    limit: u32,
    start: Option<PageKey>,
    newest_first: bool,
) -> Page<T> {
    let after = start.and_then(|key| key.get("after").cloned());
    let mut items: Vec<(String, &T)> = items
        .filter(|(position, _)| match &after {
            None => true,
            Some(after) if newest_first => position < after,
            Some(after) => position > after,
        })
        .collect();
    items.sort_by(|a, b| {
        if newest_first {
            b.0.cmp(&a.0)
        } else {
            a.0.cmp(&b.0)
        }
    });
    items.truncate(limit as usize);
    let next = (items.len() == limit as usize).then(|| {
        let last = items.last().map(|(p, _)| p.clone()).unwrap_or_default();
        PageKey::from([("after".to_owned(), last)])
    });
    Page {
        items: items.into_iter().map(|(_, item)| item.clone()).collect(),
        next,
    }
}
