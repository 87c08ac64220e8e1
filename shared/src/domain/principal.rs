use super::{Subject, TenantId};

/// The verified caller of one request: who it is, and the tenant whose data it may touch. The
/// edge makes one from the claims of a token the gateway verified, after checking the route's
/// scope; nothing below it sees a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: Subject,
    pub tenant: TenantId,
}
