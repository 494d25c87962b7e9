//! Readers of GreenLake item fields whose shape differs between HPE's published specs and
//! other sources, so callers of the untyped lists (`devices`, `subscriptions`) read both.
//!
//! - `quantity` and `availableQuantity` of a subscription are strings in
//!   `subscription-management.json` (`"25"`), numbers in earlier answers: [`count`] reads both.
//! - A device's `application` is an object (`{id, resourceUri}`) in `device-management.json`;
//!   a device assigned to no application has none, or `null`: [`application_id`] reads all three.
//! - Enumerations (`tier`, `subscriptionType`, `deviceType`, ...) are kept as the text received,
//!   whatever the value: a list never fails to decode over a value the spec does not name.

use serde_json::Value;

/// The non-negative count in `item[field]`: a JSON number, or a number in a string (surrounding
/// blanks allowed); `None` when absent, `null`, blank or not a count.
pub fn count(item: &Value, field: &str) -> Option<u64> {
    match item.get(field)? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The id of a GreenLake device's `application`: `None` when the field is absent, `null`, not an
/// object or without a string `id`.
pub fn application_id(device: &Value) -> Option<&str> {
    device.get("application")?.get("id")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_and_applications() {
        let s = json!({"a": "25", "b": 25, "c": " 7 ", "d": null, "e": "x", "f": -1, "g": 3.0});
        assert_eq!(count(&s, "a"), Some(25));
        assert_eq!(count(&s, "b"), Some(25));
        assert_eq!(count(&s, "c"), Some(7));
        assert_eq!(count(&s, "d"), None);
        assert_eq!(count(&s, "e"), None);
        assert_eq!(count(&s, "f"), None);
        assert_eq!(count(&s, "g"), Some(3));
        assert_eq!(count(&s, "missing"), None);
        assert_eq!(
            application_id(&json!({"application": {"id": "x"}})),
            Some("x")
        );
        assert_eq!(application_id(&json!({"application": null})), None);
        assert_eq!(application_id(&json!({})), None);
    }
}
