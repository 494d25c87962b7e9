//! The one SQL layer over both backends: [`Db`] holds a SQLite connection or a PostgreSQL
//! client (on its own thread: [`pg`](crate::pg)), and [`Ex`] runs the store's SQL (written once, in SQLite's words, with `?N`
//! parameters: [`dialect`](crate::dialect) translates it for PostgreSQL) with [`Value`]
//! parameters, giving rows read by index.

use crate::StoreError;
use crate::dialect;

mod values;
pub(crate) use values::{FromValue, Row, Value, from_row, vals};

/// The most rows one multi-row `INSERT` of [`Ex::insert_ids`] takes on PostgreSQL (a power
/// of two; its parameters stay far below PostgreSQL's 65,535).
const PG_BATCH: usize = 512;

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
