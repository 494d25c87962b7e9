//! [`Cursor`]: Central's `next` page token, as a number or a string.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The `next` page token of a Central list response.
///
/// Central has been seen to send it both as a JSON number (`"next": 2`) and as a string
/// (`"next": "2"`). Both are accepted and kept as received, and [`Cursor::query_value`] sends it
/// back unchanged. The first page of every list is `next=1`.
///
/// Serialises back to the JSON form it came in, so a saved cursor resumes a listing exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cursor {
    /// A numeric cursor, e.g. a page number.
    Number(u64),
    /// A string cursor (often a number in a string, possibly opaque).
    Text(String),
}

impl Cursor {
    /// The cursor of the first page: `1`.
    pub const FIRST: Cursor = Cursor::Number(1);

    /// The value of the `next` query parameter that asks for this page.
    pub fn query_value(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => n.fmt(f),
            Self::Text(s) => f.write_str(s),
        }
    }
}

impl From<u64> for Cursor {
    fn from(n: u64) -> Self {
        Self::Number(n)
    }
}

impl From<&str> for Cursor {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<String> for Cursor {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl Serialize for Cursor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Number(n) => serializer.serialize_u64(*n),
            Self::Text(s) => serializer.serialize_str(s),
        }
    }
}

struct CursorVisitor;

impl Visitor<'_> for CursorVisitor {
    type Value = Cursor;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page cursor: a non-negative integer or a string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cursor, E> {
        Ok(Cursor::Number(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cursor, E> {
        u64::try_from(v)
            .map(Cursor::Number)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cursor, E> {
        // `2.0`: a number that happens to be written as a float.
        if v.fract() == 0.0 && v >= 0.0 && v <= u64::MAX as f64 {
            Ok(Cursor::Number(v as u64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cursor, E> {
        Ok(Cursor::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Cursor, E> {
        Ok(Cursor::Text(v))
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CursorVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_and_string_are_kept_as_received() {
        let n: Cursor = serde_json::from_str("2").expect("number");
        let s: Cursor = serde_json::from_str("\"2\"").expect("string");
        let o: Cursor = serde_json::from_str("\"eyJwIjozfQ==\"").expect("opaque");
        assert_eq!(n, Cursor::Number(2));
        assert_eq!(s, Cursor::Text("2".into()));
        assert_eq!(o.query_value(), "eyJwIjozfQ==");
        assert_eq!(n.query_value(), "2");
        assert_eq!(s.query_value(), "2");
        assert_eq!(serde_json::to_string(&n).expect("ser"), "2");
        assert_eq!(serde_json::to_string(&s).expect("ser"), "\"2\"");
        assert_eq!(
            serde_json::from_str::<Cursor>("3.0").expect("float"),
            Cursor::Number(3)
        );
        assert!(serde_json::from_str::<Cursor>("-1").is_err());
        assert!(serde_json::from_str::<Cursor>("1.5").is_err());
        assert!(serde_json::from_str::<Cursor>("{}").is_err());
        assert_eq!(Cursor::FIRST.query_value(), "1");
    }
}
