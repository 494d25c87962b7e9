//! The versioned schema: migrations run in order at open, tracked by `PRAGMA user_version` on
//! SQLite and by the table `msp_schema` on PostgreSQL, where the same migrations run
//! translated ([`pg_ddl`]): the same tables, views and version on both.

use rusqlite::Connection;

use crate::StoreError;

/// Version 1: runs, content-addressed payloads (`hash` is FNV-1a of `data` until version 3,
/// looked up among
/// the payloads of a tenant x resource's previous entry, so it needs no index), and one row per tenant x resource of a run
/// holding the ids of its payloads (a device's JSON is stored once per change, not once per run).
const V1: &str = r#"
CREATE TABLE runs (
    id        INTEGER PRIMARY KEY,
    started   TEXT NOT NULL,
    ended     TEXT,
    version   TEXT NOT NULL,
    arguments TEXT NOT NULL,
    resources TEXT NOT NULL,
    status    TEXT NOT NULL
);
CREATE TABLE payloads (
    id   INTEGER PRIMARY KEY,
    hash INTEGER NOT NULL,
    key  TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE entries (
    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL,
    tenant_name TEXT NOT NULL,
    resource    TEXT NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT,
    records     INTEGER NOT NULL,
    items       TEXT NOT NULL,
    written     TEXT NOT NULL,
    PRIMARY KEY (run_id, tenant_id, resource)
) WITHOUT ROWID;
CREATE INDEX entries_tenant ON entries (tenant_id, resource, status, run_id);
"#;

/// Version 2: views for people who query the file directly (`sqlite3`, DuckDB).
const V2: &str = r#"
CREATE VIEW run_items AS
SELECT e.run_id, r.started, e.tenant_id, e.tenant_name, e.resource, p.key, p.id AS payload_id,
       p.data
FROM entries e
JOIN runs r ON r.id = e.run_id
JOIN json_each(e.items) j
JOIN payloads p ON p.id = j.value
WHERE e.status = 'ok';

CREATE VIEW devices AS
SELECT run_id, started, tenant_id, tenant_name, resource,
       coalesce(json_extract(data, '$.serialNumber'), json_extract(data, '$.serial'), key)
           AS serial,
       coalesce(json_extract(data, '$.deviceName'), json_extract(data, '$.name'),
                json_extract(data, '$.hostname')) AS name,
       coalesce(json_extract(data, '$.deviceType'), json_extract(data, '$.type')) AS type,
       coalesce(json_extract(data, '$.model'), json_extract(data, '$.deviceModel')) AS model,
       coalesce(json_extract(data, '$.status'), json_extract(data, '$.connectionStatus'))
           AS status,
       coalesce(json_extract(data, '$.siteName'), json_extract(data, '$.siteId')) AS site,
       coalesce(json_extract(data, '$.firmwareVersion'), json_extract(data, '$.softwareVersion'),
                json_extract(data, '$.firmware')) AS firmware,
       coalesce(json_extract(data, '$.ipv4'), json_extract(data, '$.ipAddress'),
                json_extract(data, '$.ip')) AS ip,
       data
FROM run_items;

CREATE VIEW latest_devices AS
SELECT d.* FROM devices d
WHERE d.run_id = (
    SELECT max(e.run_id) FROM entries e
    WHERE e.tenant_id = d.tenant_id AND e.resource = d.resource AND e.status = 'ok'
);
"#;

/// Version 3: `payloads.hash` is [`content_hash`](crate::content_hash) (eight bytes a step)
/// instead of FNV-1a: every stored payload's hash is computed again, so that the next snapshot
/// finds the devices that did not change.
fn v3(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let mut read = tx.prepare("SELECT id, data FROM payloads")?;
    let mut update = tx.prepare("UPDATE payloads SET hash = ?2 WHERE id = ?1")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let data = row
            .get_ref(1)?
            .as_bytes()
            .map_err(|e| StoreError::Corrupt(format!("payload {id}: {e}")))?;
        update.execute(rusqlite::params![id, crate::content_hash(data)])?;
    }
    Ok(())
}

/// Version 4: where each tenant of a run was found (its workspace id, Central's id of it and
/// its cluster), so that `export` gives the records `collect` wrote.
const V4: &str = r#"
CREATE TABLE run_tenants (
    run_id            INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tenant_id         TEXT NOT NULL,
    workspace_id      TEXT NOT NULL,
    central_tenant_id TEXT,
    cluster           TEXT,
    PRIMARY KEY (run_id, tenant_id)
) WITHOUT ROWID;
"#;

/// Version 5: what each run sent to each API host and family (requests, 429s, the rate learned
/// from them), for `serve`'s metrics.
const V5: &str = r#"
CREATE TABLE run_hosts (
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    host         TEXT NOT NULL,
    family       TEXT NOT NULL,
    requests     INTEGER NOT NULL,
    rate_limited INTEGER NOT NULL,
    learned_rate REAL,
    PRIMARY KEY (run_id, host, family)
) WITHOUT ROWID;
"#;

/// Version 6: the notifications `serve` sent, by target (a digest of the webhook's URL, never
/// the URL: it may hold a secret) and event key, so that an event is sent once, across restarts.
const V6: &str = r#"
CREATE TABLE notifications (
    target TEXT NOT NULL,
    key    TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    sent   TEXT NOT NULL,
    PRIMARY KEY (target, key)
) WITHOUT ROWID;
CREATE INDEX notifications_run ON notifications (run_id);
"#;

/// Version 7: the record of every `apply` (issue 22): one row per apply run (who: the API
/// client id, never a secret; when; the manifest's and the state's fingerprints) and one per
/// action, with what it saw before, what it asked for after and the server's answer.
const V7: &str = r#"
CREATE TABLE apply_runs (
    id                   INTEGER PRIMARY KEY,
    started              TEXT NOT NULL,
    ended                TEXT,
    who                  TEXT NOT NULL,
    version              TEXT NOT NULL,
    manifest_fingerprint TEXT NOT NULL,
    state_fingerprint    TEXT NOT NULL,
    status               TEXT NOT NULL
);
CREATE TABLE changes (
    run_id      INTEGER NOT NULL REFERENCES apply_runs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    action      TEXT NOT NULL,
    tenant_id   TEXT,
    tenant_name TEXT NOT NULL,
    status      TEXT NOT NULL,
    http_status INTEGER,
    answer      TEXT NOT NULL,
    writes      INTEGER NOT NULL,
    answer_lost INTEGER NOT NULL,
    before      TEXT,
    after       TEXT,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX changes_tenant ON changes (tenant_name, run_id);
"#;

/// Version 8: how long each tenant's collection took in a run (milliseconds, as the engine
/// measured its job); NULL for the runs written before (unknown, not zero).
const V8: &str = r#"
ALTER TABLE run_tenants ADD COLUMN duration_ms INTEGER;
"#;

/// One migration: SQL, or a step in Rust.
pub(crate) enum Migration {
    /// Statements.
    Sql(&'static str),
    /// Code, inside the migration's transaction.
    Code(fn(&rusqlite::Transaction<'_>) -> Result<(), StoreError>),
}

/// Every migration, in order: migration `i` takes the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration::Sql(V1),
    Migration::Sql(V2),
    Migration::Code(v3),
    Migration::Sql(V4),
    Migration::Sql(V5),
    Migration::Sql(V6),
    Migration::Sql(V7),
    Migration::Sql(V8),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The file's schema version.
pub(crate) fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Runs the migrations from the file's version up to `target`, each in its own transaction.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (i, migration) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(found as usize)
    {
        let tx = conn.transaction()?;
        match migration {
            Migration::Sql(sql) => tx.execute_batch(sql)?,
            Migration::Code(step) => step(&tx)?,
        }
        tx.pragma_update(None, "user_version", i as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// A migration's SQL for PostgreSQL: BIGINT for every integer (an identity for the ids),
/// `COLLATE "C"` text (compared and sorted bytewise, as SQLite does), DOUBLE PRECISION for
/// REAL, no `WITHOUT ROWID`, and [`dialect::postgres`](crate::dialect::postgres)'s words.
pub(crate) fn pg_ddl(sql: &str) -> String {
    crate::dialect::postgres(
        &sql.replace(
            "INTEGER PRIMARY KEY",
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        )
        .replace(" INTEGER", " BIGINT")
        .replace(" TEXT", r#" TEXT COLLATE "C""#)
        .replace(" REAL", " DOUBLE PRECISION")
        .replace(") WITHOUT ROWID;", ");"),
    )
}

/// Whether a PostgreSQL database holds a store (its schema's version table), created by
/// another opening.
pub(crate) fn pg_has_store(client: &mut postgres::Client) -> Result<bool, StoreError> {
    let row = client.query_one("SELECT to_regclass('msp_schema') IS NOT NULL", &[])?;
    Ok(row.get(0))
}

/// Whether a SQLite file holds a store: a schema version, or (a file of some other program
/// has none) nothing.
pub(crate) fn sqlite_has_store(path: &std::path::Path) -> Result<bool, StoreError> {
    if !path.is_file() {
        return Ok(false);
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(version(&conn)? > 0)
}

/// Brings a PostgreSQL database's schema up to [`SCHEMA_VERSION`], each migration in its own
/// transaction, under an advisory lock (two processes opening a new database at once).
pub(crate) fn pg_migrate(client: &mut postgres::Client) -> Result<(), StoreError> {
    client.batch_execute("CREATE TABLE IF NOT EXISTS msp_schema (version BIGINT NOT NULL)")?;
    loop {
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock(7172976, 0)", &[])?;
        let found: i64 = tx
            .query_opt("SELECT max(version) FROM msp_schema", &[])?
            .and_then(|r| r.get::<_, Option<i64>>(0))
            .unwrap_or(0);
        let found = u32::try_from(found).unwrap_or(u32::MAX);
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found,
                known: SCHEMA_VERSION,
            });
        }
        let Some(migration) = MIGRATIONS.get(found as usize) else {
            return Ok(());
        };
        if found == 0 {
            tx.batch_execute(crate::dialect::PG_FUNCTIONS)?;
        }
        match migration {
            Migration::Sql(sql) => tx.batch_execute(&pg_ddl(sql))?,
            // Version 3 rehashes SQLite files of versions 1 and 2: a PostgreSQL database
            // begins at version 3's hashes.
            Migration::Code(_) => {}
        }
        tx.execute("DELETE FROM msp_schema", &[])?;
        tx.execute(
            "INSERT INTO msp_schema (version) VALUES ($1)",
            &[&(i64::from(found) + 1)],
        )?;
        tx.commit()?;
    }
}
