use super::{
    Addresses, Birthday, Claim, Company, CountryCode, DocumentRecord, Email, Gender, GroupId,
    Identifiers, Metadata, Mobile, Notes, PersonName, Source, Status, UniqueField,
};
use std::collections::BTreeSet;
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomerId(Uuid);

impl CustomerId {
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    /// Any UUID spelling (upper case, braces, URN) names the same customer.
    pub fn parse(raw: &str) -> Option<Self> {
        Uuid::parse_str(raw).ok().map(Self)
    }

    /// The value of the last hexadecimal digit of its text, without writing the text.
    pub fn last_hex_digit(&self) -> u8 {
        self.0.as_bytes()[15] & 0x0f
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// Who created a record: the `sub` claim of a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        (!raw.is_empty() && raw.len() <= 256).then(|| Self(raw.to_owned()))
    }

    /// See [`super::Text::restore`].
    pub(crate) fn restore(subject: String) -> Self {
        Self(subject)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything a client says about a customer, parsed: what a create brings and a patch changes.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerDetails {
    pub first_name: PersonName,
    pub last_name: Option<PersonName>,
    pub email: Option<Email>,
    pub mobile: Option<Mobile>,
    pub country: Option<CountryCode>,
    pub gender: Option<Gender>,
    pub birthday: Option<Birthday>,
    pub status: Status,
    pub addresses: Addresses,
    pub company: Option<Company>,
    pub notes: Option<Notes>,
    pub metadata: Metadata,
    pub newsletter: bool,
    pub source: Source,
    pub identifiers: Identifiers,
    /// Ids of the tenant's customer groups it belongs to; each existed when it was written.
    pub groups: Vec<GroupId>,
}

impl CustomerDetails {
    /// The unique values these details take: email, mobile and loyalty identifiers.
    pub fn claims(&self) -> Vec<Claim> {
        claims_of(self.unique_values())
    }

    fn unique_values(&self) -> [(UniqueField, Option<&str>); 4] {
        let card = self.identifiers.card.as_ref();
        [
            (UniqueField::Email, self.email.as_ref().map(Email::as_str)),
            (
                UniqueField::Mobile,
                self.mobile.as_ref().map(Mobile::as_str),
            ),
            (
                UniqueField::ExternalId,
                self.identifiers.external_id.as_ref().map(|e| e.as_str()),
            ),
            (
                UniqueField::CardNumber,
                card.map(|c| c.card_number.as_str()),
            ),
        ]
    }
}

fn claims_of(values: [(UniqueField, Option<&str>); 4]) -> Vec<Claim> {
    values
        .into_iter()
        .filter_map(|(field, value)| value.map(|value| Claim::new(field, value)))
        .collect()
}

/// The identifiers a customer was registered with through one channel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceIdentifiers {
    pub email: Option<Email>,
    pub mobile: Option<Mobile>,
    pub external_id: Option<super::ExternalId>,
    pub card_number: Option<super::CardNumber>,
}

impl SourceIdentifiers {
    /// The unique values an account lists.
    pub fn claims(&self) -> Vec<Claim> {
        claims_of(self.unique_values())
    }

    fn unique_values(&self) -> [(UniqueField, Option<&str>); 4] {
        [
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
        ]
    }

    /// Where an account lists `old` (the customer's previous value of a field), `new` instead,
    /// or nothing when the value was cleared.
    fn replace(&mut self, old: &CustomerDetails, new: &CustomerDetails) {
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
        let card = |c: &CustomerDetails| c.identifiers.card.as_ref().map(|c| c.card_number.clone());
        swap(
            &mut self.card_number,
            card(old).as_ref(),
            card(new).as_ref(),
        );
    }

    pub fn of(details: &CustomerDetails) -> Self {
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAccount {
    pub source: Source,
    pub identifiers: SourceIdentifiers,
    pub created_at: OffsetDateTime,
}

/// Whole milliseconds in UTC: what is returned is byte-for-byte what is read back later.
pub fn timestamp(now: OffsetDateTime) -> OffsetDateTime {
    let now = now.to_offset(time::UtcOffset::UTC);
    now.replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now)
}

/// A customer: the client's data plus what the server decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: CustomerId,
    pub details: CustomerDetails,
    pub identity_document: Option<DocumentRecord>,
    /// The channels it registered through, the first one being its creation's.
    pub sources: Vec<SourceAccount>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub created_by: Subject,
    pub version: u64,
}

/// What a revision does to the identity document.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentChange {
    Keep,
    Remove,
    /// A newly checked document.
    Replace(DocumentRecord),
}

impl Customer {
    /// A customer as first written, under `id`. Timestamps are whole milliseconds in UTC so
    /// that the value returned by the create is byte-for-byte what a later read returns.
    pub fn register(
        id: CustomerId,
        details: CustomerDetails,
        identity_document: Option<DocumentRecord>,
        created_by: Subject,
        now: OffsetDateTime,
    ) -> Self {
        let now = timestamp(now);
        let first_source = SourceAccount {
            source: details.source,
            identifiers: SourceIdentifiers::of(&details),
            created_at: now,
        };
        Self {
            id,
            details,
            identity_document,
            sources: vec![first_source],
            created_at: now,
            updated_at: now,
            created_by,
            version: 1,
        }
    }

    /// Every unique value this customer holds through its own fields and the identifiers of
    /// each of its source accounts. (Its identity document's claim value is the store's to
    /// keep: it is never part of the customer.)
    pub fn claims(&self) -> BTreeSet<Claim> {
        let accounts = self.sources.iter().map(|a| a.identifiers.unique_values());
        let mut claims = BTreeSet::new();
        for (field, value) in std::iter::once(self.details.unique_values())
            .chain(accounts)
            .flatten()
        {
            // Accounts mostly list the customer's own values again: copied once each.
            let Some(value) = value else { continue };
            if !claims
                .iter()
                .any(|c: &Claim| c.field == field && c.value == value)
            {
                claims.insert(Claim::new(field, value));
            }
        }
        claims
    }

    /// The customer with `details` and `document` in place of its own, one version on. A
    /// unique value that changes is replaced wherever the customer holds it (its own field and
    /// every source account that lists it), so that the old value is released.
    pub fn revise(
        &self,
        details: CustomerDetails,
        document: DocumentChange,
        now: OffsetDateTime,
    ) -> Self {
        let mut sources = self.sources.clone();
        for account in &mut sources {
            account.identifiers.replace(&self.details, &details);
        }
        let identity_document = match document {
            DocumentChange::Keep => self.identity_document.clone(),
            DocumentChange::Remove => None,
            DocumentChange::Replace(record) => Some(record),
        };
        Self {
            id: self.id,
            details,
            identity_document,
            sources,
            created_at: self.created_at,
            updated_at: timestamp(now),
            created_by: self.created_by.clone(),
            version: self.version + 1,
        }
    }

    /// The customer known through one more channel, one version on, updated when the account
    /// was created.
    pub fn with_source(&self, account: SourceAccount) -> Self {
        let mut linked = self.clone();
        linked.updated_at = account.created_at;
        linked.sources.push(account);
        linked.version += 1;
        linked
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
    fn a_revision_moves_a_changed_value_wherever_the_customer_holds_it() {
        let at = time::macros::datetime!(2026-11-25 10:00:00.123456 UTC);
        let email = |raw| Some(crate::domain::Email::parse(raw).unwrap());
        let details = CustomerDetails {
            email: email("ann@example.com"),
            ..details()
        };
        let ann = Customer::register(CustomerId::random(), details.clone(), None, subject(), at);
        assert_eq!(ann.version, 1);
        assert_eq!(ann.updated_at, timestamp(at));
        let moved = CustomerDetails {
            email: email("ann@work.example"),
            ..details
        };
        let later = at + time::Duration::seconds(5);
        let revised = ann.revise(moved, DocumentChange::Keep, later);
        assert_eq!(revised.version, 2);
        assert_eq!(revised.created_at, ann.created_at);
        assert_eq!(revised.updated_at, timestamp(later));
        assert_eq!(
            revised.sources[0].identifiers.email,
            email("ann@work.example")
        );
        let claims: Vec<String> = revised.claims().into_iter().map(|c| c.value).collect();
        assert_eq!(claims, ["ann@work.example"]);
        let account = SourceAccount {
            source: Source::Website,
            identifiers: SourceIdentifiers::default(),
            created_at: timestamp(later),
        };
        let linked = revised.with_source(account.clone());
        assert_eq!(linked.version, 3);
        assert_eq!(linked.updated_at, account.created_at);
        assert_eq!(linked.sources.last(), Some(&account));
    }

    fn subject() -> Subject {
        Subject::parse("user-1").unwrap()
    }

    fn details() -> CustomerDetails {
        CustomerDetails {
            first_name: crate::domain::PersonName::parse("Ann").unwrap(),
            last_name: None,
            email: None,
            mobile: None,
            country: None,
            gender: None,
            birthday: None,
            status: crate::domain::Status::Active,
            addresses: crate::domain::Addresses::default(),
            company: None,
            notes: None,
            metadata: crate::domain::Metadata::default(),
            newsletter: false,
            source: Source::Api,
            identifiers: crate::domain::Identifiers::default(),
            groups: Vec::new(),
        }
    }

    #[test]
    fn subjects_must_be_present() {
        assert!(Subject::parse("").is_none());
        assert!(Subject::parse("  ").is_none());
        assert_eq!(Subject::parse("user-1").unwrap().as_str(), "user-1");
    }
}
