//! The one SQL layer over both backends: [`Db`] holds a SQLite connection or a PostgreSQL
//! client (on its own thread: [`pg`](crate::pg)), and [`Ex`] runs the store's SQL (written once, in SQLite's words, with `?N`
//! parameters: [`dialect`](crate::dialect) translates it for PostgreSQL) with [`Value`]
//! parameters, giving rows read by index.

use std::borrow::Cow;

use crate::StoreError;
use crate::dialect;

/// The most rows one multi-row `INSERT` of [`Ex::insert_ids`] takes on PostgreSQL (a power
/// of two; its parameters stay far below PostgreSQL's 65,535).
const PG_BATCH: usize = 512;

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

/// The connection of a store.
#[derive(Debug)]
pub(crate) enum Db {
    /// An embedded SQLite file.
    Lite(rusqlite::Connection),
    /// A PostgreSQL database (its client on a thread of its own).
    Pg(crate::pg::Pg),
}

/// Where a statement runs: a connection, or a transaction of it.
pub(crate) enum Ex<'a> {
    /// SQLite (a transaction derefs to its connection).
    Lite(&'a rusqlite::Connection),
    /// PostgreSQL.
    Pg(&'a crate::pg::Pg),
}

impl Db {
    /// Runs `f` on the connection (outside any transaction of the store's).
    pub(crate) fn with<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Ex<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        match self {
            Db::Lite(conn) => f(&mut Ex::Lite(conn)),
            Db::Pg(pg) => f(&mut Ex::Pg(pg)),
        }
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise.
    /// `immediate` takes SQLite's write lock at once (PostgreSQL's rows lock as written).
    pub(crate) fn transaction<T>(
        &mut self,
        immediate: bool,
        f: impl FnOnce(&mut Ex<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self {
            Db::Lite(conn) => {
                let behavior = if immediate {
                    rusqlite::TransactionBehavior::Immediate
                } else {
                    rusqlite::TransactionBehavior::Deferred
                };
                let tx = conn.transaction_with_behavior(behavior)?;
                let out = f(&mut Ex::Lite(&tx))?;
                tx.commit()?;
                Ok(out)
            }
            Db::Pg(pg) => {
                pg.batch("BEGIN")?;
                match f(&mut Ex::Pg(pg)) {
                    Ok(out) => {
                        pg.batch("COMMIT")?;
                        Ok(out)
                    }
                    Err(e) => {
                        let _ = pg.batch("ROLLBACK");
                        Err(e)
                    }
                }
            }
        }
    }

    /// [`Ex::execute`] outside a transaction.
    pub(crate) fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64, StoreError> {
        self.with(|ex| ex.execute(sql, params))
    }

    /// [`Ex::rows`] outside a transaction.
    pub(crate) fn rows(&self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>, StoreError> {
        self.with(|ex| ex.rows(sql, params))
    }

    /// [`Ex::row`] outside a transaction.
    pub(crate) fn row(&self, sql: &str, params: &[Value<'_>]) -> Result<Option<Row>, StoreError> {
        self.with(|ex| ex.row(sql, params))
    }

    /// Column 0 of every row.
    pub(crate) fn column<T: FromValue>(
        &self,
        sql: &str,
        params: &[Value<'_>],
    ) -> Result<Vec<T>, StoreError> {
        self.with(|ex| ex.column(sql, params))
    }
}

impl Ex<'_> {
    /// Runs a statement; the number of rows it changed.
    pub(crate) fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<u64, StoreError> {
        match self {
            Ex::Lite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            Ex::Pg(pg) => pg.execute(sql, params),
        }
    }

    /// Runs an `INSERT` into a table with an `id` key: the new row's id.
    pub(crate) fn insert_id(&mut self, sql: &str, params: &[Value<'_>]) -> Result<i64, StoreError> {
        match self {
            Ex::Lite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                stmt.execute(rusqlite::params_from_iter(params.iter()))?;
                Ok(conn.last_insert_rowid())
            }
            Ex::Pg(_) => {
                let row = self.row(&format!("{sql} RETURNING id"), params)?;
                row.ok_or_else(|| StoreError::Corrupt("an insert returned no id".into()))?
                    .get(0)
            }
        }
    }

    /// Inserts `rows` (each the values of `columns`) into `table`, which has an `id` key: the
    /// new rows' ids, in order. SQLite runs one prepared statement a row (no round trip to
    /// save); PostgreSQL takes the ids from the table's sequence at once and inserts multi-row
    /// statements of 512, 256, ... 1 rows (a handful of statement texts, each prepared once), so
    /// a first snapshot costs a few round trips an entry, not one an item.
    pub(crate) fn insert_ids(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Value<'_>>],
    ) -> Result<Vec<i64>, StoreError> {
        let width = columns.len();
        if let Some(bad) = rows.iter().find(|r| r.len() != width) {
            return Err(StoreError::Corrupt(format!(
                "{} values for the {width} columns of {table}",
                bad.len()
            )));
        }
        let placeholders = |first: usize, n: usize| {
            (first..first + n)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Ex::Lite(_) => {
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    columns.join(", "),
                    placeholders(1, width)
                );
                rows.iter().map(|row| self.insert_id(&sql, row)).collect()
            }
            Ex::Pg(_) if rows.is_empty() => Ok(Vec::new()),
            Ex::Pg(pg) => {
                let ids = pg
                    .query(
                        &format!(
                            "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) \
                             FROM generate_series(1, CAST(?1 AS BIGINT))"
                        ),
                        vals![rows.len() as i64],
                    )?
                    .iter()
                    .map(|r| r.get(0))
                    .collect::<Result<Vec<i64>, _>>()?;
                if ids.len() != rows.len() {
                    return Err(StoreError::Corrupt(format!(
                        "{} ids for {} rows of {table}",
                        ids.len(),
                        rows.len()
                    )));
                }
                let mut done = 0;
                while done < rows.len() {
                    let n = PG_BATCH.min(1 << (rows.len() - done).ilog2());
                    let values = (0..n)
                        .map(|r| format!("({})", placeholders(r * (width + 1) + 1, width + 1)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "INSERT INTO {table} (id, {}) VALUES {values}",
                        columns.join(", ")
                    );
                    let mut params = Vec::with_capacity(n * (width + 1));
                    for (id, row) in ids[done..done + n].iter().zip(&rows[done..done + n]) {
                        params.push(Value::Int(*id));
                        params.extend(row.iter().cloned());
                    }
                    pg.execute(&sql, &params)?;
                    done += n;
                }
                Ok(ids)
            }
        }
    }

    /// Passes each row of a query to `each`, in order; an error of `each` stops at once.
    pub(crate) fn each<E: From<StoreError>>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
        mut each: impl FnMut(Row) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Ex::Lite(conn) => {
                let mut stmt = conn.prepare_cached(sql).map_err(StoreError::from)?;
                let n = stmt.column_count();
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(params.iter()))
                    .map_err(StoreError::from)?;
                while let Some(r) = rows.next().map_err(StoreError::from)? {
                    let mut row = Vec::with_capacity(n);
                    for i in 0..n {
                        row.push(dialect::lite_value(r.get_ref(i).map_err(StoreError::from)?));
                    }
                    each(Row(row))?;
                }
                Ok(())
            }
            // All the rows first: they come from the client's thread.
            Ex::Pg(pg) => pg.query(sql, params)?.into_iter().try_for_each(each),
        }
    }

    /// Every row of a query.
    pub(crate) fn rows(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>, StoreError> {
        let mut out = Vec::new();
        self.each(sql, params, |row| {
            out.push(row);
            Ok::<_, StoreError>(())
        })?;
        Ok(out)
    }

    /// The first row of a query, if any.
    pub(crate) fn row(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
    ) -> Result<Option<Row>, StoreError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }

    /// Column 0 of every row.
    pub(crate) fn column<T: FromValue>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
    ) -> Result<Vec<T>, StoreError> {
        self.rows(sql, params)?.iter().map(|r| r.get(0)).collect()
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
