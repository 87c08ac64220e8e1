//! The API's JSON, both ways and nothing of HTTP: untrusted JSON into domain values, collecting
//! every problem with its JSON pointer so that a client sees all of its mistakes in one
//! response; domain values into the JSON clients read ([`show`]).

mod customer;
mod document;
mod event;
mod group;
mod json;
mod merge;
mod object;
mod pointer;
mod query;
pub mod show;

pub use customer::{
    parse_customer_patch, parse_new_customer, CustomerInput, CustomerPatch, DocumentPatch,
};
pub use document::decode_image;
pub use event::{changed_members, parse_event_query, CloudEventView, EventQuery};
pub use group::parse_new_group;
pub use json::{parse_strict, JsonError};
pub use pointer::Pointer;
pub use query::{
    page_size, parse_country_search, parse_customer_query, parse_page_query, CustomerQuery,
    PageQuery, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};

use crate::domain::{Violation, Warning};
use serde::Serialize;

/// One rejected input value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON pointer (RFC 6901) into the request body; `""` is the body itself.
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    /// A group id that names no group of the tenant: found by parsing (an id that cannot
    /// exist) or by the write that checks each group.
    pub fn unknown_group(field: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: "unknown_group",
            message: "no customer group with this id exists".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

/// A successfully parsed input and the warnings its parsing produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub value: T,
    pub warnings: Vec<Warning>,
}

/// Errors and warnings gathered while walking one request.
#[derive(Debug, Default)]
pub(crate) struct Report {
    errors: Vec<FieldError>,
    warnings: Vec<Warning>,
}

impl Report {
    pub fn violation(&mut self, at: &Pointer, violation: &dyn Violation) {
        self.error(at, violation.code(), violation.to_string());
    }

    pub fn error(&mut self, at: &Pointer, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: at.to_string(),
            code,
            message: message.into(),
        });
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    pub fn warn(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }

    /// Records the error of a parse and hands back its value, if any.
    pub fn check<T, E: Violation>(&mut self, at: &Pointer, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.violation(at, &e)).ok()
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// `value` is `Some` exactly when no error was recorded on the way.
    pub fn finish<T>(self, value: Option<T>) -> Result<Parsed<T>, ValidationErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(Parsed {
                value,
                warnings: self.warnings,
            }),
            _ => Err(ValidationErrors(self.errors)),
        }
    }
}
