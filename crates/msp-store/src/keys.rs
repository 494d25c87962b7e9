//! An item's key: its id field, read from its text without parsing it where possible.

use crate::hash::fnv1a;

/// The fields that identify an item, most specific first (as `collect`'s CSV `id` column).
pub const KEY_FIELDS: &[&str] = &[
    "serialNumber",
    "serial",
    "id",
    "siteId",
    "macAddress",
    "mac",
    "name",
];

/// The key fields of an item, read without building the rest of it.
#[derive(serde::Deserialize)]
pub(crate) struct Keys {
    #[serde(rename = "serialNumber")]
    serial_number: Option<serde_json::Value>,
    serial: Option<serde_json::Value>,
    id: Option<serde_json::Value>,
    #[serde(rename = "siteId")]
    site_id: Option<serde_json::Value>,
    #[serde(rename = "macAddress")]
    mac_address: Option<serde_json::Value>,
    mac: Option<serde_json::Value>,
    name: Option<serde_json::Value>,
}

/// An item's key: its serial number (or the first other id field it has, in the order of
/// [`KEY_FIELDS`]), or, for an item with none, a digest of its text.
pub(crate) fn item_key(item: &str) -> String {
    match scan_key(item) {
        Scan::Key(key) => key.to_owned(),
        Scan::NoKey => digest_key(item),
        Scan::Unsure => parsed_key(item),
    }
}

pub(crate) fn digest_key(item: &str) -> String {
    format!("#{:016x}", fnv1a(item.as_bytes()) as u64)
}

/// What [`scan_key`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan<'a> {
    /// The key, as [`parsed_key`] would give it.
    Key(&'a str),
    /// An object with no key field.
    NoKey,
    /// Something the scan does not decide (escapes, a large or fractional number, a repeated
    /// field, not an object): [`parsed_key`] does.
    Unsure,
}

/// An item's key read from its text at the top level, without building anything, stopping at
/// `serialNumber` (nothing ranks above it; it comes first in Central's items). The text is
/// valid JSON (the transport checked it). An object that repeats its serial number gets the
/// first one (through serde, the repeated field made the key a digest).
pub(crate) fn scan_key(text: &str) -> Scan<'_> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Scan::Unsure;
    }
    i += 1;
    let mut best: Option<(usize, &str)> = None;
    let mut seen = 0u32;
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b'}') => break,
            Some(b'"') => {}
            _ => return Scan::Unsure,
        }
        let Some((name, next)) = plain_string(text, i) else {
            return Scan::Unsure;
        };
        i = skip_ws(b, next);
        if b.get(i) != Some(&b':') {
            return Scan::Unsure;
        }
        i = skip_ws(b, i + 1);
        match KEY_FIELDS.iter().position(|f| *f == name) {
            Some(rank) => {
                if seen & (1 << rank) != 0 {
                    return Scan::Unsure;
                }
                seen |= 1 << rank;
                let value = match b.get(i) {
                    Some(b'"') => match plain_string(text, i) {
                        Some((v, next)) => {
                            i = next;
                            (!v.is_empty()).then_some(v)
                        }
                        None => return Scan::Unsure,
                    },
                    Some(c) if *c == b'-' || c.is_ascii_digit() => {
                        let end = skip_scalar(b, i);
                        let n = &text[i..end];
                        let digits = n.strip_prefix('-').unwrap_or(n);
                        if digits.len() > 18 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                            return Scan::Unsure;
                        }
                        i = end;
                        Some(n)
                    }
                    _ => match skip_value(b, i) {
                        Some(next) => {
                            i = next;
                            None
                        }
                        None => return Scan::Unsure,
                    },
                };
                if let Some(v) = value {
                    if rank == 0 {
                        return Scan::Key(v);
                    }
                    if best.is_none_or(|(r, _)| rank < r) {
                        best = Some((rank, v));
                    }
                }
            }
            None => match skip_value(b, i) {
                Some(next) => i = next,
                None => return Scan::Unsure,
            },
        }
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => break,
            _ => return Scan::Unsure,
        }
    }
    best.map_or(Scan::NoKey, |(_, v)| Scan::Key(v))
}

pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The string starting at `i` (a quote) when it has no escape, and the index after it.
pub(crate) fn plain_string(text: &str, i: usize) -> Option<(&str, usize)> {
    let rest = text.get(i + 1..)?;
    let end = rest.find(['"', '\\'])?;
    if rest.as_bytes().get(end) != Some(&b'"') {
        return None;
    }
    Some((rest.get(..end)?, i + 1 + end + 1))
}

/// The end of a number, `true`, `false` or `null` starting at `i`.
pub(crate) fn skip_scalar(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The end of the value starting at `i`.
pub(crate) fn skip_value(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match b.get(i)? {
            b'"' => {
                i += 1;
                loop {
                    match b.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' if depth > 0 => i += 1,
            _ if depth > 0 => i = skip_scalar(b, i).max(i + 1),
            _ => i = skip_scalar(b, i),
        }
        if depth == 0 {
            return Some(i);
        }
    }
}

/// [`item_key`] through serde: the reference the scan agrees with.
pub(crate) fn parsed_key(item: &str) -> String {
    let keys: Option<Keys> = serde_json::from_str(item).ok();
    keys.and_then(|k| {
        [
            k.serial_number,
            k.serial,
            k.id,
            k.site_id,
            k.mac_address,
            k.mac,
            k.name,
        ]
        .into_iter()
        .flatten()
        .find_map(|v| match v {
            serde_json::Value::String(s) if !s.is_empty() => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    })
    .unwrap_or_else(|| digest_key(item))
}
