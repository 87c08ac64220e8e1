//! What a cancelled transaction means. DynamoDB gives one reason per item, in item order (a
//! non-failing item's code is `None`); each item's role says what its failed condition means.

use crate::domain::{GroupId, UniqueField};
use crate::use_cases::ports::StoreError;

/// What an item of a transaction stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A record with a fresh random id, put on condition that it does not exist.
    Record,
    /// A unique value, put on condition that it is free.
    Claim(UniqueField),
    /// A unique value given up, deleted on condition that it is still the record's own.
    Released(UniqueField),
    /// A group that must exist.
    Group(GroupId),
    /// A conditional update on a record's version.
    Versioned,
    /// The record of a keyed request, put on condition that its key has no live record.
    Receipt,
}

#[derive(Debug, PartialEq)]
pub(super) enum Outcome {
    /// Only concurrent transactions were in the way: worth another attempt.
    Conflict,
    /// An earlier attempt of this very transaction was applied (see below).
    AlreadyApplied,
    Failed(StoreError),
}

pub(super) fn outcome(codes: &[&str], roles: &[Role]) -> Outcome {
    let failed: Vec<Role> = codes
        .iter()
        .zip(roles)
        .filter(|(code, _)| **code == "ConditionalCheckFailed")
        .map(|(_, role)| *role)
        .collect();
    // The key was used by a request that succeeded: its record answers, whatever else failed.
    if failed.contains(&Role::Receipt) {
        return Outcome::Failed(StoreError::AlreadyRecorded);
    }
    // A missing group makes the request itself invalid: that is said first.
    let missing: Vec<GroupId> = failed
        .iter()
        .filter_map(|role| match role {
            Role::Group(id) => Some(*id),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        return Outcome::Failed(StoreError::UnknownGroups(missing));
    }
    // The record moved on, or a value it held is no longer its own: what was read is stale.
    if failed
        .iter()
        .any(|role| matches!(role, Role::Versioned | Role::Released(_)))
    {
        return Outcome::Failed(StoreError::Stale);
    }
    // The record has a fresh random id that only this request writes, and every claim is
    // taken: an earlier attempt whose answer was lost (a timeout, then the SDK's retry) wrote
    // them all. DynamoDB answers such a retry from the SDK's idempotency token; a server that
    // ignores the token (moto) reports the conditions instead. Either way it is done.
    let is_claim = |role: &&Role| matches!(role, Role::Claim(_));
    if failed.contains(&Role::Record) && roles.iter().filter(is_claim).all(|r| failed.contains(r)) {
        return Outcome::AlreadyApplied;
    }
    // A failed condition is decisive, whatever else happened: the value is taken.
    if let Some(role) = failed.first() {
        return Outcome::Failed(match role {
            Role::Claim(field) => StoreError::Taken(*field),
            // A random UUID v4 collided with an existing record: not the client's doing.
            _ => StoreError::Internal("record id collision".to_owned()),
        });
    }
    if codes.contains(&"TransactionConflict") {
        return Outcome::Conflict;
    }
    let throttled = codes
        .iter()
        .any(|c| matches!(*c, "ThrottlingError" | "ProvisionedThroughputExceeded"));
    Outcome::Failed(if throttled {
        StoreError::Unavailable(format!("transaction throttled: {codes:?}"))
    } else {
        StoreError::Internal(format!("transaction cancelled: {codes:?}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: [Role; 3] = [
        Role::Record,
        Role::Claim(UniqueField::Email),
        Role::Claim(UniqueField::Mobile),
    ];

    fn taken(field: UniqueField) -> Outcome {
        Outcome::Failed(StoreError::Taken(field))
    }

    #[test]
    fn the_first_failed_condition_names_the_field() {
        let cases = [
            (
                ["None", "None", "ConditionalCheckFailed"],
                UniqueField::Mobile,
            ),
            (
                ["None", "ConditionalCheckFailed", "ConditionalCheckFailed"],
                UniqueField::Email,
            ),
            (
                ["None", "ConditionalCheckFailed", "TransactionConflict"],
                UniqueField::Email,
            ),
        ];
        for (codes, field) in cases {
            assert_eq!(outcome(&codes, &CREATE), taken(field), "{codes:?}");
        }
    }

    #[test]
    fn missing_groups_are_reported_before_taken_values() {
        let (a, b) = (GroupId::random(), GroupId::random());
        let roles = [
            Role::Record,
            Role::Claim(UniqueField::Email),
            Role::Group(a),
            Role::Group(b),
        ];
        let failed = "ConditionalCheckFailed";
        assert_eq!(
            outcome(&["None", failed, failed, failed], &roles),
            Outcome::Failed(StoreError::UnknownGroups(vec![a, b]))
        );
        assert_eq!(
            outcome(&["None", "None", "None", failed], &roles),
            Outcome::Failed(StoreError::UnknownGroups(vec![b]))
        );
    }

    #[test]
    fn a_key_with_a_record_answers_before_anything_else() {
        let roles = [
            Role::Record,
            Role::Claim(UniqueField::Email),
            Role::Group(GroupId::random()),
            Role::Receipt,
        ];
        let failed = "ConditionalCheckFailed";
        assert_eq!(
            outcome(&[failed, failed, failed, failed], &roles),
            Outcome::Failed(StoreError::AlreadyRecorded)
        );
        assert_eq!(
            outcome(&["None", failed, "None", "None"], &roles),
            Outcome::Failed(StoreError::Taken(UniqueField::Email))
        );
    }

    #[test]
    fn a_failed_version_condition_is_stale() {
        let roles = [Role::Versioned, Role::Claim(UniqueField::Email)];
        assert_eq!(
            outcome(&["ConditionalCheckFailed", "None"], &roles),
            Outcome::Failed(StoreError::Stale)
        );
        assert_eq!(
            outcome(&["None", "ConditionalCheckFailed"], &roles),
            taken(UniqueField::Email)
        );
    }

    #[test]
    fn a_released_value_that_is_no_longer_the_records_own_is_stale() {
        let roles = [
            Role::Versioned,
            Role::Released(UniqueField::Email),
            Role::Claim(UniqueField::Email),
        ];
        assert_eq!(
            outcome(
                &["None", "ConditionalCheckFailed", "ConditionalCheckFailed"],
                &roles
            ),
            Outcome::Failed(StoreError::Stale)
        );
    }

    #[test]
    fn a_record_that_exists_with_all_its_claims_was_written_by_an_earlier_attempt() {
        let all = ["ConditionalCheckFailed"; 3];
        assert_eq!(outcome(&all, &CREATE), Outcome::AlreadyApplied);
        let group = [Role::Record, Role::Claim(UniqueField::GroupName)];
        assert_eq!(outcome(&all[..2], &group), Outcome::AlreadyApplied);
        // A claim of this transaction is free: not an earlier attempt, an id collision.
        assert_eq!(
            outcome(
                &["ConditionalCheckFailed", "ConditionalCheckFailed", "None"],
                &CREATE
            ),
            Outcome::Failed(StoreError::Internal("record id collision".into()))
        );
    }

    #[test]
    fn conflicts_alone_are_retried() {
        assert_eq!(
            outcome(&["TransactionConflict", "None", "None"], &CREATE),
            Outcome::Conflict
        );
        assert_eq!(
            outcome(
                &["None", "TransactionConflict", "TransactionConflict"],
                &CREATE
            ),
            Outcome::Conflict
        );
    }

    #[test]
    fn throttling_is_unavailable_and_the_rest_internal() {
        for codes in [
            ["ThrottlingError", "None", "None"],
            ["None", "ProvisionedThroughputExceeded", "None"],
        ] {
            assert!(
                matches!(
                    outcome(&codes, &CREATE),
                    Outcome::Failed(StoreError::Unavailable(_))
                ),
                "{codes:?}"
            );
        }
        for codes in [
            ["ValidationError", "None", "None"],
            ["ConditionalCheckFailed", "None", "None"],
        ] {
            assert!(
                matches!(
                    outcome(&codes, &CREATE),
                    Outcome::Failed(StoreError::Internal(_))
                ),
                "{codes:?}"
            );
        }
    }
}
