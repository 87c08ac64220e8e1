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

    /// What uniqueness of names means: case-insensitive.
    pub fn name_key(&self) -> String {
        self.name.as_str().to_lowercase()
    }
}
