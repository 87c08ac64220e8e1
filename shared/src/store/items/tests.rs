//! Items as the table holds them: the layouts in `layouts/` were written by the code before
//! layouts were marked (an API member can now be renamed without them changing), and are read
//! back whole; what is written today is that layout, marked.

use super::{to_item, CustomerItem, GroupItem, RecordItem};
use crate::api::show::{CustomerView, GroupView};
use crate::domain::{CustomerId, TenantId};
use crate::support::seal::SealKey;
use crate::testing::dynamo_json;
use crate::use_cases::idempotency::{Receipt, Sealing};
use crate::use_cases::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

const CUSTOMER: &str = include_str!("layouts/customer-unmarked.json");
const CUSTOMER_SHOWN: &str = include_str!("layouts/customer-unmarked.shown.json");
const MINIMAL: &str = include_str!("layouts/customer-minimal-unmarked.json");
const MINIMAL_SHOWN: &str = include_str!("layouts/customer-minimal-unmarked.shown.json");
const GROUP: &str = include_str!("layouts/group-unmarked.json");
const GROUP_SHOWN: &str = include_str!("layouts/group-unmarked.shown.json");
const RECORD: &str = include_str!("layouts/record-unmarked.json");

fn acme() -> TenantId {
    TenantId::parse("acme").expect("tenant")
}

/// `layout` as it was written: the same attributes, and the mark.
fn marked(layout: &str) -> Value {
    let mut expected: Value = serde_json::from_str(layout).expect("JSON");
    expected["layout"] = serde_json::json!({"N": "1"});
    expected
}

#[test]
fn customers_written_before_layouts_read_back_whole_and_show_as_they_did() {
    for (item, shown) in [(CUSTOMER, CUSTOMER_SHOWN), (MINIMAL, MINIMAL_SHOWN)] {
        let stored = CustomerItem::read(dynamo_json::item(item)).expect("read");
        let view = serde_json::to_string_pretty(&CustomerView::from(&stored.customer));
        assert_eq!(
            view.expect("shown"),
            shown.trim_end(),
            "member by member, in order"
        );
        let written = to_item(&CustomerItem::new(&acme(), &stored)).expect("written");
        assert_eq!(
            dynamo_json::json(&written),
            marked(item),
            "the same attributes"
        );
    }
    let stored = CustomerItem::read(dynamo_json::item(CUSTOMER)).expect("read");
    assert_eq!(stored.document_claim.as_deref(), Some(&*"ab".repeat(32)));
    assert_eq!(stored.customer.version, 2);
}

#[test]
fn groups_and_records_written_before_layouts_read_back_whole() {
    let group = GroupItem::read(dynamo_json::item(GROUP)).expect("read");
    let view = serde_json::to_string_pretty(&GroupView::from(&group)).expect("shown");
    assert_eq!(view, GROUP_SHOWN.trim_end());
    let written = to_item(&GroupItem::new(&acme(), &group)).expect("written");
    assert_eq!(dynamo_json::json(&written), marked(GROUP));

    let (record, sealed) = RecordItem::read(dynamo_json::item(RECORD)).expect("read");
    assert!(sealed.is_none(), "a record of layout 1 is in the clear");
    let reply = record.reply.clone().expect("a reply");
    assert_eq!(reply.status, 201);
    assert_eq!(reply.location.as_deref(), Some("/customers/x"));
    assert_eq!(
        record.expires_at.unix_timestamp(),
        1_795_252_530,
        "TTL seconds"
    );
    let receipt = Receipt {
        scope: "5c0f".into(),
        record,
        sealing: None,
    };
    let tenant = acme();
    let item = RecordItem::new(&tenant, &receipt).expect("an item");
    let written = to_item(&item).expect("written");
    assert_eq!(dynamo_json::json(&written), marked(RECORD));
}

/// A reply that shows a customer is written as layout 2: its body sealed under the customer's
/// key, bound to its record's key, and in the clear nowhere in the item.
#[test]
fn a_reply_showing_a_customer_is_sealed_under_its_key_and_opens_with_it_only() {
    let (mut record, _) = RecordItem::read(dynamo_json::item(RECORD)).expect("read");
    let body = r#"{"data":{"first_name":"Ann","email":"ann@example.com"}}"#;
    let reply = record.reply.as_mut().expect("a reply");
    reply.body = Some(body.into());
    reply.personal = true;
    let key = SealKey::generate().expect("randomness");
    let customer = CustomerId::random();
    let receipt = Receipt {
        scope: "5c0f".into(),
        record: record.clone(),
        sealing: Some(Sealing {
            customer,
            key: key.clone(),
        }),
    };
    let tenant = acme();
    let item = to_item(&RecordItem::new(&tenant, &receipt).expect("an item")).expect("written");
    // Unsealed, a reply that shows a customer is refused, not written in the clear.
    let mut unsealed = receipt.clone();
    unsealed.sealing = None;
    unsealed.record.reply.as_mut().expect("reply").personal = true;
    assert!(matches!(
        RecordItem::new(&tenant, &unsealed),
        Err(StoreError::Internal(_))
    ));
    let text = dynamo_json::json(&item).to_string();
    assert!(!text.contains("Ann") && !text.contains("ann@"), "{text}");
    assert_eq!(item["layout"], AttributeValue::N("2".into()));

    let (read, sealed) = RecordItem::read(item.clone()).expect("read");
    assert_eq!(read.reply, None, "no reply before the key is read");
    let sealed = sealed.expect("sealed");
    assert_eq!(sealed.customer, customer);
    assert_eq!(
        sealed.open(Some(&key)).expect("opens"),
        record.reply.clone().expect("reply")
    );

    let other = SealKey::generate().expect("randomness");
    for key in [Some(&other), None] {
        let (_, sealed) = RecordItem::read(item.clone()).expect("read");
        let opened = sealed.expect("sealed").open(key);
        assert!(matches!(opened, Err(StoreError::Internal(_))), "{opened:?}");
    }
    // Moved to another key's place, it does not open either (bound to its record's key).
    let mut moved = item.clone();
    moved.insert(
        "pk".into(),
        AttributeValue::S("TENANT#acme#IDEMPOTENCY#ffff".into()),
    );
    let (_, sealed) = RecordItem::read(moved).expect("read");
    assert!(sealed.expect("sealed").open(Some(&key)).is_err());
    // Nor claimed for another customer.
    let mut claimed = item.clone();
    let other_customer = CustomerId::random().to_string();
    claimed.insert("sealed_for".into(), AttributeValue::S(other_customer));
    let (_, sealed) = RecordItem::read(claimed).expect("read");
    assert!(sealed.expect("sealed").open(Some(&key)).is_err());
    assert!(
        matches!(item.get("sealed_body"), Some(AttributeValue::B(_))),
        "a binary attribute"
    );
}

/// An item of a later layout (written by a newer version during a rollback) is refused, never
/// read as if its attributes meant what they meant before.
#[test]
fn a_layout_this_version_does_not_know_is_refused() {
    for (item, read) in [
        (CUSTOMER, |i| CustomerItem::read(i).map(drop)),
        (GROUP, |i| GroupItem::read(i).map(drop)),
        (RECORD, |i| RecordItem::read(i).map(drop)),
    ] as [(&str, fn(super::Item) -> Result<(), StoreError>); 3]
    {
        // Records have a layout 2 (sealed); customers and groups do not, yet.
        let unknown = if item == RECORD {
            ["3"].as_slice()
        } else {
            &["2", "3"]
        };
        for layout in unknown {
            let mut later = dynamo_json::item(item);
            later.insert("layout".into(), AttributeValue::N((*layout).into()));
            let outcome = read(later);
            assert!(
                matches!(outcome, Err(StoreError::Internal(ref why)) if why.contains(&format!("layout {layout}"))),
                "{outcome:?}"
            );
        }
    }
}

/// What a stored item holds that no value may hold is an error naming the attribute, never a
/// customer read wrongly, and never the value (which may be personal data).
#[test]
fn an_unreadable_attribute_is_named_without_its_value() {
    let mut item = dynamo_json::item(CUSTOMER);
    item.insert("gender".into(), AttributeValue::S("robot-ann".into()));
    match CustomerItem::read(item) {
        Err(StoreError::Internal(why)) => {
            assert!(why.contains("gender") && !why.contains("robot"), "{why}");
        }
        other => panic!("{other:?}"),
    }
}

/// Serde's message for an attribute of the wrong type quotes its value: what reaches an error
/// (and the log line of a 500) names no value.
#[test]
fn an_item_that_does_not_fit_its_layout_is_refused_without_its_values() {
    let mut item = dynamo_json::item(CUSTOMER);
    item.insert(
        "newsletter".into(),
        AttributeValue::S("ann.lee@example.com".into()),
    );
    match CustomerItem::read(item) {
        Err(StoreError::Internal(why)) => assert!(!why.contains("ann"), "{why}"),
        other => panic!("{other:?}"),
    }
}
