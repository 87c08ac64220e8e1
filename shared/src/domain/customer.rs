use super::{
    Addresses, Birthday, Claim, Company, CountryCode, DocumentRecord, Email, Gender, GroupId,
    Identifiers, Metadata, Mobile, Notes, PersonName, Source, Status, UniqueField,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerId(Uuid);

impl CustomerId {
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    /// Any UUID spelling (upper case, braces, URN) names the same customer.
    pub fn parse(raw: &str) -> Option<Self> {
        Uuid::parse_str(raw).ok().map(Self)
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// Who created a record: the `sub` claim of a verified token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Subject(String);

impl Subject {
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        (!raw.is_empty() && raw.len() <= 256).then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything a client supplies about a customer, parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub first_name: PersonName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<PersonName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<Mobile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<Birthday>,
    pub status: Status,
    #[serde(default)]
    pub addresses: Addresses,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Company>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Notes>,
    #[serde(default)]
    pub metadata: Metadata,
    pub newsletter: bool,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Identifiers::is_empty")]
    pub identifiers: Identifiers,
    /// Ids of the tenant's customer groups it belongs to; each existed when it was written.
    #[serde(default)]
    pub groups: Vec<GroupId>,
}

impl NewCustomer {
    /// The unique values these details take: email, mobile and loyalty identifiers.
    pub fn claims(&self) -> Vec<Claim> {
        SourceIdentifiers::of(self).claims()
    }
}

/// The identifiers a customer was registered with through one channel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceIdentifiers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<Mobile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<super::ExternalId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_number: Option<super::CardNumber>,
}

impl SourceIdentifiers {
    /// The unique values an account lists.
    pub fn claims(&self) -> Vec<Claim> {
        let values = [
            (UniqueField::Email, self.email.as_ref().map(Email::as_str)),
            (
                UniqueField::Mobile,
                self.mobile.as_ref().map(Mobile::as_str),
            ),
            (
                UniqueField::ExternalId,
                self.external_id.as_ref().map(|e| e.as_str()),
            ),
            (
                UniqueField::CardNumber,
                self.card_number.as_ref().map(|c| c.as_str()),
            ),
        ];
        values
            .into_iter()
            .filter_map(|(field, value)| value.map(|value| Claim::new(field, value)))
            .collect()
    }

    /// Where an account lists `old` (the customer's previous value of a field), `new` instead,
    /// or nothing when the value was cleared.
    fn replace(&mut self, old: &NewCustomer, new: &NewCustomer) {
        fn swap<T: PartialEq + Clone>(held: &mut Option<T>, old: Option<&T>, new: Option<&T>) {
            if old.is_some() && held.as_ref() == old && old != new {
                *held = new.cloned();
            }
        }
        swap(&mut self.email, old.email.as_ref(), new.email.as_ref());
        swap(&mut self.mobile, old.mobile.as_ref(), new.mobile.as_ref());
        swap(
            &mut self.external_id,
            old.identifiers.external_id.as_ref(),
            new.identifiers.external_id.as_ref(),
        );
        let card = |c: &NewCustomer| c.identifiers.card.as_ref().map(|c| c.card_number.clone());
        swap(
            &mut self.card_number,
            card(old).as_ref(),
            card(new).as_ref(),
        );
    }

    pub fn of(details: &NewCustomer) -> Self {
        Self {
            email: details.email.clone(),
            mobile: details.mobile.clone(),
            external_id: details.identifiers.external_id.clone(),
            card_number: details
                .identifiers
                .card
                .as_ref()
                .map(|c| c.card_number.clone()),
        }
    }
}

/// A registration channel a customer is known through (Capillary's source accounts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceAccount {
    pub source: Source,
    pub identifiers: SourceIdentifiers,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Whole milliseconds in UTC: what is returned is byte-for-byte what is read back later.
pub fn timestamp(now: OffsetDateTime) -> OffsetDateTime {
    let now = now.to_offset(time::UtcOffset::UTC);
    now.replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now)
}

/// A stored customer: the client's data plus what the server decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    #[serde(flatten)]
    pub details: NewCustomer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_document: Option<DocumentRecord>,
    /// The channels it registered through, the first one being its creation's.
    #[serde(default)]
    pub sources: Vec<SourceAccount>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub created_by: Subject,
    pub version: u64,
    /// The claim value of its identity document (a keyed hash of the number): the store keeps
    /// it beside the customer, so that a change or an erasure can release the claim. Never part
    /// of what clients see.
    #[serde(skip)]
    pub document_fingerprint: Option<String>,
}

/// What a revision does to the identity document.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentChange {
    Keep,
    Remove,
    /// A newly checked document and its claim value.
    Replace {
        record: DocumentRecord,
        fingerprint: String,
    },
}

impl Customer {
    /// A customer as first written. Timestamps are whole milliseconds in UTC so that the value
    /// returned by the create is byte-for-byte what a later read returns.
    pub fn register(
        details: NewCustomer,
        identity_document: Option<(DocumentRecord, String)>,
        created_by: Subject,
        now: OffsetDateTime,
    ) -> Self {
        let now = timestamp(now);
        let (identity_document, document_fingerprint) = identity_document.unzip();
        let first_source = SourceAccount {
            source: details.source,
            identifiers: SourceIdentifiers::of(&details),
            created_at: now,
        };
        Self {
            id: CustomerId::random(),
            details,
            identity_document,
            sources: vec![first_source],
            created_at: now,
            updated_at: now,
            created_by,
            version: 1,
            document_fingerprint,
        }
    }

    /// Every unique value this customer holds: its own fields, the identifiers of each of its
    /// source accounts, and its identity document. Each has a claim that names the customer.
    pub fn claims(&self) -> BTreeSet<Claim> {
        let mut claims: BTreeSet<Claim> = self.details.claims().into_iter().collect();
        for account in &self.sources {
            claims.extend(account.identifiers.claims());
        }
        if let Some(fingerprint) = &self.document_fingerprint {
            claims.insert(Claim::new(
                UniqueField::IdentityDocument,
                fingerprint.clone(),
            ));
        }
        claims
    }

    /// The customer with `details` and `document` in place of its own, one version on. A
    /// unique value that changes is replaced wherever the customer holds it (its own field and
    /// every source account that lists it), so that the old value is released.
    pub fn revise(
        &self,
        details: NewCustomer,
        document: DocumentChange,
        now: OffsetDateTime,
    ) -> Self {
        let mut revised = self.clone();
        for account in &mut revised.sources {
            account.identifiers.replace(&self.details, &details);
        }
        revised.details = details;
        match document {
            DocumentChange::Keep => {}
            DocumentChange::Remove => {
                revised.identity_document = None;
                revised.document_fingerprint = None;
            }
            DocumentChange::Replace {
                record,
                fingerprint,
            } => {
                revised.identity_document = Some(record);
                revised.document_fingerprint = Some(fingerprint);
            }
        }
        revised.version += 1;
        revised.updated_at = timestamp(now);
        revised
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ids_parse_any_uuid_spelling_and_print_lowercase() {
        let id = CustomerId::parse("6F9619FF-8B86-D011-B42D-00C04FC964FF").unwrap();
        assert_eq!(id.to_string(), "6f9619ff-8b86-d011-b42d-00c04fc964ff");
        assert!(CustomerId::parse("not-a-uuid").is_none());
    }

    #[test]
    fn subjects_must_be_present() {
        assert!(Subject::parse("").is_none());
        assert!(Subject::parse("  ").is_none());
        assert_eq!(Subject::parse("user-1").unwrap().as_str(), "user-1");
    }
}
