//! What a Central list request may be asked for: the parameters it sets itself (each with its
//! setter) and the limit on a filter or sort expression.

use glp_transport::QueryProblem;

use crate::MAX_EXPRESSION_CHARS;

/// Query parameters a [`ListRequest`](crate::ListRequest) sets itself, each with its setter; [`ListRequest::param`](crate::ListRequest::param)
/// refuses them.
pub const RESERVED_PARAMS: &[(&str, &str)] = &[
    ("limit", "limit"),
    ("next", "start_at"),
    ("offset", "start_at"),
    ("filter", "filter"),
    ("sort", "sort"),
];

/// Whether `key` may be given to [`ListRequest::param`](crate::ListRequest::param) (not empty, not one the request sets
/// itself).
pub fn check_query_param(key: &str) -> Result<(), QueryProblem> {
    glp_transport::check_param(key, RESERVED_PARAMS)
}

/// Whether `value` may be sent as the `filter` or `sort` (named `name` in the problem): not
/// blank, at most [`MAX_EXPRESSION_CHARS`].
pub fn check_query_expression(name: &str, value: &str) -> Result<(), QueryProblem> {
    glp_transport::check_expression(name, value, Some((MAX_EXPRESSION_CHARS, "Central")))
}
