//! The bound on a tool's result: at most [`MAX_ITEMS`] items and about [`MAX_BYTES`] bytes,
//! and a note when it is cut.

use serde::Serialize;
use serde_json::Value;

/// The most items a result lists (a tool's `limit` can ask for fewer).
pub const MAX_ITEMS: usize = 200;

/// The most bytes of items a result holds (their compact JSON); the rest of the result (counts,
/// note) adds little.
pub const MAX_BYTES: usize = 64 * 1024;

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
        for item in items.iter().take(limit) {
            let value = serde_json::to_value(item).map_err(crate::ToolError::internal)?;
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
        let big: Vec<String> = (0..10)
            .map(|i| format!("{i}{}", "x".repeat(20_000)))
            .collect();
        let page = Page::of(&big, MAX_ITEMS, "ask for less").expect("page");
        assert_eq!((page.shown, page.truncated), (3, true));
        let page = Page::of(&items[..3], MAX_ITEMS, "unused").expect("page");
        assert_eq!((page.shown, page.truncated, page.note), (3, false, None));
        assert_eq!(limit(Some(5)).expect("5"), 5);
        assert_eq!(limit(Some(5_000)).expect("capped"), MAX_ITEMS);
        assert!(limit(Some(0)).is_err());
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
