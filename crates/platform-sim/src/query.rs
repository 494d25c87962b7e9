//! Strict parsing of `application/x-www-form-urlencoded` data (query strings and token request
//! bodies): invalid percent escapes, non-UTF-8 text, repeated and unknown parameters are errors.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use crate::filter::{Filter, SortKey, parse_filter, parse_sort};

/// A rejected parameter: which one and why (becomes a GLP `bad_request` issue).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadParam {
    /// Parameter name (or `query` for the whole string).
    pub(crate) subject: String,
    /// What is wrong.
    pub(crate) description: String,
}

impl BadParam {
    pub(crate) fn new(subject: impl Into<String>, description: impl Into<String>) -> Self {
        BadParam {
            subject: subject.into(),
            description: description.into(),
        }
    }
}

/// A `filter` parameter parsed, every field it names one that `allowed` takes.
pub(crate) fn checked_filter(
    text: &str,
    allowed: &dyn Fn(&str) -> bool,
) -> Result<Filter, BadParam> {
    let filter = parse_filter(text).map_err(|e| BadParam::new("filter", e))?;
    filter
        .check_fields(allowed)
        .map_err(|e| BadParam::new("filter", e))?;
    Ok(filter)
}

/// A `sort` parameter parsed, every key a field that `allowed` takes.
pub(crate) fn checked_sort(
    text: &str,
    allowed: &dyn Fn(&str) -> bool,
) -> Result<Vec<SortKey>, BadParam> {
    let keys = parse_sort(text).map_err(|e| BadParam::new("sort", e))?;
    if let Some(k) = keys.iter().find(|k| !allowed(&k.field)) {
        return Err(BadParam::new(
            "sort",
            format!("cannot sort on field '{}'", k.field),
        ));
    }
    Ok(keys)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one form-urlencoded component (`+` is a space). `None` on a bad `%` escape or
/// non-UTF-8 result.
pub(crate) fn form_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hi = hex(*b.get(i + 1)?)?;
                let lo = hex(*b.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Splits and decodes `a=b&c=d` into pairs, keeping order and repeats. Empty segments are skipped.
pub(crate) fn parse_pairs(raw: &str) -> Result<Vec<(String, String)>, BadParam> {
    let mut pairs = Vec::new();
    for seg in raw.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
        let k = form_decode(k)
            .ok_or_else(|| BadParam::new("query", format!("bad percent-encoding in '{k}'")))?;
        let v = form_decode(v)
            .ok_or_else(|| BadParam::new(&k, "bad percent-encoding or non-UTF-8 value"))?;
        pairs.push((k, v));
    }
    Ok(pairs)
}

/// Query parameters of one API request: each at most once, each known to the endpoint.
#[derive(Debug, Default)]
pub(crate) struct Params(BTreeMap<String, String>);

impl Params {
    /// Parses a raw query string, allowing only the `allowed` names.
    pub(crate) fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Params, BadParam> {
        let mut map = BTreeMap::new();
        for (k, v) in parse_pairs(raw.unwrap_or(""))? {
            if !allowed.contains(&k.as_str()) {
                return Err(BadParam::new(
                    &k,
                    format!(
                        "unknown query parameter '{k}' (accepted: {})",
                        allowed.join(", ")
                    ),
                ));
            }
            if map.contains_key(&k) {
                return Err(BadParam::new(&k, format!("'{k}' given more than once")));
            }
            map.insert(k, v);
        }
        Ok(Params(map))
    }

    /// A parameter's value.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// An unsigned integer parameter within `range`; `Ok(None)` when absent.
    pub(crate) fn uint(
        &self,
        name: &str,
        range: RangeInclusive<u64>,
    ) -> Result<Option<u64>, BadParam> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        let n: u64 = if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            raw.parse()
                .map_err(|_| BadParam::new(name, format!("'{name}' is too large")))?
        } else {
            return Err(BadParam::new(
                name,
                format!("'{name}' must be an unsigned integer, got '{raw}'"),
            ));
        };
        if !range.contains(&n) {
            return Err(BadParam::new(
                name,
                format!(
                    "'{name}' must be between {} and {}, got {n}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(Some(n))
    }

    /// Like [`Params::uint`], but the parameter is required.
    pub(crate) fn required_uint(
        &self,
        name: &str,
        range: RangeInclusive<u64>,
    ) -> Result<u64, BadParam> {
        self.uint(name, range)?
            .ok_or_else(|| BadParam::new(name, format!("query parameter '{name}' is required")))
    }

    /// A text parameter of at most `max` characters.
    pub(crate) fn text(&self, name: &str, max: usize) -> Result<Option<&str>, BadParam> {
        match self.get(name) {
            Some(v) if v.chars().count() > max => Err(BadParam::new(
                name,
                format!("'{name}' must be at most {max} characters"),
            )),
            other => Ok(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_strictly() {
        assert_eq!(form_decode("a+b%2B%26").as_deref(), Some("a b+&"));
        assert_eq!(form_decode("%E2%9C%93").as_deref(), Some("✓"));
        assert_eq!(form_decode("% x"), None);
        assert_eq!(form_decode("%FF"), None);
    }

    #[test]
    fn params_reject_repeats_unknowns_and_bad_numbers() {
        assert!(Params::parse(Some("limit=1&limit=2"), &["limit"]).is_err());
        assert!(Params::parse(Some("Limit=1"), &["limit"]).is_err());
        let p = Params::parse(Some("limit=5"), &["limit", "next"]).expect("parse");
        assert_eq!(p.required_uint("limit", 1..=10), Ok(5));
        assert!(p.required_uint("next", 1..=10).is_err());
        let p = Params::parse(Some("limit=-1"), &["limit"]).expect("parse");
        assert!(p.uint("limit", 1..=10).is_err());
    }
}
