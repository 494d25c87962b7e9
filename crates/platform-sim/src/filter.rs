//! The OData-like subset accepted in `filter` and `sort` query parameters.
//!
//! `filter`: one or more clauses joined by ` and `; a clause is `field eq VALUE` or
//! `field in (VALUE, VALUE, ...)`; a VALUE is a single-quoted string (a quote inside is doubled:
//! `'O''Brien'`), a number, `true`, `false` or `null`. Keywords are lower case. Anything else
//! (other operators, `or`, `not`, functions) is rejected with 400.
//!
//! `sort`: comma-separated `field` or `field asc|desc` (direction case-insensitive).

use std::cmp::Ordering;

use serde_json::Value;

/// A literal value in a filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    /// A quoted string.
    Str(String),
    /// A number.
    Num(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl Literal {
    /// Whether a JSON value equals this literal.
    pub(crate) fn matches(&self, v: Option<&Value>) -> bool {
        match (self, v) {
            (Literal::Str(s), Some(Value::String(x))) => s == x,
            (Literal::Num(n), Some(Value::Number(x))) => x.as_f64() == Some(*n),
            (Literal::Bool(b), Some(Value::Bool(x))) => b == x,
            (Literal::Null, None | Some(Value::Null)) => true,
            _ => false,
        }
    }
}

/// One `field eq v` / `field in (v, ...)` clause.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    /// The field name (dotted paths allowed: `deviceHealthStatus.total`).
    pub(crate) field: String,
    /// Accepted values (one for `eq`).
    pub(crate) values: Vec<Literal>,
}

/// A conjunction of clauses.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Filter {
    /// All must hold.
    pub(crate) clauses: Vec<Clause>,
}

impl Filter {
    /// Whether a record matches, looking fields up by (dotted) path.
    pub(crate) fn matches_record(&self, record: &Value) -> bool {
        self.clauses.iter().all(|c| {
            let v = lookup(record, &c.field);
            c.values.iter().any(|l| l.matches(v))
        })
    }

    /// Checks that every field is in `allowed`.
    pub(crate) fn check_fields(&self, allowed: &dyn Fn(&str) -> bool) -> Result<(), String> {
        for c in &self.clauses {
            if !allowed(&c.field) {
                return Err(format!("field '{}' cannot be filtered on", c.field));
            }
        }
        Ok(())
    }
}

/// Looks a dotted path up in a JSON value.
pub(crate) fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, seg| cur.get(seg))
}

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos] == b' ' {
            self.pos += 1;
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.s.len()
    }

    fn word(&mut self) -> Option<&str> {
        self.skip_ws();
        let start = self.pos;
        while self.pos < self.s.len()
            && (self.s[self.pos].is_ascii_alphanumeric() || b"_.-".contains(&self.s[self.pos]))
        {
            self.pos += 1;
        }
        (self.pos > start)
            .then(|| std::str::from_utf8(&self.s[start..self.pos]).ok())
            .flatten()
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        self.skip_ws();
        if self.eat(b'\'') {
            let mut out = Vec::new();
            loop {
                match self.s.get(self.pos) {
                    None => return Err("unterminated string literal".into()),
                    Some(b'\'') if self.s.get(self.pos + 1) == Some(&b'\'') => {
                        out.push(b'\'');
                        self.pos += 2;
                    }
                    Some(b'\'') => {
                        self.pos += 1;
                        break;
                    }
                    Some(&b) => {
                        out.push(b);
                        self.pos += 1;
                    }
                }
            }
            return String::from_utf8(out)
                .map(Literal::Str)
                .map_err(|_| "string literal is not UTF-8".into());
        }
        match self.word() {
            Some("true") => Ok(Literal::Bool(true)),
            Some("false") => Ok(Literal::Bool(false)),
            Some("null") => Ok(Literal::Null),
            Some(w) => w
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(Literal::Num)
                .ok_or_else(|| format!("'{w}' is not a value (quote strings: 'text')")),
            None => Err("expected a value".into()),
        }
    }
}

/// Parses a `filter` expression.
pub(crate) fn parse_filter(s: &str) -> Result<Filter, String> {
    let mut lx = Lexer {
        s: s.as_bytes(),
        pos: 0,
    };
    let mut clauses = Vec::new();
    loop {
        let pos = lx.pos;
        let field = lx
            .word()
            .ok_or_else(|| format!("expected a field name at position {pos}"))?
            .to_string();
        let op = lx.word().unwrap_or_default().to_string();
        let values = match op.as_str() {
            "eq" => vec![lx.literal()?],
            "in" => {
                if !lx.eat(b'(') {
                    return Err("expected '(' after 'in'".into());
                }
                let mut vs = vec![lx.literal()?];
                while lx.eat(b',') {
                    vs.push(lx.literal()?);
                }
                if !lx.eat(b')') {
                    return Err("expected ')' to close the 'in' list".into());
                }
                vs
            }
            "" => return Err(format!("expected an operator after '{field}'")),
            other => {
                return Err(format!(
                    "operator '{other}' is not supported (supported: eq, in)"
                ));
            }
        };
        clauses.push(Clause { field, values });
        if lx.at_end() {
            break;
        }
        match lx.word() {
            Some("and") => {}
            Some(w) => {
                return Err(format!(
                    "'{w}' is not supported here (only 'and' joins clauses)"
                ));
            }
            None => return Err(format!("unexpected character at position {}", lx.pos)),
        }
    }
    Ok(Filter { clauses })
}

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SortKey {
    /// Field name.
    pub(crate) field: String,
    /// Descending order.
    pub(crate) desc: bool,
}

/// Parses a `sort` expression.
pub(crate) fn parse_sort(s: &str) -> Result<Vec<SortKey>, String> {
    let mut keys = Vec::new();
    for part in s.split(',') {
        let words: Vec<&str> = part.split(' ').filter(|w| !w.is_empty()).collect();
        let (field, desc) = match words.as_slice() {
            [f] => (*f, false),
            [f, d] if d.eq_ignore_ascii_case("asc") => (*f, false),
            [f, d] if d.eq_ignore_ascii_case("desc") => (*f, true),
            _ => return Err(format!("cannot parse sort key '{}'", part.trim())),
        };
        keys.push(SortKey {
            field: field.to_string(),
            desc,
        });
    }
    Ok(keys)
}

fn rank(v: Option<&Value>) -> u8 {
    match v {
        None | Some(Value::Null) => 0,
        Some(Value::Bool(_)) => 1,
        Some(Value::Number(_)) => 2,
        Some(Value::String(_)) => 3,
        Some(_) => 4,
    }
}

/// Compares two optional JSON values: null < bool < number < string < others.
pub(crate) fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Compares two records by sort keys.
pub(crate) fn compare_records(a: &Value, b: &Value, keys: &[SortKey]) -> Ordering {
    for k in keys {
        let o = compare_values(lookup(a, &k.field), lookup(b, &k.field));
        let o = if k.desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_quotes_and_lists() {
        let f = parse_filter("workspaceName eq 'O''Brien & Sons'").expect("parse");
        assert_eq!(
            f.clauses[0].values,
            vec![Literal::Str("O'Brien & Sons".into())]
        );
        let f = parse_filter("a eq 1 and b in ('x', 'y')").expect("parse");
        assert_eq!(f.clauses.len(), 2);
        assert!(f.matches_record(&json!({"a": 1, "b": "y"})));
        assert!(!f.matches_record(&json!({"a": 1, "b": "z"})));
    }

    #[test]
    fn rejects_unsupported() {
        for bad in [
            "a ne 'x'",
            "a eq 'x' or b eq 'y'",
            "a eq x",
            "a eq 'x",
            "contains(a,'x')",
            "a",
            "",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sorts() {
        let keys = parse_sort("n desc, s").expect("parse");
        let a = json!({"n": 1, "s": "b"});
        let b = json!({"n": 2, "s": "a"});
        assert_eq!(compare_records(&a, &b, &keys), Ordering::Greater);
        assert!(parse_sort("a up").is_err());
    }
}
