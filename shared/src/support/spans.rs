//! The spans that say what an invocation spends its time on, for tracing (`lambda::xray`):
//! one per use case, named by its route (each function serves one) or by what it does. At
//! DEBUG, below what is logged, so that they cost nothing unless a sampled trace asks for them.

/// The name of every use case's span; its field `use_case` says which.
pub const USE_CASE: &str = "use_case";

/// A use case's span; [`outcome`] says how it ended.
pub fn use_case(name: &str) -> tracing::Span {
    tracing::debug_span!(
        USE_CASE,
        use_case = name,
        fault = tracing::field::Empty,
        error = tracing::field::Empty
    )
}

/// How a use case ended, as X-Ray counts it: a fault (a 5xx: ours or a dependency's), an error
/// (a 4xx: the client's), or neither.
pub fn outcome(span: &tracing::Span, status: u16) {
    if status >= 500 {
        span.record("fault", true);
    } else if status >= 400 {
        span.record("error", true);
    }
}
