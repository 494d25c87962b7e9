//! The bound on a tool's result: at most [`MAX_ITEMS`] items and about [`MAX_BYTES`] bytes,
//! each text at most [`MAX_TEXT_CHARS`] characters, and a note when it is cut.

use serde::Serialize;
use serde_json::Value;

/// The most items a result lists (a tool's `limit` can ask for fewer).
pub const MAX_ITEMS: usize = 200;

/// The most bytes of items a result holds (their compact JSON); the rest of the result (counts,
/// note) adds little.
pub const MAX_BYTES: usize = 64 * 1024;

/// The most characters of one text in a result (the servers' texts are untrusted: a name can
/// be any length); a longer one ends with `…` after this many.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// Cuts every text of `value` longer than [`MAX_TEXT_CHARS`]; whether one was.
fn clip(value: &mut Value) -> bool {
    match value {
        Value::String(s) if s.chars().count() > MAX_TEXT_CHARS => {
            *s = s.chars().take(MAX_TEXT_CHARS).chain(['…']).collect();
            true
        }
        Value::Array(items) => items.iter_mut().fold(false, |cut, v| clip(v) | cut),
        Value::Object(map) => map.values_mut().fold(false, |cut, v| clip(v) | cut),
        _ => false,
    }
}

/// A tool's `limit`: at most [`MAX_ITEMS`], [`MAX_ITEMS`] when not given; 0 is refused.
pub(crate) fn limit(given: Option<u32>) -> Result<usize, crate::ToolError> {
    match given {
        None => Ok(MAX_ITEMS),
        Some(0) => Err(crate::ToolError::invalid("limit must be at least 1")),
        Some(n) => Ok((n as usize).min(MAX_ITEMS)),
    }
}

/// Items, bounded: the first `limit` of them that fit in [`MAX_BYTES`].
#[derive(Debug, Serialize)]
pub(crate) struct Page {
    /// How many there are.
    pub(crate) total: usize,
    /// How many are shown.
    pub(crate) shown: usize,
    /// Whether some are left out.
    pub(crate) truncated: bool,
    /// How to see the rest, when some are left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
    /// Whether a text of an item shown was cut to [`MAX_TEXT_CHARS`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) texts_cut: bool,
    /// The items shown.
    pub(crate) items: Vec<Value>,
}

impl Page {
    /// The first `limit` of `items` that fit in [`MAX_BYTES`]; when cut, a note ending with
    /// `narrow` (how to ask for less).
    pub(crate) fn of<T: Serialize>(
        items: &[T],
        limit: usize,
        narrow: &str,
    ) -> Result<Self, crate::ToolError> {
        let mut shown = Vec::new();
        let mut bytes = 0;
        let mut texts_cut = false;
        for item in items.iter().take(limit) {
            let mut value = serde_json::to_value(item).map_err(crate::ToolError::internal)?;
            texts_cut |= clip(&mut value);
            let size = serde_json::to_string(&value)
                .map_err(crate::ToolError::internal)?
                .len();
            if bytes + size > MAX_BYTES && !shown.is_empty() {
                break;
            }
            bytes += size;
            shown.push(value);
        }
        let truncated = shown.len() < items.len();
        Ok(Self {
            total: items.len(),
            shown: shown.len(),
            truncated,
            note: truncated.then(|| {
                format!(
                    "showing {} of {}; {narrow}",
                    thousands(shown.len()),
                    thousands(items.len())
                )
            }),
            texts_cut,
            items: shown,
        })
    }
}

/// `n` with a comma every three digits (`5,312`).
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn a_page_is_cut_by_count_then_by_bytes_and_says_so() {
        let items: Vec<u32> = (0..5_312).collect();
        let page = Page::of(&items, MAX_ITEMS, "narrow with tenant").expect("page");
        assert_eq!((page.total, page.shown, page.truncated), (5_312, 200, true));
        assert_eq!(
            page.note.as_deref(),
            Some("showing 200 of 5,312; narrow with tenant")
        );
        // Items of 25 texts of 900 characters (about 23 KB each): two fit in 64 KiB.
        let big: Vec<BTreeMap<String, String>> = (0..10)
            .map(|_| (0..25).map(|k| (k.to_string(), "x".repeat(900))).collect())
            .collect();
        let page = Page::of(&big, MAX_ITEMS, "ask for less").expect("page");
        assert_eq!(
            (page.shown, page.truncated, page.texts_cut),
            (2, true, false)
        );
        let page = Page::of(&items[..3], MAX_ITEMS, "unused").expect("page");
        assert_eq!((page.shown, page.truncated, page.note), (3, false, None));
        assert_eq!(limit(Some(5)).expect("5"), 5);
        assert_eq!(limit(Some(5_000)).expect("capped"), MAX_ITEMS);
        assert!(limit(Some(0)).is_err());
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        let long = [serde_json::json!({"name": "n".repeat(5_000), "n": 1})];
        let page = Page::of(&long, MAX_ITEMS, "unused").expect("page");
        assert!(page.texts_cut);
        let name = page.items[0]["name"].as_str().expect("name");
        assert_eq!(name.chars().count(), MAX_TEXT_CHARS + 1);
        assert!(name.ends_with('…'));
    }
}
