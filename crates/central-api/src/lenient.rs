//! Lenient decoding of model fields: Central sends ids and counts sometimes as numbers and
//! sometimes as strings, and `null` for absent values.

use serde::Deserialize;
use serde::de::{Deserializer, Error as _};
use serde_json::{Number, Value};
use std::str::FromStr;

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
        integer(
            value,
            "a non-negative integer (or one in a string)",
            Number::as_u64,
            |f| (f >= 0.0 && f <= u64::MAX as f64).then_some(f as u64),
        )
    }
}

impl Lenient for i64 {
    fn from_json(value: Value) -> Result<Option<Self>, &'static str> {
        integer(
            value,
            "an integer (or one in a string)",
            Number::as_i64,
            |f| (f >= i64::MIN as f64 && f <= i64::MAX as f64).then_some(f as i64),
        )
    }
}

/// An integer read leniently: a number that is `exact`ly one, or a whole float that `whole`
/// takes (within range); the number in a string; `None` for null or a blank string. `want` is
/// what was expected, for any other value.
fn integer<T: FromStr>(
    value: Value,
    want: &'static str,
    exact: fn(&Number) -> Option<T>,
    whole: fn(f64) -> Option<T>,
) -> Result<Option<T>, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => exact(&n)
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).and_then(whole))
            .map(Some)
            .ok_or(want),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(|_| want),
        _ => Err(want),
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
