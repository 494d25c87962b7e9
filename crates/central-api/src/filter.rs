//! The `filter` grammar of Central's monitoring lists, checked locally so that a malformed
//! filter is refused before any request (one message) rather than by every tenant's request
//! (one HTTP 400 each).
//!
//! The grammar (HPE's published monitoring specification; see `docs/platform-facts.md`): a
//! "limited" OData 4.0 filter: clauses joined by `and` only (no `or`, no `not`), each
//! `FIELD OP VALUE`, optionally in parentheses. Operators: `eq` (one value), `in` (a
//! parenthesized, comma-separated list), and `gt` / `lt` (the `timestamp` of the trend
//! endpoints). A string value is in single quotes (a quote inside is doubled: `'O''Brien'`);
//! `true`, `false`, `null`, numbers and RFC 3339 timestamps are written bare. A field name may
//! be quoted too (the firewall endpoints do). The lists this crate knows by name
//! ([`Resource`]) accept `eq` and `in` on their own fields only ([`filter_fields`]); alerts
//! (HPE's notifications spec) the same grammar on `siteId`, `typeId`, `status`, `category` and
//! `deviceType`.

use glp_transport::{FilterToken as Token, lex_filter};

use crate::Resource;

/// What is wrong with a filter, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterProblem(String);

impl FilterProblem {
    fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }
}

/// The fields a known list accepts in its `filter` (each with `eq` and `in`), as HPE's
/// specification lists them.
pub fn filter_fields(resource: Resource) -> &'static [&'static str] {
    match resource {
        Resource::Aps => &[
            "siteId",
            "siteName",
            "serialNumber",
            "deviceName",
            "status",
            "model",
            "firmwareVersion",
            "deployment",
            "clusterId",
            "clusterName",
        ],
        Resource::Switches => &["siteId", "siteName", "model", "status", "deployment"],
        Resource::Gateways => &[
            "siteId",
            "model",
            "status",
            "deployment",
            "macAddress",
            "siteName",
            "deviceName",
            "firmwareVersion",
            "serialNumber",
            "clusterName",
        ],
        Resource::Clients => &[
            "clientConnectionType",
            "status",
            "wlanName",
            "vlanId",
            "tunnelType",
            "role",
        ],
        Resource::SitesHealth => &["siteId", "siteName"],
        Resource::Devices => &[
            "siteId",
            "siteName",
            "serialNumber",
            "deviceName",
            "deviceType",
            "status",
            "model",
            "firmwareVersion",
            "deployment",
            "clusterName",
        ],
        Resource::Alerts => &["siteId", "typeId", "status", "category", "deviceType"],
        Resource::DeviceInventory => &[
            "siteId",
            "siteName",
            "serialNumber",
            "deviceName",
            "deviceType",
            "model",
            "firmwareVersion",
            "deviceFunction",
            "isProvisioned",
            "deviceGroupName",
        ],
    }
}

/// The fields a known list can be sorted on, where HPE's specification lists them (alerts:
/// `createdAt`, `severity`, `status`, `name`, `priority`); `None`: not checked locally.
pub fn sort_fields(resource: Resource) -> Option<&'static [&'static str]> {
    match resource {
        Resource::Alerts => Some(&["createdAt", "severity", "status", "name", "priority"]),
        _ => None,
    }
}

/// Checks a `sort` expression (`FIELD [asc|desc]`, comma-separated) for a list whose sort
/// fields are known ([`sort_fields`]); other lists are not checked.
pub fn check_sort(sort: &str, resource: Resource) -> Result<(), FilterProblem> {
    let Some(fields) = sort_fields(resource) else {
        return Ok(());
    };
    for key in sort.split(',') {
        let mut words = key.split_whitespace();
        let (Some(field), direction, None) = (words.next(), words.next(), words.next()) else {
            return Err(FilterProblem::new(format!(
                "a sort key is FIELD or FIELD asc|desc, e.g. {} desc",
                fields[0]
            )));
        };
        if !fields.contains(&field) {
            return Err(FilterProblem::new(format!(
                "{} cannot be sorted on `{field}`; its sort fields are {}",
                resource.name(),
                fields.join(", ")
            )));
        }
        if let Some(d) = direction
            && !d.eq_ignore_ascii_case("asc")
            && !d.eq_ignore_ascii_case("desc")
        {
            return Err(FilterProblem::new(format!(
                "the direction of `{field}` is asc or desc, not `{d}`"
            )));
        }
    }
    Ok(())
}

/// The operators of the grammar.
const OPERATORS: [&str; 4] = ["eq", "in", "gt", "lt"];

/// Checks `filter` against the grammar and, for a known `resource`, its fields and operators.
/// `None`: a list this crate does not know (the grammar alone is checked).
pub fn check_filter(filter: &str, resource: Option<Resource>) -> Result<(), FilterProblem> {
    let tokens = lex(filter)?;
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        depth: 0,
    };
    let clauses = parser.expression()?;
    if let Some(token) = parser.peek() {
        return Err(FilterProblem::new(format!(
            "unexpected {token} after a complete clause: clauses are joined with `and`"
        )));
    }
    let Some(resource) = resource else {
        return Ok(());
    };
    let fields = filter_fields(resource);
    for clause in &clauses {
        if !fields.contains(&clause.field.as_str()) {
            let hint = match fields
                .iter()
                .find(|f| f.eq_ignore_ascii_case(&clause.field))
            {
                Some(f) => format!("field names are case-sensitive: `{f}`"),
                None => format!("its fields are {}", fields.join(", ")),
            };
            return Err(FilterProblem::new(format!(
                "`{}` cannot be filtered on in {}; {hint}",
                clause.field,
                resource.name()
            )));
        }
        if clause.op != "eq" && clause.op != "in" {
            return Err(FilterProblem::new(format!(
                "{} takes only `eq` and `in` in its filter, not `{}`",
                resource.name(),
                clause.op
            )));
        }
    }
    Ok(())
}

/// The tokens of `filter`, its bare words of [`is_word_char`]s.
fn lex(filter: &str) -> Result<Vec<Token>, FilterProblem> {
    lex_filter(filter, is_word_char).map_err(|e| FilterProblem::new(e.to_string()))
}

/// A character of a bare word: letters, digits, and what a dotted field, a number or a
/// timestamp holds (`.`, `-`, `+`, `:`, `_`).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || "._-+:".contains(c)
}

/// One `FIELD OP VALUE` clause.
struct Clause {
    field: String,
    op: String,
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&Token> {
        let token = self.tokens.get(self.pos);
        self.pos += 1;
        token
    }

    /// `term (and term)*`.
    fn expression(&mut self) -> Result<Vec<Clause>, FilterProblem> {
        let mut clauses = self.term()?;
        loop {
            match self.peek() {
                Some(Token::Word(w)) if w == "and" => {
                    self.pos += 1;
                    clauses.extend(self.term()?);
                }
                Some(Token::Word(w)) if w.eq_ignore_ascii_case("and") => {
                    return Err(FilterProblem::new(format!(
                        "write `and` in lower case, not `{w}`"
                    )));
                }
                Some(Token::Word(w))
                    if w.eq_ignore_ascii_case("or") || w.eq_ignore_ascii_case("not") =>
                {
                    return Err(or_not(w));
                }
                _ => return Ok(clauses),
            }
        }
    }

    /// `( expression )` or a clause.
    fn term(&mut self) -> Result<Vec<Clause>, FilterProblem> {
        if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            self.depth += 1;
            if self.depth > 8 {
                return Err(FilterProblem::new("parentheses nested too deep"));
            }
            let inner = self.expression()?;
            if self.next() != Some(&Token::Close) {
                return Err(FilterProblem::new("a `(` has no closing `)`"));
            }
            self.depth -= 1;
            return Ok(inner);
        }
        self.clause().map(|c| vec![c])
    }

    fn clause(&mut self) -> Result<Clause, FilterProblem> {
        let field = match self.next() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("not") => return Err(or_not(w)),
            Some(Token::Word(w) | Token::Str(w)) => w.clone(),
            Some(other) => {
                return Err(FilterProblem::new(format!(
                    "expected a field name, found {other}; a clause is FIELD eq 'VALUE', e.g. \
                     status eq 'OFFLINE'"
                )));
            }
            None => {
                return Err(FilterProblem::new(
                    "expected a clause (FIELD eq 'VALUE', e.g. status eq 'OFFLINE') at the end",
                ));
            }
        };
        let op = match self.next().cloned() {
            Some(Token::Word(w)) if OPERATORS.contains(&w.as_str()) => w,
            Some(Token::Word(w)) if OPERATORS.contains(&w.to_ascii_lowercase().as_str()) => {
                return Err(FilterProblem::new(format!(
                    "operators are lower case: {field} {} ...",
                    w.to_ascii_lowercase()
                )));
            }
            Some(Token::Other(o)) => {
                let meant = match o.as_str() {
                    "=" | "==" => "eq",
                    "<" => "lt",
                    ">" => "gt",
                    _ => "",
                };
                let hint = if meant.is_empty() {
                    "the operators are eq, in, gt and lt".to_owned()
                } else {
                    format!("write `{field} {meant} ...`")
                };
                return Err(FilterProblem::new(format!(
                    "`{o}` is not an operator of Central's filter; {hint}"
                )));
            }
            Some(other) => {
                return Err(FilterProblem::new(format!(
                    "`{field}` is followed by {other}, not an operator: the operators are eq, \
                     in, gt and lt (ne, contains and the like are not supported)"
                )));
            }
            None => {
                return Err(FilterProblem::new(format!(
                    "`{field}` needs an operator and a value, e.g. {field} eq 'VALUE'"
                )));
            }
        };
        if op == "in" {
            if self.next() != Some(&Token::Open) {
                return Err(FilterProblem::new(format!(
                    "`in` takes a list in parentheses: {field} in ('A', 'B')"
                )));
            }
            loop {
                self.value(&field, &op)?;
                match self.next() {
                    Some(Token::Comma) => {}
                    Some(Token::Close) => break,
                    _ => {
                        return Err(FilterProblem::new(format!(
                            "the list of `{field} in` needs commas between the values and a \
                             closing `)`: {field} in ('A', 'B')"
                        )));
                    }
                }
            }
        } else {
            self.value(&field, &op)?;
        }
        Ok(Clause { field, op })
    }

    /// A literal: a single-quoted string, `true`, `false`, `null`, a number or a timestamp.
    fn value(&mut self, field: &str, op: &str) -> Result<(), FilterProblem> {
        let quoted = |v: &str| {
            if op == "in" {
                format!("{field} in ('{v}')")
            } else {
                format!("{field} {op} '{v}'")
            }
        };
        match self.next() {
            Some(Token::Str(_)) => Ok(()),
            Some(Token::Word(w))
                if matches!(w.as_str(), "true" | "false" | "null")
                    || w.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') =>
            {
                Ok(())
            }
            Some(Token::Word(w)) => Err(FilterProblem::new(format!(
                "string values need single quotes: {}",
                quoted(w)
            ))),
            Some(Token::DoubleQuoted { text: s, .. }) => Err(FilterProblem::new(format!(
                "string values take single quotes, not double: {}",
                quoted(s)
            ))),
            Some(other) => Err(FilterProblem::new(format!(
                "expected a value after `{field} {op}`, found {other}, e.g. {}",
                quoted("VALUE")
            ))),
            None => Err(FilterProblem::new(format!(
                "`{field} {op}` needs a value, e.g. {}",
                quoted("VALUE")
            ))),
        }
    }
}

fn or_not(word: &str) -> FilterProblem {
    FilterProblem::new(format!(
        "Central's filter joins clauses with `and` only (`{word}` is not supported); for \
         several values of one field write FIELD in ('A', 'B'), or run once per condition"
    ))
}

#[cfg(test)]
mod tests;
