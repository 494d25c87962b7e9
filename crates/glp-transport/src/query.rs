//! The checks of a list request's query, written once for every API: the parameters a request
//! sets itself are refused (each API crate names its own), and a filter or sort longer than
//! the API's limit is refused before anything is sent.

mod lex;
mod list;

pub use lex::{FilterToken, UnclosedString, lex_filter};
pub use list::ListQuery;

/// Why a list request's filter, sort or query parameter cannot be sent, found before any
/// request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryProblem {
    /// A filter or sort that is blank.
    #[error("{name} is empty")]
    EmptyExpression {
        /// `filter` or `sort` (or the flag that gave it).
        name: String,
    },
    /// A filter or sort over the API's limit.
    #[error("{name} is {chars} characters long; {api} accepts at most {max}")]
    TooLong {
        /// `filter` or `sort` (or the flag that gave it).
        name: String,
        /// Its length in characters.
        chars: usize,
        /// The API's limit.
        max: usize,
        /// The API (`Central`).
        api: &'static str,
    },
    /// A parameter the request sets itself (paging, or one with a setter of its own).
    #[error("the query parameter `{key}` is set by the request itself; use .{setter}() instead")]
    Reserved {
        /// The parameter.
        key: String,
        /// The request's setter for it.
        setter: &'static str,
    },
    /// A parameter without a name.
    #[error("an empty query parameter name")]
    EmptyName,
}

/// Checks a parameter name against `reserved`: pairs of a parameter the request sets itself
/// and the setter to use instead.
pub fn check_param(key: &str, reserved: &[(&str, &'static str)]) -> Result<(), QueryProblem> {
    if key.is_empty() {
        return Err(QueryProblem::EmptyName);
    }
    match reserved.iter().find(|(k, _)| *k == key) {
        Some((_, setter)) => Err(QueryProblem::Reserved {
            key: key.to_owned(),
            setter,
        }),
        None => Ok(()),
    }
}

/// Sets the query parameter `key` in `params`: its value replaced where it is already set,
/// else added at the end (the order a request sends them in).
pub fn set_param(params: &mut Vec<(String, String)>, key: String, value: String) {
    match params.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => params.push((key, value)),
    }
}

/// Checks a filter or sort expression named `name`: not blank, and at most `max` characters
/// when `api` has a limit.
pub fn check_expression(
    name: &str,
    value: &str,
    limit: Option<(usize, &'static str)>,
) -> Result<(), QueryProblem> {
    if value.trim().is_empty() {
        return Err(QueryProblem::EmptyExpression {
            name: name.to_owned(),
        });
    }
    let chars = value.chars().count();
    match limit {
        Some((max, api)) if chars > max => Err(QueryProblem::TooLong {
            name: name.to_owned(),
            chars,
            max,
            api,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_empty_names_are_refused_with_the_setter_to_use() {
        let reserved = [("next", "start_at"), ("filter", "filter")];
        assert!(check_param("site-id", &reserved).is_ok());
        assert_eq!(check_param("", &reserved), Err(QueryProblem::EmptyName));
        assert_eq!(
            check_param("next", &reserved).map_err(|e| e.to_string()),
            Err(
                "the query parameter `next` is set by the request itself; use .start_at() instead"
                    .into()
            )
        );
    }

    #[test]
    fn expressions_over_the_limit_or_blank_are_refused() {
        let limit = Some((3, "Central"));
        assert!(check_expression("filter", "abc", limit).is_ok());
        assert!(check_expression("filter", "abcd", None).is_ok());
        assert_eq!(
            check_expression("sort", "éééé", limit).map_err(|e| e.to_string()),
            Err("sort is 4 characters long; Central accepts at most 3".into())
        );
        assert!(matches!(
            check_expression("filter", "  ", limit),
            Err(QueryProblem::EmptyExpression { .. })
        ));
    }
}
