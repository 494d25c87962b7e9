//! What crosses the SQL layer: [`Value`]s (a statement's parameters, a row's columns), the
//! [`Row`]s of a result read by index or in order ([`from_row!`]), and the [`FromValue`] types
//! a column is read as.

use std::borrow::Cow;

use crate::StoreError;

/// A parameter or a column's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    /// SQL NULL.
    Null,
    /// An integer (BIGINT on PostgreSQL).
    Int(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(Cow<'a, str>),
}

impl Value<'_> {
    /// The value as text: empty for NULL (what the store shows of a JSON field).
    pub(crate) fn text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(i) => i.to_string(),
            Value::Real(f) => f.to_string(),
            Value::Text(t) => t.to_string(),
        }
    }
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value<'_> {
            fn from(v: $t) -> Self {
                Value::Int(i64::from(v))
            }
        }
    )*};
}
int_value!(i64, u32, u16, bool);

impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Cow::Borrowed(v))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Cow::Borrowed(v))
    }
}

impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Text(Cow::Owned(v))
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl<'a, T: Copy + Into<Value<'a>>> From<&Option<T>> for Value<'a> {
    fn from(v: &Option<T>) -> Self {
        (*v).map_or(Value::Null, Into::into)
    }
}

/// The parameters of a statement: `vals![a, b]`.
macro_rules! vals {
    ($($v:expr),* $(,)?) => {
        &[$($crate::db::Value::from($v)),*][..]
    };
}
pub(crate) use vals;

/// One row of a result, its columns read by index.
#[derive(Debug, Clone)]
pub(crate) struct Row(pub(crate) Vec<Value<'static>>);

impl Row {
    /// Column `i` as `T`.
    pub(crate) fn get<T: FromValue>(&self, i: usize) -> Result<T, StoreError> {
        let v = self
            .0
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {i}")))?;
        T::from_value(v)
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} holds an unexpected {v:?}")))
    }

    /// Column `i` as text ([`Value::text`]): empty for NULL or a missing column.
    pub(crate) fn text(&self, i: usize) -> String {
        self.0.get(i).map(Value::text).unwrap_or_default()
    }

    /// Column `i` as text, `None` when NULL or empty.
    pub(crate) fn some_text(&self, i: usize) -> Option<String> {
        Some(self.text(i)).filter(|s| !s.is_empty())
    }

    /// The row's columns read one after the other, from column 0.
    pub(crate) fn columns(&self) -> Columns<'_> {
        Columns { row: self, next: 0 }
    }
}

/// A row's columns in the `SELECT`'s order ([`Row::columns`]).
#[derive(Debug)]
pub(crate) struct Columns<'r> {
    row: &'r Row,
    next: usize,
}

impl Columns<'_> {
    /// The next column as `T`.
    pub(crate) fn read<T: FromValue>(&mut self) -> Result<T, StoreError> {
        self.next += 1;
        self.row.get(self.next - 1)
    }

    /// Every column read: a row with more columns than were read is [`StoreError::Corrupt`].
    pub(crate) fn finish(self) -> Result<(), StoreError> {
        match self.row.0.len() {
            n if n == self.next => Ok(()),
            n => Err(StoreError::Corrupt(format!(
                "a row of {n} columns read as {} fields",
                self.next
            ))),
        }
    }
}

/// A struct read from a row, `from_row!(row => Type { a, b, c })`: column 0 into `a`, 1 into
/// `b` and so on (the `SELECT`'s order), each as its field's type. The field list is the
/// column list: a column missing or of another type, or one more than the fields, is
/// [`StoreError::Corrupt`] (a column added to the `SELECT` and not here cannot shift the
/// fields after it unnoticed), and the struct literal names every field.
macro_rules! from_row {
    ($row:expr => $ty:ident { $($field:ident),+ $(,)? }) => {{
        let mut columns = $crate::db::Row::columns($row);
        let value = $ty { $($field: columns.read()?),+ };
        columns.finish()?;
        value
    }};
}
pub(crate) use from_row;

/// A type a column is read as.
pub(crate) trait FromValue: Sized {
    /// `None` when the value is not one of this type.
    fn from_value(v: &Value<'_>) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value<'_>) -> Option<Self> {
                i64::from_value(v).and_then(|i| <$t>::try_from(i).ok())
            }
        }
    )*};
}
int_from_value!(u64, u32, u16);

impl FromValue for bool {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::Real(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::Text(t) => Some(t.to_string()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Pair {
        id: i64,
        name: Option<String>,
    }

    fn pair(row: &Row) -> Result<Pair, StoreError> {
        Ok(from_row!(row => Pair { id, name }))
    }

    #[test]
    fn a_row_reads_into_its_fields_in_order_and_every_column_must_be_one() {
        let row = |values: Vec<Value<'static>>| Row(values);
        assert_eq!(
            pair(&row(vec![Value::Int(7), Value::Null])).expect("read"),
            Pair { id: 7, name: None }
        );
        let corrupt = |values| match pair(&row(values)) {
            Err(StoreError::Corrupt(why)) => why,
            other => panic!("{other:?}"),
        };
        // A column added to the SELECT and not to the fields does not shift them unnoticed.
        let extra = corrupt(vec![Value::Int(7), Value::Null, Value::Int(1)]);
        assert!(extra.contains("3 columns read as 2 fields"), "{extra}");
        assert!(corrupt(vec![Value::Int(7)]).contains("no column 1"));
        assert!(corrupt(vec![Value::Text("7".into()), Value::Null]).contains("column 0"));
    }
}
