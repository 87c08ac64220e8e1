use super::*;
use crate::domain::TenantId;
use crate::testing::query as params;
use serde_json::json;
use time::macros::datetime;

fn fields(result: Result<EventQuery, ValidationErrors>) -> Vec<(String, &'static str)> {
    result
        .expect_err("refused")
        .0
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

#[test]
fn an_update_names_the_members_it_changed_and_never_their_values() {
    let before = crate::testing::customer();
    let mut after = before.clone();
    after.details.newsletter = !before.details.newsletter;
    after.version += 1;
    after.updated_at += time::Duration::seconds(1);
    assert_eq!(changed_members(&before, &after), ["newsletter"]);
    let mut again = after.clone();
    again.version += 1;
    assert_eq!(
        changed_members(&after, &again),
        Vec::<String>::new(),
        "version and updated_at alone are no change"
    );
    let mut gone = after.clone();
    gone.details.email = None;
    assert_eq!(
        changed_members(&after, &gone),
        ["email"],
        "a member removed counts"
    );
}

#[test]
fn a_cloud_event_is_thin_and_complete() {
    let event = ChangeEvent {
        id: uuid::Uuid::nil(),
        tenant: TenantId::parse("acme").unwrap(),
        kind: EventType::CustomerUpdated,
        subject: EventSubject::parse("6f9619ff-8b86-d011-b42d-00c04fc964ff").unwrap(),
        version: 3,
        time: datetime!(2026-12-02 06:00:00.123 UTC),
        changed: Some(vec!["email".into(), "mobile".into()]),
        source: "customers-api".into(),
    };
    assert_eq!(
        serde_json::to_value(CloudEventView::from(&event)).unwrap(),
        json!({
            "specversion": "1.0",
            "id": "00000000-0000-0000-0000-000000000000",
            "source": "customers-api",
            "type": "customer.updated",
            "time": "2026-12-02T06:00:00.123Z",
            "subject": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
            "datacontenttype": "application/json",
            "tenant": "acme",
            "data": {"version": 3, "changed": ["email", "mobile"]}
        })
    );
    let created = ChangeEvent {
        kind: EventType::CustomerCreated,
        changed: None,
        ..event
    };
    let shown = serde_json::to_value(CloudEventView::from(&created)).unwrap();
    assert_eq!(
        shown["data"],
        json!({"version": 3}),
        "no `changed` but on updates"
    );
}

#[test]
fn queries_take_a_subject_a_type_a_limit_and_a_cursor() {
    let query = parse_event_query(&params(&[
        ("subject", "6F9619FF-8B86-D011-B42D-00C04FC964FF"),
        ("type", "customer.deleted"),
        ("limit", "5"),
        ("cursor", "abc"),
    ]))
    .unwrap();
    assert_eq!(
        query,
        EventQuery {
            limit: 5,
            cursor: Some("abc".into()),
            subject: EventSubject::parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"),
            kind: Some(EventType::CustomerDeleted),
        }
    );
    let all = parse_event_query(&params(&[])).unwrap();
    assert_eq!((all.limit, all.subject, all.kind), (20, None, None));
}

#[test]
fn unknown_types_subjects_and_parameters_are_400s_on_their_parameter() {
    assert_eq!(
        fields(parse_event_query(&params(&[("type", "customer.merged")]))),
        [("?type".to_owned(), "invalid_value")]
    );
    assert_eq!(
        fields(parse_event_query(&params(&[(
            "subject",
            "ann@example.com"
        )]))),
        [("?subject".to_owned(), "invalid_format")]
    );
    assert_eq!(
        fields(parse_event_query(&params(&[
            ("limit", "0"),
            ("since", "x")
        ]))),
        [
            ("?since".to_owned(), "unknown_parameter"),
            ("?limit".to_owned(), "out_of_range")
        ]
    );
}
