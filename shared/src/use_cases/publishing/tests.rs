use super::*;
use crate::domain::{CustomerGroup, GroupId, Subject, Text, Tombstone};
use crate::testing::MemoryEvents;
use time::macros::datetime;

fn acme() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn created() -> CommittedChange {
    CommittedChange::CustomerWritten {
        tenant: acme(),
        before: None,
        after: Box::new(crate::testing::customer()),
    }
}

fn updated(change: &CommittedChange) -> CommittedChange {
    let CommittedChange::CustomerWritten { after, .. } = change else {
        panic!("a customer written");
    };
    let mut next = after.clone();
    next.details.newsletter = !after.details.newsletter;
    next.version += 1;
    CommittedChange::CustomerWritten {
        tenant: acme(),
        before: Some(after.clone()),
        after: next,
    }
}

fn erased(change: &CommittedChange) -> CommittedChange {
    let CommittedChange::CustomerWritten { after, .. } = change else {
        panic!("a customer written");
    };
    CommittedChange::CustomerErased {
        tenant: acme(),
        tombstone: Tombstone {
            id: after.id,
            deleted_at: datetime!(2026-12-02 07:00 UTC),
            deleted_by: Subject::parse("operator").unwrap(),
            request_id: None,
            version: after.version + 1,
        },
    }
}

fn at(position: u32, change: CommittedChange) -> StreamedChange {
    StreamedChange {
        position: position.to_string(),
        change: Ok(Some(change)),
    }
}

fn publisher(fakes: &MemoryEvents) -> Publisher<MemoryEvents, MemoryEvents> {
    Publisher::new(fakes.clone(), fakes.clone(), "customers-api")
}

#[test]
fn each_change_makes_its_event_numbered_by_version() {
    let create = created();
    let update = updated(&create);
    let erase = erased(&update);
    let group = CommittedChange::GroupCreated {
        tenant: acme(),
        group: CustomerGroup {
            id: GroupId::random(),
            name: Text::restore("VIP".into()),
            description: None,
            created_at: datetime!(2026-12-02 06:00 UTC),
        },
    };
    let events: Vec<ChangeEvent> = [&create, &update, &erase, &group]
        .into_iter()
        .map(|change| event_of(change, "customers-api").unwrap())
        .collect();
    let summary: Vec<_> = events
        .iter()
        .map(|e| (e.kind, e.version, e.changed.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (EventType::CustomerCreated, 1, None),
            (
                EventType::CustomerUpdated,
                2,
                Some(vec!["newsletter".to_owned()])
            ),
            (EventType::CustomerDeleted, 3, None),
            (EventType::CustomerGroupCreated, 1, None),
        ]
    );
    assert_eq!(events[0].subject, events[2].subject);
    assert_eq!(
        events[2].time,
        datetime!(2026-12-02 07:00 UTC),
        "when it was erased"
    );
    assert_eq!(
        event_of(&update, "customers-api").unwrap(),
        events[1],
        "a change delivered again is the same event, id included"
    );
    let ids: std::collections::BTreeSet<_> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), 4);
    assert!(events.iter().all(|e| e.id.get_version_num() == 8));
}

#[tokio::test]
async fn a_batch_is_kept_then_published_in_order_and_records_of_no_change_are_passed_over() {
    let fakes = MemoryEvents::default();
    let create = created();
    let batch = vec![
        at(1, create.clone()),
        StreamedChange {
            position: "2".into(),
            change: Ok(None),
        },
        at(3, updated(&create)),
    ];
    let outcome = publisher(&fakes).publish(batch).await;
    assert_eq!(
        outcome,
        Published {
            events: 2,
            retry_from: None,
            first_unreadable: false,
        }
    );
    let state = fakes.state();
    assert_eq!(state.kept, state.published);
    assert_eq!(
        state.kept.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2]
    );
}

#[tokio::test]
async fn a_failure_part_way_retries_from_the_first_event_that_did_not_get_through() {
    let create = created();
    let update = updated(&create);
    let batch = || {
        vec![
            at(10, create.clone()),
            at(11, update.clone()),
            at(12, erased(&update)),
        ]
    };
    let fakes = MemoryEvents::default();
    fakes.state().log_refuses_after = Some(1);
    let outcome = publisher(&fakes).publish(batch()).await;
    assert_eq!(outcome.events, 1);
    assert_eq!(outcome.retry_from.map(|(p, _)| p).as_deref(), Some("11"));
    assert_eq!(
        fakes.state().published.len(),
        1,
        "what was kept is published"
    );

    fakes.state().bus_refuses_after = Some(2);
    let outcome = publisher(&fakes).publish(batch()).await;
    assert_eq!(outcome.retry_from.map(|(p, _)| p).as_deref(), Some("12"));

    let outcome = publisher(&fakes).publish(batch()).await;
    assert_eq!(outcome.retry_from, None);
    let state = fakes.state();
    assert_eq!(
        state.kept.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2, 3],
        "every version kept once however often it came"
    );
    assert!(state.published.len() > 3, "the bus may see an event again");
}

#[tokio::test]
async fn an_unreadable_record_stops_the_batch_there() {
    let fakes = MemoryEvents::default();
    let create = created();
    let batch = vec![
        at(1, create.clone()),
        StreamedChange {
            position: "2".into(),
            change: Err(StoreError::Internal(
                "a stored item does not fit its layout".into(),
            )),
        },
        at(3, updated(&create)),
    ];
    let outcome = publisher(&fakes).publish(batch).await;
    assert_eq!(outcome.events, 1);
    let (position, reason) = outcome.retry_from.unwrap();
    assert_eq!(position, "2");
    assert!(reason.contains("layout"), "{reason}");
    assert!(
        !outcome.first_unreadable,
        "retried from it: the record before it is through"
    );
    assert_eq!(fakes.state().kept.len(), 1);

    let alone = vec![StreamedChange {
        position: "2".into(),
        change: Err(StoreError::Internal(
            "a stored item does not fit its layout".into(),
        )),
    }];
    let outcome = publisher(&fakes).publish(alone).await;
    assert!(outcome.first_unreadable, "the stream must isolate it");
}
