//! GreenLake's `filter` expressions, checked locally for the mistakes every tenant's request
//! would be refused for (one HTTP 400 each), so that a run stops before any contact.
//!
//! The grammar (HPE's published device-management, subscription-management and audit-log
//! specifications; see `docs/platform-facts.md`): comparisons `FIELD OP VALUE` with `eq`, `ne`,
//! `gt`, `ge`, `lt`, `le` and `in`, joined by `and`, `or` and `not`, in parentheses at will. A
//! field may be a path (`serviceOffer/id`). A string value is in single quotes (a quote inside
//! is doubled); integers, decimals, `true`, `false` and `null` are bare; `in` takes a quoted
//! list (`key in 'A, B'`), several strings (`t in 'A', 'B'`) or a parenthesized list. The check
//! is deliberately lenient beyond that (functions such as `contains(...)` pass): it refuses only
//! what the platform cannot accept.

use glp_transport::{FilterToken as Token, lex_filter};

/// What is wrong with a GreenLake filter, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterProblem(String);

/// The comparison operators of GreenLake's filters.
const COMPARISONS: [&str; 7] = ["eq", "ne", "gt", "ge", "lt", "le", "in"];

/// Checks `filter` against GreenLake's grammar (see the module's documentation).
///
/// ```
/// use glp_workspaces::check_filter;
/// assert!(check_filter("deviceType eq 'AP' and archived eq false").is_ok());
/// let e = check_filter("deviceType eq AP").unwrap_err().to_string();
/// assert!(e.contains("deviceType eq 'AP'"), "{e}");
/// ```
pub fn check_filter(filter: &str) -> Result<(), FilterProblem> {
    let tokens = lex(filter)?;
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Open => depth += 1,
            Token::Close => {
                depth = depth.checked_sub(1).ok_or_else(|| {
                    FilterProblem("a `)` closes no `(`: the parentheses do not pair".into())
                })?;
            }
            Token::Other(symbol) => {
                let instead = match symbol.as_str() {
                    "=" | "==" => " (write `eq`)",
                    "!=" | "<>" => " (write `ne`)",
                    "<" => " (write `lt`)",
                    "<=" => " (write `le`)",
                    ">" => " (write `gt`)",
                    ">=" => " (write `ge`)",
                    _ => "",
                };
                return Err(FilterProblem(format!(
                    "`{symbol}` is not part of GreenLake's filter grammar{instead}; the operators \
                     are {}, joined by and, or, not",
                    COMPARISONS.join(", ")
                )));
            }
            Token::Word(op) if is_comparison(op) => {
                let field = match i.checked_sub(1).and_then(|j| tokens.get(j)) {
                    Some(Token::Word(f)) if !is_keyword(f) => f,
                    _ => {
                        return Err(FilterProblem(format!(
                            "`{op}` needs a field before it (FIELD {op} VALUE)"
                        )));
                    }
                };
                match tokens.get(i + 1) {
                    Some(Token::Str(_) | Token::Open) => {}
                    Some(Token::Word(value)) if is_bare_value(value) => {}
                    Some(Token::Word(value)) if !is_keyword(value) => {
                        return Err(FilterProblem(format!(
                            "string values need single quotes: {field} {op} '{value}'"
                        )));
                    }
                    Some(other) => {
                        return Err(FilterProblem(format!(
                            "`{field} {op}` is followed by {other}, not a value"
                        )));
                    }
                    None => {
                        return Err(FilterProblem(format!(
                            "`{field} {op}` has no value (e.g. {field} {op} 'VALUE')"
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    if depth > 0 {
        return Err(FilterProblem(
            "a `(` is not closed: the parentheses do not pair".into(),
        ));
    }
    Ok(())
}

fn is_comparison(word: &str) -> bool {
    COMPARISONS.contains(&word)
}

fn is_keyword(word: &str) -> bool {
    is_comparison(word) || matches!(word, "and" | "or" | "not")
}

/// `true`, `false`, `null`, a number or an RFC 3339 time: the values that may be written
/// without quotes (the specs' examples quote times; a bare one is left to the server).
fn is_bare_value(word: &str) -> bool {
    matches!(word, "true" | "false" | "null")
        || word.parse::<f64>().is_ok_and(f64::is_finite)
        || glp_core::date::parse_rfc3339(word).is_some()
}

/// The tokens of `filter`, its bare words of [`is_word_char`]s; a double-quoted string is
/// refused here, before any other problem.
fn lex(filter: &str) -> Result<Vec<Token>, FilterProblem> {
    let double_quoted = |at| {
        FilterProblem(format!(
            "character {at}: strings take single quotes ('value'), not double"
        ))
    };
    let tokens = lex_filter(filter, is_word_char).map_err(|e| match e.quote {
        '"' => double_quoted(e.at),
        _ => FilterProblem(e.to_string()),
    })?;
    match tokens.iter().find_map(|t| match t {
        Token::DoubleQuoted { at, .. } => Some(*at),
        _ => None,
    }) {
        Some(at) => Err(double_quoted(at)),
        None => Ok(tokens),
    }
}

/// A character of a bare word: letters, digits, and what a field path, a number or a time
/// holds (`_`, `/`, `.`, `-`, `:`, `+`).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '/' | '.' | '-' | ':' | '+')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_specs_examples_pass() {
        for ok in [
            "source eq 'MANAGED' or source eq 'DISCOVERED'",
            "management eq null",
            "management eq 'MSP' and inUseWorkspaceId eq '131846d4'",
            "key eq 'MHNBAP0001' and key in 'PAYHAH3YJE6THY, E91A7FDFE04D44C339'",
            "subscriptionType in 'CENTRAL_STORAGE', 'CENTRAL_CONTROLLER'",
            "startTime gt '2024-01-23T00:00:00.000Z' and endTime lt '2025-02-22T00:00:00.000Z'",
            "serviceOffer/id in ('902fa943', '00000000')",
            "category eq 'API Gateway' and createdAt ge '2025-01-16T07:54:55.0Z'",
            "not (archived eq true) and quantity ge 10 and rate lt 2.5",
            "contains(name, 'O''Brien')",
            "createdAt ge 2025-01-16T07:54:55Z",
        ] {
            assert_eq!(check_filter(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn mistakes_are_named_with_what_to_write() {
        for (bad, says) in [
            (
                "status eq OFFLINE",
                "string values need single quotes: status eq 'OFFLINE'",
            ),
            ("deviceType = 'AP'", "(write `eq`)"),
            ("deviceType != 'AP'", "(write `ne`)"),
            ("quantity >= 3", "(write `ge`)"),
            ("name eq \"x\"", "single quotes"),
            ("name eq 'unclosed", "has no closing '"),
            ("(name eq 'x'", "is not closed"),
            ("name eq 'x')", "closes no `(`"),
            ("eq 'x'", "needs a field"),
            ("name eq", "has no value"),
            ("name eq and", "is followed by `and`"),
        ] {
            let e = check_filter(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
