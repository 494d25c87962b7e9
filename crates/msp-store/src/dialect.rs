//! The differences between SQLite and PostgreSQL, in one place.
//!
//! The store's SQL is written once in SQLite's words, portable where both agree (`CAST`s of
//! the parameters so that PostgreSQL knows their types, `CASE` instead of a boolean `sum`,
//! `ON CONFLICT` upserts). What is left is translated here for PostgreSQL ([`postgres`]):
//! `?N` parameters become `$N`; `json_each` over an entry's JSON list of payload ids becomes
//! `msp_items`, a function of the PostgreSQL schema (after a `CROSS JOIN`: the function reads
//! the row on its left); the current UTC time and its offset by a number of days become
//! `to_char` of `clock_timestamp()`. `json_extract` and `instr` are functions of the
//! PostgreSQL schema with SQLite's meaning ([`PG_FUNCTIONS`]). Values cross over as
//! [`Value`]s: integers are BIGINT on PostgreSQL, text is `COLLATE "C"` (it sorts and compares
//! bytewise, as SQLite does).

use std::error::Error;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use crate::StoreError;
use crate::db::{Row, Value};

/// SQLite's current UTC time as the store writes it.
const LITE_NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
/// SQLite's current UTC time offset by `?N` (`-30 days`), followed by the parameter's number.
const LITE_NOW_OFFSET: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?";
/// The same text on PostgreSQL.
const PG_FORMAT: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'"#;

/// Functions the PostgreSQL schema defines so that the store's SQL (and people's queries of
/// the views) read the same on both: a JSON field of a text (`json_extract(data, '$.name')`,
/// top-level fields), an entry's payload ids with their positions (`msp_items(items)`), and
/// the position of a text in another (`instr`).
pub(crate) const PG_FUNCTIONS: &str = r#"
CREATE FUNCTION json_extract(data TEXT, path TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (data::jsonb) ->> substr(path, 3) $$;
CREATE FUNCTION msp_items(items TEXT) RETURNS TABLE (key BIGINT, value BIGINT)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ord - 1, elem::bigint
          FROM jsonb_array_elements_text(items::jsonb) WITH ORDINALITY AS a(elem, ord) $$;
CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CAST(strpos(haystack, needle) AS BIGINT) $$;
"#;

/// The store's SQL (SQLite's words) for PostgreSQL.
pub(crate) fn postgres(sql: &str) -> String {
    let now = format!("to_char(clock_timestamp() AT TIME ZONE 'UTC', {PG_FORMAT})");
    let offset = "to_char(clock_timestamp() AT TIME ZONE 'UTC' + CAST(CAST(?";
    let sql = sql
        .replace(LITE_NOW, &now)
        .replace(LITE_NOW_OFFSET, offset)
        .replace("JOIN json_each(", "CROSS JOIN msp_items(")
        .replace("json_each(", "msp_items(");
    // `...CAST(CAST(?N` of an offset continues with `)`: close the casts and the format.
    let sql = close_offsets(&sql);
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// `... + CAST(CAST(?N)` (from an offset time) becomes
/// `... + CAST(CAST(?N AS TEXT) AS interval), 'format')` (the parameter is sent as text).
fn close_offsets(sql: &str) -> String {
    const OPEN: &str = "AT TIME ZONE 'UTC' + CAST(CAST(?";
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(OPEN) {
        let (head, tail) = rest.split_at(at + OPEN.len());
        out.push_str(head);
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        out.push_str(&tail[..digits]);
        let tail = &tail[digits..];
        match tail.strip_prefix(')') {
            Some(after) => {
                out.push_str(&format!(" AS TEXT) AS interval), {PG_FORMAT})"));
                rest = after;
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// Seconds since the epoch of a stored time column (RFC 3339 text), as a float.
pub(crate) fn epoch_seconds(pg: bool, column: &str) -> String {
    if pg {
        format!("CAST(EXTRACT(EPOCH FROM CAST({column} AS timestamptz)) AS DOUBLE PRECISION)")
    } else {
        format!("((julianday({column}) - 2440587.5) * 86400.0)")
    }
}

/// A SQLite value as a [`Value`] (text that is not UTF-8 is read lossily).
pub(crate) fn lite_value(v: rusqlite::types::ValueRef<'_>) -> Value<'static> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::Text(String::from_utf8_lossy(t).into_owned().into())
        }
    }
}

/// Column `$i` of the PostgreSQL row `$r`, whose type is `$ty`, as an optional [`Value`]: read
/// as the Rust type listed for its PostgreSQL type and made the listed variant; a type not
/// listed is read as text.
macro_rules! pg_value {
    ($r:ident, $i:ident, $ty:ident: $($pg:ident => $rust:ty as $variant:ident),+ $(,)?) => {
        $(if *$ty == Type::$pg {
            $r.try_get::<_, Option<$rust>>($i)?.map(|v| Value::$variant(v.into()))
        } else)+ {
            $r.try_get::<_, Option<String>>($i)?.map(|v| Value::Text(v.into()))
        }
    };
}

/// A PostgreSQL row as a [`Row`], by its columns' types.
pub(crate) fn pg_row(r: &postgres::Row) -> Result<Row, StoreError> {
    let mut out = Vec::with_capacity(r.len());
    for (i, column) in r.columns().iter().enumerate() {
        let ty = column.type_();
        let value = pg_value!(r, i, ty:
            INT8 => i64 as Int, INT4 => i32 as Int, INT2 => i16 as Int, BOOL => bool as Int,
            FLOAT8 => f64 as Real, FLOAT4 => f32 as Real, OID => u32 as Int,
        );
        out.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(out))
}

/// The parameters as the PostgreSQL client takes them.
pub(crate) fn pg_params<'a>(params: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => {
                if *ty == Type::INT4 {
                    i32::try_from(*i)?.to_sql(ty, out)
                } else if *ty == Type::INT2 {
                    i16::try_from(*i)?.to_sql(ty, out)
                } else if *ty == Type::BOOL {
                    (*i != 0).to_sql(ty, out)
                } else if *ty == Type::FLOAT8 {
                    (*i as f64).to_sql(ty, out)
                } else if *ty == Type::TEXT || *ty == Type::VARCHAR {
                    i.to_string().to_sql(ty, out)
                } else {
                    i.to_sql(ty, out)
                }
            }
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(t) => t.as_ref().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
        }))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_words_become_postgresql_ones() {
        assert_eq!(
            super::postgres(
                "SELECT j.value FROM e JOIN json_each(e.items) j WHERE a = ?1 AND b = ?12 \
                 AND c < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?2)"
            ),
            "SELECT j.value FROM e CROSS JOIN msp_items(e.items) j WHERE a = $1 AND b = $12 \
             AND c < to_char(clock_timestamp() AT TIME ZONE 'UTC' + CAST(CAST($2 AS TEXT) AS \
             interval), \
             'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        );
    }
}
