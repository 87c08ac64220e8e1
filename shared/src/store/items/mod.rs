//! The table's items: one type per kind of item, with explicit conversions to and from the
//! domain, so that a stored attribute keeps its name whatever the API or the domain call it.
//!
//! Every item written carries `layout`, the version of its attribute names and shapes. A
//! reader dispatches on it before reading anything else, so that a later layout (a renamed
//! attribute) can be read beside every earlier one without migrating the table. Items written
//! before layouts were marked carry none: they are layout 1, which is also what is written
//! today (`layouts/*-unmarked.json` are such items, read by the tests), but for the records
//! of keyed writes whose reply shows a customer: layout 2, sealed (`record.rs`).

mod change;
mod claim;
mod customer;
mod event;
mod group;
mod record;
mod tombstone;

pub(crate) use change::read_change;
pub(crate) use claim::{ClaimItem, ClaimOwner, Owner};
pub(crate) use customer::CustomerItem;
pub(crate) use event::EventItem;
pub(crate) use group::GroupItem;
pub(crate) use record::RecordItem;
pub(crate) use tombstone::TombstoneItem;

#[cfg(test)]
mod tests;

use crate::use_cases::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// The layout every item is written in (a sealed record aside).
pub(crate) const LAYOUT: u32 = 1;

/// The layout of items written before layouts were marked.
fn unmarked() -> u32 {
    1
}

/// The layout of an item: its `layout` attribute, or 1 for an item written before there was
/// one.
fn layout_of(item: &Item) -> Result<u32, StoreError> {
    match item.get("layout") {
        None => Ok(1),
        Some(AttributeValue::N(number)) => number
            .parse()
            .map_err(|_| StoreError::Internal("an item's layout is not a number".into())),
        Some(_) => Err(StoreError::Internal(
            "an item's layout is not a number".into(),
        )),
    }
}

/// `item`, of a kind whose only layout is [`LAYOUT`], as `T`.
pub(crate) fn read_layout_1<T: DeserializeOwned>(item: Item, kind: &str) -> Result<T, StoreError> {
    match layout_of(&item)? {
        1 => from_item(item),
        other => Err(StoreError::Internal(format!(
            "a {kind} item has layout {other}, which this version cannot read"
        ))),
    }
}

pub(crate) fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::to_item(value)
        .map_err(|_| StoreError::Internal("an item could not be serialised".into()))
}

/// Serde's own message is not kept: it may quote the value it could not read (an email).
pub(crate) fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
        .map_err(|_| StoreError::Internal("a stored item does not fit its layout".into()))
}

/// Bytes as a binary attribute (`B`): serde's sequence of numbers would be a list of `N`.
pub(crate) struct Binary(pub(crate) Vec<u8>);

impl Serialize for Binary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Binary {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Binary;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a binary attribute")
            }
            fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Binary, E> {
                Ok(Binary(bytes.to_vec()))
            }
            fn visit_byte_buf<E>(self, bytes: Vec<u8>) -> Result<Binary, E> {
                Ok(Binary(bytes))
            }
        }
        deserializer.deserialize_byte_buf(Bytes)
    }
}

/// A stored value that is none of the values its attribute may hold (a bug or a hand edit,
/// never a client's doing). Names the attribute only: values may be personal data.
fn unreadable(attribute: &str) -> StoreError {
    StoreError::Internal(format!("a stored item holds an unknown {attribute}"))
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");
