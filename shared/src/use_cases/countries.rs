//! `GET /countries`: the ISO 3166-1 countries with their calling codes, for pickers.

pub use crate::domain::countries::Country;

/// Countries whose name, alpha-2 or alpha-3 code starts with `prefix`, case-insensitively;
/// every country without one. Sorted by name.
pub fn search(prefix: Option<&str>) -> Vec<&'static Country> {
    crate::domain::countries::search(prefix)
}
