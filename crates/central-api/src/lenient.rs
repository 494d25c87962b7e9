//! Lenient decoding of model fields: Central sends ids and counts sometimes as numbers and
//! sometimes as strings, and `null` for absent values.

use serde::Deserialize;
use serde::de::{Deserializer, Error as _};
use serde_json::Value;

/// A field type that can be read leniently from any JSON value of a plausible shape.
pub(crate) trait Lenient: Sized {
    /// The value, `Ok(None)` for null or blank, `Err` (what was expected) for another shape.
    fn from_json(value: Value) -> Result<Option<Self>, &'static str>;
}

impl Lenient for String {
    fn from_json(value: Value) -> Result<Option<Self>, &'static str> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(b.to_string())),
            _ => Err("a string"),
        }
    }
}

impl Lenient for u64 {
    fn from_json(value: Value) -> Result<Option<Self>, &'static str> {
        const WANT: &str = "a non-negative integer (or one in a string)";
        match value {
            Value::Null => Ok(None),
            Value::Number(n) => match (n.as_u64(), n.as_f64()) {
                (Some(v), _) => Ok(Some(v)),
                (None, Some(f)) if f.fract() == 0.0 && f >= 0.0 && f <= u64::MAX as f64 => {
                    Ok(Some(f as u64))
                }
                _ => Err(WANT),
            },
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => s.trim().parse().map(Some).map_err(|_| WANT),
            _ => Err(WANT),
        }
    }
}

impl Lenient for i64 {
    fn from_json(value: Value) -> Result<Option<Self>, &'static str> {
        const WANT: &str = "an integer (or one in a string)";
        match value {
            Value::Null => Ok(None),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(v), _) => Ok(Some(v)),
                (None, Some(f))
                    if f.fract() == 0.0 && f >= i64::MIN as f64 && f <= i64::MAX as f64 =>
                {
                    Ok(Some(f as i64))
                }
                _ => Err(WANT),
            },
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => s.trim().parse().map(Some).map_err(|_| WANT),
            _ => Err(WANT),
        }
    }
}

impl Lenient for Value {
    fn from_json(value: Value) -> Result<Option<Self>, &'static str> {
        Ok((!value.is_null()).then_some(value))
    }
}

/// `deserialize_with` for `Option<T>` fields: null, blank and missing (with `default`) are None.
pub(crate) fn option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient,
{
    let value = Value::deserialize(deserializer)?;
    T::from_json(value).map_err(|want| D::Error::custom(format!("expected {want}")))
}

/// `deserialize_with` for required fields.
pub(crate) fn required<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient,
{
    option(deserializer)?.ok_or_else(|| D::Error::custom("a required field is null or blank"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(String::from_json(Value::from(7)), Ok(Some("7".into())));
        assert_eq!(String::from_json(Value::Null), Ok(None));
        assert!(String::from_json(Value::Array(vec![])).is_err());
        assert_eq!(u64::from_json(Value::from("12")), Ok(Some(12)));
        assert_eq!(u64::from_json(Value::from(12.0)), Ok(Some(12)));
        assert_eq!(u64::from_json(Value::from(" ")), Ok(None));
        assert!(u64::from_json(Value::from(-1)).is_err());
        assert!(u64::from_json(Value::from("x")).is_err());
        assert_eq!(i64::from_json(Value::from("-5")), Ok(Some(-5)));
        assert_eq!(
            Value::from_json(Value::from("a")),
            Ok(Some(Value::from("a")))
        );
    }
}
