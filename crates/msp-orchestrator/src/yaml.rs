//! A small YAML emitter for records: block style, every string double-quoted (JSON's escapes are
//! YAML's, and the characters YAML may not hold raw are escaped too), so no value can be read
//! back as another type (`no`, `1e3`, `null` stay strings).

use serde_json::{Map, Value};

/// Appends `value` as one entry (`- ...`) of a top-level YAML sequence, ending with a newline.
#[cfg(test)]
pub(crate) fn push_entry(out: &mut String, value: &Value) {
    out.push('-');
    entry_body(out, value, 2);
    out.push('\n');
}

/// Appends one entry whose top-level keys keep the given order (a record's fields).
pub(crate) fn push_ordered_entry(out: &mut String, fields: &[(&str, Value)]) {
    out.push('-');
    for (i, (key, value)) in fields.iter().enumerate() {
        if i == 0 {
            out.push(' ');
        } else {
            newline(out, 2);
        }
        let mut one = Map::new();
        one.insert((*key).to_owned(), value.clone());
        mapping(out, &one, 2, true);
    }
    out.push('\n');
}

fn entry_body(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push(' ');
            mapping(out, map, indent, true);
        }
        Value::Array(items) if !items.is_empty() => sequence(out, items, indent),
        scalar => {
            out.push(' ');
            push_scalar(out, scalar);
        }
    }
}

fn newline(out: &mut String, indent: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

fn mapping(out: &mut String, map: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            newline(out, indent);
        }
        push_key(out, key);
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => mapping(out, inner, indent + 2, false),
            Value::Array(items) if !items.is_empty() => sequence(out, items, indent + 2),
            scalar => {
                out.push(' ');
                push_scalar(out, scalar);
            }
        }
    }
}

fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        newline(out, indent);
        out.push('-');
        entry_body(out, item, indent + 2);
    }
}

fn push_key(out: &mut String, key: &str) {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(
            key.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        out.push_str(key);
    } else {
        push_string(out, key);
    }
}

fn push_scalar(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => push_string(out, s),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

/// A double-quoted YAML string: JSON's escaping, plus `\uXXXX` for DEL and the C1 controls
/// (not printable in YAML) and for U+2028/U+2029.
fn push_string(out: &mut String, s: &str) {
    let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    for c in json.chars() {
        match u32::from(c) {
            0x7F..=0x9F | 0x2028 | 0x2029 | 0xFEFF => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_style_with_every_string_quoted() {
        let mut out = String::new();
        push_entry(
            &mut out,
            &json!({
                "a": "no", "b": 1.5, "c": null, "d": [1, {"e": "x\ny", "f": []}, [2, 3]],
                "g": {}, "no": true, "h i": "\u{85}\u{7f}\u{1b}", "j": {"k": {"l": "1e3"}}
            }),
        );
        assert_eq!(
            out,
            "- a: \"no\"\n  b: 1.5\n  c: null\n  d:\n    - 1\n    - e: \"x\\ny\"\n      f: []\n    -\n      - 2\n      - 3\n  g: {}\n  \"h i\": \"\\u0085\\u007f\\u001b\"\n  j:\n    k:\n      l: \"1e3\"\n  \"no\": true\n"
        );
    }
}
