//! `update`: JSON Merge Patch semantics, claim swaps, preconditions and concurrency.

use super::*;

impl Fixture {
    async fn patch(
        &self,
        id: CustomerId,
        patch: serde_json::Value,
        precondition: Precondition,
    ) -> Result<Updated, Error> {
        fresh(
            self.customers
                .update(
                    &principal(TENANT),
                    &id.to_string(),
                    body(patch),
                    precondition,
                    None,
                )
                .await,
        )
    }

    async fn ann(&self) -> Customer {
        self.created(json!({
            "first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "mobile": "+19203751411",
            "company": "Acme", "metadata": {"tier": "gold", "points": 10},
            "identifiers": {"external_id": "crm-1", "card_number": "C1", "card_status": "ACTIVE"},
            "addresses": [{"line1": "1 Main St", "city": "Springfield", "country": "US", "is_default": true}]
        }))
        .await
    }

    fn replaces(&self) -> usize {
        self.store.revisions()
    }
}

fn invalid(result: Result<Updated, Error>) -> Vec<(String, &'static str)> {
    match result {
        Err(Error::Invalid(errors)) => errors.0.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("not invalid: {other:?}"),
    }
}

#[tokio::test]
async fn absent_members_stay_null_clears_and_objects_merge_per_member() {
    let f = fixture();
    let ann = f.ann().await;
    let claims_before = f.claims_of(ann.id);
    assert_eq!(claims_before.len(), 4, "email, mobile, external id, card");
    let updated = f
        .patch(
            ann.id,
            json!({
                "last_name": null, "company": "Acme Ltd",
                "metadata": {"points": 12, "tier": null, "vip": true},
                "identifiers": {"card_status": "SUSPENDED"}
            }),
            Precondition::None,
        )
        .await
        .expect("updated");
    let c = &updated.customer;
    assert_eq!(c.version, 2);
    assert_eq!(c.updated_at, timestamp(NOW));
    assert_eq!(c.created_at, ann.created_at);
    assert!(c.details.last_name.is_none());
    assert_eq!(c.details.first_name, ann.details.first_name, "absent: kept");
    assert_eq!(
        c.details.company.as_ref().map(|t| t.as_str()),
        Some("Acme Ltd")
    );
    let shown = crate::api::show::details_json(&c.details).expect("shown");
    assert_eq!(shown["metadata"], json!({"points": 12, "vip": true}));
    assert_eq!(
        shown["identifiers"],
        json!({"external_id": "crm-1", "card_number": "C1", "card_status": "SUSPENDED"})
    );
    assert_eq!(c.details.addresses, ann.details.addresses);
    assert_eq!(
        &f.stored(ann.id).customer,
        c,
        "what is returned is what is stored"
    );
    assert_eq!(
        f.claims_of(ann.id),
        claims_before,
        "no unique value changed"
    );
}

#[tokio::test]
async fn addresses_and_groups_are_replaced_whole_with_the_creates_rules() {
    let f = fixture();
    let ann = f.ann().await;
    let updated = f
        .patch(
            ann.id,
            json!({"addresses": [
                {"line1": "2 High St", "city": "Leeds", "country": "GB"},
                {"line1": "3 Low St", "city": "York", "country": "GB"}
            ]}),
            Precondition::None,
        )
        .await
        .expect("updated");
    let lines: Vec<&str> = updated
        .customer
        .details
        .addresses
        .as_slice()
        .iter()
        .map(|a| a.line1.as_str())
        .collect();
    assert_eq!(lines, ["2 High St", "3 Low St"]);
    assert_eq!(
        updated.warnings,
        vec![Warning::DefaultAddressAssigned {
            at: "/addresses/0/is_default".into()
        }]
    );
    let eleven: Vec<serde_json::Value> = (0..11)
        .map(|_| json!({"line1": "x", "city": "y", "country": "GB"}))
        .collect();
    assert_eq!(
        invalid(
            f.patch(ann.id, json!({"addresses": eleven}), Precondition::None)
                .await
        ),
        [("/addresses".to_owned(), "too_many_items")]
    );
    let cleared = f
        .patch(ann.id, json!({"addresses": null}), Precondition::None)
        .await
        .expect("cleared");
    assert!(cleared.customer.details.addresses.as_slice().is_empty());
}

#[tokio::test]
async fn new_groups_are_checked_by_the_write_and_reported_at_their_pointers() {
    let f = fixture();
    let ann = f.ann().await;
    let tenant = principal(TENANT).tenant;
    let known = CustomerGroup::new(Text::parse("VIP").expect("name"), None, NOW);
    f.store
        .state()
        .groups
        .insert((tenant.as_str().to_owned(), known.id), known.clone());
    let missing = GroupId::random();
    let result = f
        .patch(
            ann.id,
            json!({"groups": [known.id.to_string(), missing.to_string()]}),
            Precondition::None,
        )
        .await;
    let Err(Error::Invalid(errors)) = result else {
        panic!("not invalid: {result:?}");
    };
    let fields: Vec<(&str, &str)> = errors
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    assert_eq!(fields, [("/groups/1", "unknown_group")]);
    assert_eq!(f.stored(ann.id).customer, ann, "nothing written");
    let member = f
        .patch(
            ann.id,
            json!({"groups": [known.id.to_string()]}),
            Precondition::None,
        )
        .await
        .expect("member");
    assert_eq!(member.customer.details.groups, vec![known.id]);
}

#[tokio::test]
async fn every_rule_breaks_at_its_pointer_all_at_once() {
    let f = fixture();
    let ann = f.ann().await;
    let errors = invalid(
        f.patch(
            ann.id,
            json!({
                "first_name": null, "status": null, "email": "nope", "birthday": "2030-01-01",
                "id": "x", "version": 9, "sources": [], "source": "API", "link_existing": true,
                "address": {}, "mobile_country": "SA", "addresses": [{"line1": "x"}]
            }),
            Precondition::None,
        )
        .await,
    );
    assert_eq!(
        errors,
        [
            ("/address".to_owned(), "unknown_field"),
            ("/id".to_owned(), "read_only_field"),
            ("/link_existing".to_owned(), "unknown_field"),
            ("/source".to_owned(), "read_only_field"),
            ("/sources".to_owned(), "read_only_field"),
            ("/version".to_owned(), "read_only_field"),
            ("/status".to_owned(), "required"),
            ("/mobile_country".to_owned(), "conflicting_value"),
            ("/first_name".to_owned(), "required"),
            ("/email".to_owned(), "invalid_email"),
            ("/birthday".to_owned(), "date_in_future"),
            ("/addresses/0/city".to_owned(), "required"),
            ("/addresses/0/country".to_owned(), "required"),
        ]
    );
    assert_eq!(f.replaces(), 0);
}

#[tokio::test]
async fn the_contact_rule_holds_after_the_patch() {
    let f = fixture();
    let bo = f
        .created(json!({"first_name": "Bo", "email": "bo@example.com"}))
        .await;
    assert_eq!(
        invalid(
            f.patch(bo.id, json!({"email": null}), Precondition::None)
                .await
        ),
        [("".to_owned(), "contact_required")]
    );
    let moved = f
        .patch(
            bo.id,
            json!({"email": null, "mobile": "0512345678", "mobile_country": "SA"}),
            Precondition::None,
        )
        .await
        .expect("moved to a mobile");
    assert_eq!(
        moved.customer.details.mobile.as_ref().map(|m| m.as_str()),
        Some("+966512345678")
    );
    assert_eq!(
        f.claims_of(bo.id),
        vec![Claim::new(UniqueField::Mobile, "+966512345678")],
        "the email was released, the mobile claimed"
    );
}

#[tokio::test]
async fn changing_a_unique_value_swaps_its_claim_and_frees_the_old_one() {
    let f = fixture();
    let ann = f.ann().await;
    f.patch(
        ann.id,
        json!({"email": "ann@new.example"}),
        Precondition::None,
    )
    .await
    .expect("updated");
    let claims = f.claims_of(ann.id);
    assert!(claims.contains(&Claim::new(UniqueField::Email, "ann@new.example")));
    assert!(!claims.contains(&Claim::new(UniqueField::Email, "ann@example.com")));
    let stored = f.stored(ann.id);
    assert_eq!(
        stored.customer.sources[0]
            .identifiers
            .email
            .as_ref()
            .map(|e| e.as_str()),
        Some("ann@new.example"),
        "the registration's source account lists the new value"
    );
    f.created(json!({"first_name": "Cy", "email": "ann@example.com"}))
        .await;
}

#[tokio::test]
async fn a_value_of_another_customer_is_taken_and_nothing_changes() {
    let f = fixture();
    let ann = f.ann().await;
    f.created(json!({"first_name": "Bo", "email": "bo@example.com"}))
        .await;
    let result = f
        .patch(
            ann.id,
            json!({"email": "BO@example.com", "company": "X"}),
            Precondition::None,
        )
        .await;
    assert_eq!(result, Err(Error::Taken(UniqueField::Email)));
    assert_eq!(f.stored(ann.id).customer, ann);
}

#[tokio::test]
async fn the_same_value_in_another_spelling_changes_nothing() {
    let f = fixture();
    let ann = f.ann().await;
    for patch in [
        json!({}),
        json!({"email": "ANN@Example.com", "mobile": "(920) 375-1411", "mobile_country": "US"}),
        json!({"first_name": " Ann ", "identifiers": {"card_number": "c-1"}}),
    ] {
        let same = f
            .patch(ann.id, patch.clone(), Precondition::None)
            .await
            .expect("same");
        assert_eq!(same.customer, ann, "{patch}");
    }
    assert_eq!(f.replaces(), 0, "no write at all");
}

#[tokio::test]
async fn a_value_held_through_a_source_account_is_not_claimed_again() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com", "source": "WEBSITE"}))
        .await;
    f.create(
        json!({"first_name": "Ann", "email": "ann@example.com", "mobile": "+19203751411",
        "source": "INSTORE", "link_existing": true}),
    )
    .await
    .expect("linked a second value");
    let updated = f
        .patch(
            ann.id,
            json!({"mobile": "+19203751411"}),
            Precondition::None,
        )
        .await
        .expect("its own value");
    assert_eq!(updated.customer.version, 3);
    let mut claims = f.claims_of(ann.id);
    claims.sort();
    assert_eq!(
        claims,
        vec![
            Claim::new(UniqueField::Email, "ann@example.com"),
            Claim::new(UniqueField::Mobile, "+19203751411"),
        ]
    );
}

#[tokio::test]
async fn preconditions_name_the_version_the_client_read() {
    let f = fixture();
    let ann = f.ann().await;
    assert_eq!(
        f.patch(
            ann.id,
            json!({"company": "X"}),
            Precondition::Versions(vec![7])
        )
        .await,
        Err(Error::PreconditionFailed)
    );
    assert_eq!(f.replaces(), 0);
    let matched = f
        .patch(
            ann.id,
            json!({"company": "X"}),
            Precondition::Versions(vec![1]),
        )
        .await
        .expect("matching");
    assert_eq!(matched.customer.version, 2);
    let any = f
        .patch(ann.id, json!({"company": "Y"}), Precondition::Exists)
        .await
        .expect("any version");
    assert_eq!(any.customer.version, 3);
}

#[tokio::test]
async fn a_concurrent_change_is_kept_and_the_patch_reapplied() {
    let f = fixture();
    let ann = f.ann().await;
    let tenant = principal(TENANT).tenant;
    f.store.before(Op::Commit, move |state| {
        if let Some(customer) = state.customer_mut(&tenant, ann.id) {
            customer.details.notes = Some(Text::parse("from another request").expect("notes"));
            customer.version += 1;
        }
        Ok(())
    });
    let updated = f
        .patch(ann.id, json!({"company": "Mine"}), Precondition::None)
        .await
        .expect("reapplied");
    assert_eq!(updated.customer.version, 3);
    assert_eq!(
        updated.customer.details.notes.as_ref().map(|n| n.as_str()),
        Some("from another request")
    );
    assert_eq!(f.replaces(), 2);
}

#[tokio::test]
async fn a_concurrent_change_fails_a_named_version() {
    let f = fixture();
    let ann = f.ann().await;
    let tenant = principal(TENANT).tenant;
    f.store.before(Op::Commit, move |state| {
        if let Some(customer) = state.customer_mut(&tenant, ann.id) {
            customer.version += 1;
        }
        Ok(())
    });
    assert_eq!(
        f.patch(
            ann.id,
            json!({"company": "X"}),
            Precondition::Versions(vec![1])
        )
        .await,
        Err(Error::PreconditionFailed)
    );
}

/// `If-Match` named the version the patch was to change: once another request moved it on,
/// reading again cannot bring it back, so the answer is 412 at once, not after retries.
#[tokio::test]
async fn a_named_version_lost_to_another_write_is_412_without_reading_again() {
    let f = fixture();
    let ann = f.ann().await;
    f.store.before(Op::Commit, move |state| {
        state
            .customers
            .retain(|_, stored| stored.customer.id != ann.id);
        Ok(())
    });
    let reads = f.store.count(Op::Get);
    assert_eq!(
        f.patch(
            ann.id,
            json!({"company": "X"}),
            Precondition::Versions(vec![1])
        )
        .await,
        Err(Error::PreconditionFailed),
        "412 as before, though it was erased meanwhile"
    );
    assert_eq!(f.store.count(Op::Get), reads + 1, "read once");
    assert_eq!(f.replaces(), 1);
}

#[tokio::test]
async fn a_concurrent_change_can_make_the_patch_invalid() {
    let f = fixture();
    let bo = f
        .created(json!({"first_name": "Bo", "email": "bo@example.com", "mobile": "+19203751411"}))
        .await;
    let tenant = principal(TENANT).tenant;
    f.store.before(Op::Commit, move |state| {
        if let Some(customer) = state.customer_mut(&tenant, bo.id) {
            customer.details.email = None;
            customer.version += 1;
        }
        Ok(())
    });
    assert_eq!(
        invalid(
            f.patch(bo.id, json!({"mobile": null}), Precondition::None)
                .await
        ),
        [("".to_owned(), "contact_required")]
    );
}

#[tokio::test(start_paused = true)]
async fn contention_that_outlasts_the_budget_is_contended() {
    let f = fixture();
    let ann = f.ann().await;
    let tenant = principal(TENANT).tenant;
    for _ in 0..1_000 {
        let tenant = tenant.clone();
        f.store.before(Op::Commit, move |state| {
            if let Some(customer) = state.customer_mut(&tenant, ann.id) {
                customer.version += 1;
            }
            Ok(())
        });
    }
    assert_eq!(
        f.patch(ann.id, json!({"company": "X"}), Precondition::None)
            .await,
        Err(Error::Contended)
    );
}

#[tokio::test]
async fn an_identity_document_is_replaced_through_the_creates_checks_and_removed() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("P1234567", 640)}))
        .await;
    let old = f.stored(ann.id).document_claim.expect("fingerprint");
    let replaced = f
        .patch(
            ann.id,
            json!({"identity_document": passport("P7654321", 640)}),
            Precondition::None,
        )
        .await
        .expect("replaced");
    let record = replaced.customer.identity_document.clone().expect("record");
    assert_eq!(record.number_last4, "4321");
    assert_eq!(f.stored(ann.id).customer, replaced.customer);
    let new = f.stored(ann.id).document_claim.expect("fingerprint");
    assert_ne!(new, old);
    let claims = f.claims_of(ann.id);
    assert!(claims.contains(&Claim::new(UniqueField::IdentityDocument, new)));
    assert!(!claims.contains(&Claim::new(UniqueField::IdentityDocument, old)));
    assert!(f.bucket.keys().is_empty());
    f.created(json!({"first_name": "Bo", "email": "bo@example.com", "identity_document": passport("P1234567", 640)}))
        .await;

    let removed = f
        .patch(
            ann.id,
            json!({"identity_document": null}),
            Precondition::None,
        )
        .await
        .expect("removed");
    assert!(removed.customer.identity_document.is_none());
    assert_eq!(
        f.claims_of(ann.id),
        vec![Claim::new(UniqueField::Email, "ann@example.com")]
    );
}

#[tokio::test]
async fn a_rejected_document_writes_nothing() {
    let f = fixture();
    let ann = f.ann().await;
    assert_eq!(
        f.patch(
            ann.id,
            json!({"identity_document": passport("12345", 640)}),
            Precondition::None
        )
        .await,
        Err(Error::DocumentRejected(vec![
            VerificationReason::NumberFormatInvalid
        ]))
    );
    assert_eq!(f.replaces(), 0);
    assert!(f.bucket.keys().is_empty());
}

#[tokio::test]
async fn only_the_tenants_existing_customers_can_be_patched() {
    let f = fixture();
    let ann = f.ann().await;
    let other = f
        .customers
        .update(
            &principal("other"),
            &ann.id.to_string(),
            body(json!({})),
            Precondition::None,
            None,
        )
        .await;
    assert_eq!(other, Err(Error::NotFound));
    assert_eq!(
        f.patch(CustomerId::random(), json!({}), Precondition::None)
            .await,
        Err(Error::NotFound)
    );
    let malformed = f
        .customers
        .update(
            &principal(TENANT),
            "nope",
            body(json!({})),
            Precondition::None,
            None,
        )
        .await;
    assert_eq!(malformed, Err(Error::NotFound));
}
