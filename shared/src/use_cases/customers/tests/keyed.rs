//! Keyed writes (`Idempotency-Key`): the record goes with the write, a retry is answered from
//! it, a failure records nothing, a record expires after 24 hours.

use super::*;
use crate::support::seal::SealKey;
use crate::use_cases::idempotency::{Keyed, KeyedRequest, RenderError, Reply, RECORD_LIFETIME};

/// A request with `key`, told apart as the edge tells requests apart: the key on a route is
/// where its record lives; method, path and body are what request it is.
fn keyed_with(
    key: &str,
    route: &str,
    method: &str,
    path: &str,
    body: Option<&Map<String, Value>>,
) -> KeyedRequest {
    let body = body.map(|body| Value::Object(body.clone()).to_string());
    KeyedRequest {
        scope: format!("{route}\n{key}"),
        fingerprint: format!("{method}\n{path}\n{}", body.unwrap_or_default()),
    }
}

fn keyed_request(key: &str, body: &serde_json::Value) -> KeyedRequest {
    keyed_with(
        key,
        "POST /customers",
        "POST",
        "/customers",
        body.as_object(),
    )
}

fn render_created(created: &Created) -> Result<Reply, RenderError> {
    Ok(Reply {
        status: if created.linked { 200 } else { 201 },
        body: Some(created.customer.id.to_string()),
        location: None,
        etag: Some(format!("\"{}\"", created.customer.version)),
        personal: true,
    })
}

impl Fixture {
    async fn keyed_create(
        &self,
        key: &str,
        value: serde_json::Value,
    ) -> Result<Answer<Created>, Error> {
        let keyed = Keyed {
            request: keyed_request(key, &value),
            respond: &render_created,
        };
        self.customers
            .create(&principal(TENANT), body(value), Some(&keyed))
            .await
    }

    fn inserts(&self) -> usize {
        self.store
            .calls()
            .iter()
            .filter(|op| **op == Op::Commit)
            .count()
    }
}

fn recorded(answer: Result<Answer<Created>, Error>) -> Reply {
    match answer {
        Ok(Answer::Replayed(response)) => response,
        other => panic!("expected a replay, got {other:?}"),
    }
}

#[tokio::test]
async fn a_retry_is_answered_from_the_record_and_writes_nothing() {
    let f = fixture();
    let request = json!({"first_name": "Ann", "identifiers": {"external_id": "crm-1"},
        "identity_document": passport("P1234567", 640)});
    let first = fresh(f.keyed_create("k-1", request.clone()).await).expect("created");
    let uploads = f.bucket.calls(BucketOp::Put);
    let again = recorded(f.keyed_create("k-1", request).await);
    assert_eq!(again, render_created(&first).expect("rendered"));
    assert_eq!(f.inserts(), 1, "the retry wrote nothing");
    assert_eq!(
        f.bucket.calls(BucketOp::Put),
        uploads,
        "no image was staged again"
    );
    assert_eq!(f.customer_count(), 1);
}

#[tokio::test]
async fn the_key_of_another_request_is_refused() {
    let f = fixture();
    fresh(
        f.keyed_create(
            "k-1",
            json!({"first_name": "Ann", "email": "ann@example.com"}),
        )
        .await,
    )
    .expect("created");
    assert_eq!(
        f.keyed_create(
            "k-1",
            json!({"first_name": "Bo", "email": "bo@example.com"})
        )
        .await,
        Err(Error::KeyReused)
    );
    assert_eq!(f.customer_count(), 1);
    let other_tenant = Keyed {
        request: keyed_request(
            "k-1",
            &json!({"first_name": "Bo", "email": "bo@example.com"}),
        ),
        respond: &render_created,
    };
    let elsewhere = f
        .customers
        .create(
            &principal("other"),
            body(json!({"first_name": "Bo", "email": "bo@example.com"})),
            Some(&other_tenant),
        )
        .await;
    assert!(
        matches!(elsewhere, Ok(Answer::Fresh(_))),
        "keys are per tenant"
    );
}

#[tokio::test]
async fn a_failed_request_records_nothing_and_its_corrected_retry_goes_through() {
    let f = fixture();
    f.created(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    assert!(matches!(
        f.keyed_create("k-1", json!({"first_name": "", "email": "x@example.com"}))
            .await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        f.keyed_create(
            "k-1",
            json!({"first_name": "Bo", "email": "ann@example.com"})
        )
        .await,
        Err(Error::Taken(UniqueField::Email))
    );
    assert!(f.store.state().records.is_empty());
    let corrected = f
        .keyed_create(
            "k-1",
            json!({"first_name": "Bo", "email": "bo@example.com"}),
        )
        .await;
    assert!(matches!(corrected, Ok(Answer::Fresh(_))));
}

#[tokio::test]
async fn a_request_that_loses_to_its_keys_record_is_answered_from_it() {
    let f = fixture();
    let request = json!({"first_name": "Ann", "email": "ann@example.com"});
    // Another request with the same key and body wins between this one's check and its write.
    let winner = Reply {
        status: 201,
        body: Some("the winner's customer".into()),
        location: None,
        etag: None,
        personal: true,
    };
    let scope = keyed_request("k-1", &request).scope;
    let fingerprint = keyed_request("k-1", &request).fingerprint;
    let tenant = principal(TENANT).tenant;
    let response = winner.clone();
    f.store.before(Op::Commit, move |state| {
        state.records.insert(
            (tenant.as_str().to_owned(), scope),
            crate::use_cases::idempotency::Record {
                fingerprint,
                reply: Some(response),
                created_at: NOW,
                expires_at: NOW + RECORD_LIFETIME,
            },
        );
        Ok(())
    });
    assert_eq!(recorded(f.keyed_create("k-1", request).await), winner);
    assert_eq!(f.customer_count(), 0, "the loser wrote nothing");
}

#[tokio::test]
async fn a_record_older_than_a_day_answers_no_more() {
    fn a_day_later() -> OffsetDateTime {
        NOW + RECORD_LIFETIME + time::Duration::seconds(1)
    }
    let f = fixture();
    let request = json!({"first_name": "Ann", "email": "ann@example.com"});
    fresh(f.keyed_create("k-1", request.clone()).await).expect("created");
    let later: UseCase = Customers::new(f.store.clone(), a_day_later as Clock);
    let keyed = Keyed {
        request: keyed_request(
            "k-1",
            &json!({"first_name": "Bo", "email": "bo@example.com"}),
        ),
        respond: &render_created,
    };
    let reused = later
        .create(
            &principal(TENANT),
            body(json!({"first_name": "Bo", "email": "bo@example.com"})),
            Some(&keyed),
        )
        .await;
    assert!(matches!(reused, Ok(Answer::Fresh(_))), "{reused:?}");
    assert_eq!(f.customer_count(), 2);
}

#[tokio::test]
async fn a_keyed_link_replays_its_200() {
    let f = fixture();
    f.created(json!({"first_name": "Ann", "email": "ann@example.com", "source": "WEBSITE"}))
        .await;
    let request = json!({"first_name": "Ann", "email": "ann@example.com", "source": "INSTORE", "link_existing": true});
    let linked = fresh(f.keyed_create("k-1", request.clone()).await).expect("linked");
    assert!(linked.linked);
    let again = recorded(f.keyed_create("k-1", request).await);
    assert_eq!(again.status, 200);
    assert_eq!(
        f.store
            .state()
            .customers
            .values()
            .next()
            .map(|c| c.customer.version),
        Some(2)
    );
}

fn render_updated(updated: &Updated) -> Result<Reply, RenderError> {
    Ok(Reply {
        status: 200,
        body: Some(updated.customer.version.to_string()),
        location: None,
        etag: None,
        personal: true,
    })
}

fn render_erased(_: &()) -> Result<Reply, RenderError> {
    Ok(Reply {
        status: 204,
        body: None,
        location: None,
        etag: None,
        personal: false,
    })
}

#[tokio::test]
async fn keyed_patches_and_erasures_replay_instead_of_acting_again() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    let (caller, id) = (principal(TENANT), ann.id.to_string());
    let path = format!("/customers/{}", ann.id);
    let key = "k-2";
    let patch = json!({"company": "Acme"});
    let keyed = Keyed {
        request: keyed_with(
            key,
            "PATCH /customers/{id}",
            "PATCH",
            &path,
            patch.as_object(),
        ),
        respond: &render_updated,
    };
    let update = || {
        f.customers.update(
            &caller,
            &id,
            body(patch.clone()),
            Precondition::None,
            Some(&keyed),
        )
    };
    assert!(matches!(update().await, Ok(Answer::Fresh(ref u)) if u.customer.version == 2));
    let again = update().await;
    assert!(
        matches!(again, Ok(Answer::Replayed(ref r)) if r.body.as_deref() == Some("2")),
        "{again:?}"
    );
    assert_eq!(f.stored_version(ann.id), Some(2), "not bumped again");

    let keyed = Keyed {
        request: keyed_with(key, "DELETE /customers/{id}", "DELETE", &path, None),
        respond: &render_erased,
    };
    let erase = || {
        f.customers
            .erase(&caller, &id, Precondition::None, None, Some(&keyed))
    };
    assert!(matches!(erase().await, Ok(Answer::Fresh(()))));
    assert!(matches!(erase().await, Ok(Answer::Replayed(ref r)) if r.status == 204));
    // The patch's reply showed the customer: it went with the erasure.
    assert_eq!(update().await, Err(Error::CustomerErased));
}

/// A keyed create, a linked create and a patch that changed nothing each record a reply that
/// shows the customer, sealed under its key: once the customer is erased, each retry is
/// `CustomerErased`, and a retry of another request with one of those keys is still refused as
/// such (it learns nothing of the erasure).
#[tokio::test]
async fn every_recorded_reply_showing_a_customer_goes_with_its_erasure() {
    let f = fixture();
    let ann = json!({"first_name": "Ann", "email": "ann@example.com", "source": "WEBSITE"});
    let created = fresh(f.keyed_create("k-create", ann.clone()).await).expect("created");
    let link = json!({"first_name": "Ann", "email": "ann@example.com", "source": "INSTORE",
        "link_existing": true});
    assert!(
        fresh(f.keyed_create("k-link", link.clone()).await)
            .expect("linked")
            .linked
    );
    let (caller, id) = (principal(TENANT), created.customer.id.to_string());
    let nothing = Keyed {
        request: keyed_with("k-same", "PATCH /customers/{id}", "PATCH", "/x", None),
        respond: &render_updated,
    };
    let unchanged = || {
        f.customers.update(
            &caller,
            &id,
            body(json!({})),
            Precondition::None,
            Some(&nothing),
        )
    };
    assert!(matches!(unchanged().await, Ok(Answer::Fresh(_))));
    let sealed_for: Vec<CustomerId> = f
        .store
        .state()
        .sealed_for
        .values()
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(
        sealed_for, [created.customer.id; 3],
        "every reply sealed for Ann"
    );

    f.customers
        .erase(&caller, &id, Precondition::None, None, None)
        .await
        .expect("erased");
    assert_eq!(
        f.keyed_create("k-create", ann).await,
        Err(Error::CustomerErased)
    );
    assert_eq!(
        f.keyed_create("k-link", link).await,
        Err(Error::CustomerErased)
    );
    assert_eq!(unchanged().await, Err(Error::CustomerErased));
    let other = json!({"first_name": "Bo"});
    assert_eq!(
        f.keyed_create("k-create", other).await,
        Err(Error::KeyReused)
    );
}

#[tokio::test]
async fn a_keyed_patch_that_changes_nothing_still_records_its_answer() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    let key = "k-3";
    let keyed = Keyed {
        request: keyed_with(
            key,
            "PATCH /customers/{id}",
            "PATCH",
            "/x",
            json!({}).as_object(),
        ),
        respond: &render_updated,
    };
    let unchanged = f
        .customers
        .update(
            &principal(TENANT),
            &ann.id.to_string(),
            body(json!({})),
            Precondition::None,
            Some(&keyed),
        )
        .await;
    assert!(matches!(unchanged, Ok(Answer::Fresh(ref u)) if u.customer.version == 1));
    assert_eq!(f.store.state().records.len(), 1);
    assert_eq!(
        f.store.count(Op::Commit),
        2,
        "the create, then the record alone"
    );
    assert_eq!(
        f.stored(ann.id).customer,
        ann,
        "the customer was not written again"
    );
}

/// A record of `request` answering `response`, as a request with its key that came first left it.
fn winners_record(
    request: &KeyedRequest,
    response: &Reply,
) -> crate::use_cases::idempotency::Record {
    crate::use_cases::idempotency::Record {
        fingerprint: request.fingerprint.clone(),
        reply: Some(response.clone()),
        created_at: NOW,
        expires_at: NOW + RECORD_LIFETIME,
    }
}

#[tokio::test]
async fn a_keyed_erasure_that_finds_its_customer_gone_by_its_own_retry_answers_204() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    let (caller, id) = (principal(TENANT), ann.id.to_string());
    let key = "k-4";
    let path = format!("/customers/{id}");
    let request = keyed_with(key, "DELETE /customers/{id}", "DELETE", &path, None);
    let keyed = Keyed {
        request: request.clone(),
        respond: &render_erased,
    };
    // The retry erases the customer and records its 204 between this request's check of the
    // key and its read of the customer.
    let winner = render_erased(&()).expect("rendered");
    let (tenant, record) = (caller.tenant.clone(), winners_record(&request, &winner));
    f.store.before(Op::Get, move |state| {
        state.customers.clear();
        state
            .records
            .insert((tenant.as_str().to_owned(), request.scope.clone()), record);
        Ok(())
    });
    let answer = f
        .customers
        .erase(&caller, &id, Precondition::None, None, Some(&keyed))
        .await;
    assert!(
        matches!(answer, Ok(Answer::Replayed(ref r)) if r.status == 204),
        "{answer:?}"
    );

    // Without a record, a customer that is not there is not found, keyed or not.
    let fresh_key = "k-6";
    let other = Keyed {
        request: keyed_with(fresh_key, "DELETE /customers/{id}", "DELETE", &path, None),
        respond: &render_erased,
    };
    let missing = f
        .customers
        .erase(&caller, &id, Precondition::None, None, Some(&other))
        .await;
    assert!(matches!(missing, Err(Error::NotFound)), "{missing:?}");
}

#[tokio::test]
async fn a_keyed_patch_whose_version_its_own_retry_moved_on_replays_instead_of_412() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    let (caller, id) = (principal(TENANT), ann.id.to_string());
    let key = "k-5";
    let path = format!("/customers/{id}");
    let patch = json!({"company": "Acme"});
    let request = keyed_with(
        key,
        "PATCH /customers/{id}",
        "PATCH",
        &path,
        patch.as_object(),
    );
    let keyed = Keyed {
        request: request.clone(),
        respond: &render_updated,
    };
    let winner = Reply {
        status: 200,
        body: Some("2".into()),
        location: None,
        etag: Some("\"2\"".into()),
        personal: true,
    };
    let (tenant, record) = (caller.tenant.clone(), winners_record(&request, &winner));
    let customer_id = ann.id;
    let moved_tenant = caller.tenant.clone();
    f.store.before(Op::Get, move |state| {
        if let Some(customer) = state.customer_mut(&moved_tenant, customer_id) {
            customer.version = 2;
        }
        state
            .records
            .insert((tenant.as_str().to_owned(), request.scope.clone()), record);
        Ok(())
    });
    let answer = f
        .customers
        .update(
            &caller,
            &id,
            body(patch.clone()),
            Precondition::Versions(vec![1]),
            Some(&keyed),
        )
        .await;
    assert!(
        matches!(answer, Ok(Answer::Replayed(ref r)) if *r == winner),
        "{answer:?}"
    );
    assert_eq!(f.stored_version(ann.id), Some(2), "nothing written");
}

/// Two writers give a customer stored before seals its first seal at once (each a keyed patch
/// that changes nothing): the one that commits second is refused, reads again and keeps the
/// first one's key, so the reply the first sealed under it still opens.
#[tokio::test]
async fn a_first_seal_is_written_once_whatever_the_race() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    if let Some(stored) = f.store.state().customers.values_mut().next() {
        stored.seal = None;
    }
    let second = Keyed {
        request: keyed_with("k-2", "PATCH /customers/{id}", "PATCH", "/x", None),
        respond: &render_updated,
    };
    let (caller, id) = (principal(TENANT), ann.id.to_string());
    let patch = |keyed| {
        f.customers.update(
            &caller,
            &id,
            body(json!({})),
            Precondition::None,
            Some(keyed),
        )
    };
    // Right before the second writer commits, the first gives Ann its seal and records its
    // reply under it.
    let winner = SealKey::generate().expect("randomness");
    let key = winner.clone();
    f.store.before(Op::Commit, move |state| {
        if let Some(stored) = state.customers.values_mut().next() {
            stored.seal = Some(key);
        }
        Ok(())
    });
    assert!(matches!(patch(&second).await, Ok(Answer::Fresh(_))));
    let kept = f.stored(ann.id).seal;
    assert_eq!(kept, Some(winner), "the first seal stays");
    assert_eq!(
        f.store.count(Op::Commit),
        3,
        "the create, the refused commit, the retry"
    );
    assert!(
        matches!(patch(&second).await, Ok(Answer::Replayed(_))),
        "its reply opens"
    );
}
