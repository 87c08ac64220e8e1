use super::Text;
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(Uuid);

impl GroupId {
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Uuid::parse_str(raw.trim()).ok().map(Self)
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

pub type GroupName = Text<64, false>;
pub type GroupDescription = Text<500, true>;

/// A named set of customers of one tenant (Salla's customer groups).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerGroup {
    pub id: GroupId,
    pub name: GroupName,
    pub description: Option<GroupDescription>,
    pub created_at: OffsetDateTime,
}

impl CustomerGroup {
    pub fn new(
        name: GroupName,
        description: Option<GroupDescription>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            id: GroupId::random(),
            name,
            description,
            created_at: super::timestamp(now),
        }
    }

    /// What uniqueness of names means: case-insensitive (the name is already in NFC).
    pub fn name_key(&self) -> String {
        super::text::fold_case(self.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn key(name: &str) -> String {
        let name = GroupName::parse(name).expect("a name");
        CustomerGroup::new(name, None, datetime!(2026-12-01 00:00 UTC)).name_key()
    }

    #[test]
    fn spellings_of_one_name_are_one_key() {
        assert_eq!(key("VIP Clients"), key("vip clients"));
        assert_eq!(key("Caf\u{e9}"), key("CAFE\u{301}"));
        assert_eq!(key("J\u{30c}ones"), key("\u{1f0}ones"));
        assert_ne!(key("Vip"), key("Vip2"));
    }
}
