//! OData-style filter literals.

/// Quotes `value` as an OData string literal: wrapped in single quotes, with every `'` inside
/// doubled.
///
/// ```
/// assert_eq!(glp_workspaces::quote_odata("O'Brien"), "'O''Brien'");
/// assert_eq!(glp_workspaces::quote_odata(""), "''");
/// ```
pub fn quote_odata(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if c == '\'' {
            quoted.push('\'');
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

/// The audit-log filter selecting the entries created at or after `since`, an RFC 3339 time
/// (`2026-12-01T00:00:00Z`): `createdAt ge '<since>'`, the time clause of `getAuditLogs`
/// (which takes `ge` and `lt` on `createdAt`; join more clauses with ` and `). The time is
/// quoted as given: format it with `glp_core::date::rfc3339`.
///
/// ```
/// assert_eq!(
///     glp_workspaces::created_at_since("2026-12-01T00:00:00Z"),
///     "createdAt ge '2026-12-01T00:00:00Z'"
/// );
/// ```
pub fn created_at_since(since: &str) -> String {
    format!("createdAt ge {}", quote_odata(since))
}

/// The filter selecting the workspaces named exactly `name`.
pub(crate) fn workspace_name_eq(name: &str) -> String {
    format!("workspaceName eq {}", quote_odata(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_every_quote_and_keeps_everything_else() {
        for (text, quoted) in [
            ("Acme", "'Acme'"),
            ("'", "''''"),
            ("a''b", "'a''''b'"),
            ("Ünïcödé & co", "'Ünïcödé & co'"),
        ] {
            assert_eq!(quote_odata(text), quoted);
        }
        assert_eq!(workspace_name_eq("O'Brien"), "workspaceName eq 'O''Brien'");
    }
}
