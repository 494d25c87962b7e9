//! The inventory history of glp-msp: runs of collected records in one embedded SQLite file.
//!
//! - A *run* is one `snapshot`: its start, end, version, arguments and status.
//! - Each tenant x resource of a run is one *entry*, written in one transaction when it
//!   completes ([`Store::write_entry`]): a tenant that fails or is killed midway leaves nothing
//!   of that resource.
//! - Items are stored once per change: each distinct JSON text is one row of `payloads`
//!   (content-addressed against the tenant x resource's last entries), and an entry holds
//!   only the ids of its payloads. Thirty daily runs in
//!   which 2% of the devices change cost little more than one.
//! - The schema is versioned ([`SCHEMA_VERSION`]); [`Store::open`] runs the migrations. The
//!   views `devices`, `latest_devices` and `run_items` are for people who query the file.
//!
//! ```no_run
//! use msp_store::{NewRun, Store};
//! # fn main() -> Result<(), msp_store::StoreError> {
//! let mut store = Store::open(Store::default_path().expect("a home directory"))?;
//! let run = store.begin_run(&NewRun::new("0.1.0", ["snapshot"], ["devices"]))?;
//! store.write_entry(run, "tenant-1", "Acme", "devices", [r#"{"serialNumber":"SN1"}"#])?;
//! store.end_run(run, msp_store::RunStatus::Complete)?;
//! # Ok(())
//! # }
//! ```

mod diff;
mod query;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension as _, params};
use serde::Serialize;

pub use diff::{Change, ChangeKind, Diff, DiffOptions, FieldChange, Missing, TRACKED_FIELDS};
pub use query::{ExportItem, PruneBy, Pruned, RunSummary, StatusRow};
pub use schema::SCHEMA_VERSION;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite said no (a locked, corrupt or read-only file, a full disk).
    #[error("the inventory store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The store's folder could not be made.
    #[error("cannot create the folder of the inventory store {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file was written by a newer version of this program.
    #[error(
        "the inventory store has schema version {found}, newer than this program knows ({known}): upgrade the program"
    )]
    NewerSchema {
        /// The file's version.
        found: u32,
        /// This build's.
        known: u32,
    },
    /// No run has that id.
    #[error("no run {0} in the inventory store")]
    NoSuchRun(i64),
    /// Another process is writing that run (`snapshot` or `snapshot --resume` of it).
    #[error("run {0} is being written by another process (wait for it, or stop it first)")]
    RunBusy(i64),
    /// A run's lock file (next to the store) could not be made or locked.
    #[error("the lock file {path} of a run: {source}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A stored value is not what this program wrote.
    #[error("the inventory store holds an unexpected value: {0}")]
    Corrupt(String),
}

/// The status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Started and not ended, and its process is still writing it.
    Running,
    /// Started and not ended, and no process writes it any more (it was killed, or the
    /// machine stopped): what it holds is kept, `snapshot --resume` completes it, and `prune`
    /// deletes it like a partial run.
    Abandoned,
    /// Every tenant x resource completed.
    Complete,
    /// Ended with some tenants failed or skipped (`snapshot --resume` fills the gap).
    Partial,
    /// Stopped by a signal.
    Interrupted,
}

impl RunStatus {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Abandoned => "abandoned",
            Self::Complete => "complete",
            Self::Partial => "partial",
            Self::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "running" => Self::Running,
            "abandoned" => Self::Abandoned,
            "complete" => Self::Complete,
            "partial" => Self::Partial,
            "interrupted" => Self::Interrupted,
            other => return Err(StoreError::Corrupt(format!("run status `{other}`"))),
        })
    }
}

/// A run about to start.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// The program's version.
    pub version: String,
    /// The command line, without secrets.
    pub arguments: Vec<String>,
    /// The resources the run collects.
    pub resources: Vec<String>,
}

impl NewRun {
    /// A run of `version` with these arguments and resources.
    pub fn new(
        version: impl Into<String>,
        arguments: impl IntoIterator<Item = impl Into<String>>,
        resources: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            version: version.into(),
            arguments: arguments.into_iter().map(Into::into).collect(),
            resources: resources.into_iter().map(Into::into).collect(),
        }
    }
}

/// How a tenant x resource that did not complete is noted in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incomplete {
    /// It ran and failed.
    Failed,
    /// It never started (interrupted, unresolved).
    Skipped,
}

/// The inventory store: one SQLite file in WAL mode.
///
/// A run that is being written is known to be alive by its lock file next to the store
/// (`<file>-run<ID>.lock`), locked by the writing `Store` from [`begin_run`](Self::begin_run)
/// or [`reopen_run`](Self::reopen_run) until [`end_run`](Self::end_run) (or until that `Store`
/// is dropped, or its process dies: the system releases the lock then). A run stored as
/// running whose lock nobody holds is reported [`RunStatus::Abandoned`].
#[derive(Debug)]
pub struct Store {
    /// Declared first, so dropped first: its thread ends before the writer's connection closes.
    checkpointer: Option<Checkpointer>,
    conn: Connection,
    path: PathBuf,
    /// The lock files of the runs this store is writing.
    locks: HashMap<RunId, RunLock>,
}

/// Checkpoints the WAL (copies committed pages into the main file and syncs it) on its own
/// thread and connection, woken after each commit: the writer never waits for a checkpoint's
/// disk syncs (SQLite's default runs them inside the commit that crosses 1,000 pages).
#[derive(Debug)]
struct Checkpointer {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// `None` when the thread cannot start (the commits then checkpoint as usual).
    fn start(path: &Path) -> Result<Option<Self>, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    // PASSIVE: copies what it can without waiting for the writer or readers;
                    // what is left waits for the next wake, or the last connection's close.
                    let _ = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
                }
            });
        Ok(thread.ok().map(|thread| Self {
            wake: Some(wake),
            thread: Some(thread),
        }))
    }

    fn wake(&self) {
        if let Some(wake) = &self.wake {
            // One wake pending is enough.
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A run's lock file, held locked (exclusively) while the run is written.
#[derive(Debug)]
pub(crate) struct RunLock {
    file: std::fs::File,
    path: PathBuf,
}

impl RunLock {
    /// The lock file of `run` of the store at `db`.
    fn path(db: &Path, run: RunId) -> PathBuf {
        let mut name = db.file_name().map(ToOwned::to_owned).unwrap_or_default();
        name.push(format!("-run{run}.lock"));
        db.with_file_name(name)
    }

    /// Creates and locks the lock file of `run`; [`StoreError::RunBusy`] when another holds it.
    fn acquire(db: &Path, run: RunId) -> Result<Self, StoreError> {
        let path = Self::path(db, run);
        let fail = |source| StoreError::Lock {
            path: path.clone(),
            source,
        };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(fail)?;
        // A process that only checks the lock ([`held`](Self::held)) holds it for
        // microseconds: a few more tries tell it from a writer.
        for _ in 0..20 {
            match file.try_lock() {
                Ok(()) => return Ok(Self { file, path }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
            }
        }
        Err(StoreError::RunBusy(run))
    }

    /// Whether a process holds the lock of `run` (it is writing the run). A missing file means
    /// no; a file that cannot be checked (no locking on this file system) counts as held, as
    /// a run was shown before lock files existed.
    pub(crate) fn held(db: &Path, run: RunId) -> bool {
        let Ok(file) = std::fs::File::open(Self::path(db, run)) else {
            return false;
        };
        match file.try_lock_shared() {
            // Nobody writes it: the lock goes again when `file` closes.
            Ok(()) => false,
            Err(std::fs::TryLockError::WouldBlock) => true,
            Err(std::fs::TryLockError::Error(_)) => true,
        }
    }

    /// Deletes the lock file of `run` if nobody holds it (a run that was pruned).
    pub(crate) fn remove_unheld(db: &Path, run: RunId) {
        let path = Self::path(db, run);
        if let Ok(file) = std::fs::OpenOptions::new().write(true).open(&path)
            && file.try_lock().is_ok()
        {
            let _ = std::fs::remove_file(&path);
        }
    }

    /// Deletes the file (while still holding it) and releases the lock.
    fn release(self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file);
    }
}

/// The id of a run.
pub type RunId = i64;

impl Store {
    /// `$XDG_DATA_HOME/glp-msp/inventory.sqlite` (or the platform's data folder), if the
    /// platform has a home directory.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "glp-msp")
            .map(|dirs| dirs.data_dir().join("inventory.sqlite"))
    }

    /// Opens (or creates) the store at `path` and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_at_version(path.as_ref(), SCHEMA_VERSION)
    }

    /// Opens the store, migrating only up to `version` (tests of the migrations).
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: u32) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
                path: parent.to_owned(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 16 MiB of page cache (the default is 2): the payloads' hash index stays in memory.
        conn.pragma_update(None, "cache_size", -16384)?;
        schema::migrate_to(&mut conn, version)?;
        Ok(Self {
            checkpointer: None,
            conn,
            path: path.to_owned(),
            locks: HashMap::new(),
        })
    }

    /// Moves the WAL's checkpoints to a thread of their own (for a bulk writer such as
    /// `snapshot`): commits no longer wait for them. Without it, or if that thread cannot
    /// start, SQLite checkpoints inside the commits as usual. The last checkpoint is made
    /// when the store is dropped.
    pub fn checkpoint_in_background(&mut self) -> Result<(), StoreError> {
        if self.checkpointer.is_none()
            && let Some(checkpointer) = Checkpointer::start(&self.path)?
        {
            self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            self.checkpointer = Some(checkpointer);
        }
        Ok(())
    }

    fn committed(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.wake();
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's schema version.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema::version(&self.conn)
    }

    /// The SQLite connection, for queries of one's own.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Starts a run (status `running`), and locks its lock file until
    /// [`end_run`](Self::end_run) (or until this `Store` is dropped).
    pub fn begin_run(&mut self, run: &NewRun) -> Result<RunId, StoreError> {
        let arguments = serde_json::to_string(&run.arguments)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let resources = serde_json::to_string(&run.resources)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // The lock is taken before the run is visible: nobody sees it running and unlocked.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO runs (started, version, arguments, resources, status)
             VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?1, ?2, ?3, 'running')",
            params![run.version, arguments, resources],
        )?;
        let id = tx.last_insert_rowid();
        let lock = RunLock::acquire(&self.path, id)?;
        tx.commit()?;
        self.locks.insert(id, lock);
        Ok(id)
    }

    /// Marks a run as running again (`snapshot --resume`) and locks it as
    /// [`begin_run`](Self::begin_run) does; [`StoreError::RunBusy`] when another process is
    /// writing it.
    pub fn reopen_run(&mut self, run: RunId) -> Result<(), StoreError> {
        self.run_status(run)?;
        if !self.locks.contains_key(&run) {
            let lock = RunLock::acquire(&self.path, run)?;
            self.locks.insert(run, lock);
        }
        let n = self.conn.execute(
            "UPDATE runs SET status = 'running', ended = NULL WHERE id = ?1",
            [run],
        )?;
        if n == 0 {
            if let Some(lock) = self.locks.remove(&run) {
                lock.release();
            }
            return Err(StoreError::NoSuchRun(run));
        }
        Ok(())
    }

    /// Ends a run with `status`, and releases its lock.
    pub fn end_run(&mut self, run: RunId, status: RunStatus) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE runs SET status = ?2, ended = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE id = ?1",
            params![run, status.as_str()],
        )?;
        if let Some(lock) = self.locks.remove(&run) {
            lock.release();
        }
        if n == 0 {
            return Err(StoreError::NoSuchRun(run));
        }
        Ok(())
    }

    /// A stored status as it is now: `running` is [`RunStatus::Abandoned`] when no process
    /// holds the run's lock.
    pub(crate) fn live_status(&self, run: RunId, stored: RunStatus) -> RunStatus {
        if stored == RunStatus::Running
            && !self.locks.contains_key(&run)
            && !RunLock::held(&self.path, run)
        {
            RunStatus::Abandoned
        } else {
            stored
        }
    }

    /// Writes every item of one tenant x resource of a run, in one transaction: all of them
    /// or (on any error) none. Replaces what the run held for that tenant x resource. Each
    /// item is the JSON text of one record; a text that one of the last three complete entries
    /// of this tenant x resource holds is not stored again. Returns the number of items.
    pub fn write_entry<'a>(
        &mut self,
        run: RunId,
        tenant_id: &str,
        tenant_name: &str,
        resource: &str,
        items: impl IntoIterator<Item = &'a str>,
    ) -> Result<u64, StoreError> {
        let tx = self.conn.transaction()?;
        let count = write_in(&tx, run, tenant_id, tenant_name, resource, items)?;
        tx.commit()?;
        self.committed();
        Ok(count)
    }

    /// Writes several complete tenant x resources of a run in one transaction (each as
    /// [`write_entry`](Self::write_entry) would): fewer commits, the same atomicity (all of them
    /// or none). Returns the number of items.
    pub fn write_entries(&mut self, run: RunId, entries: &[Entry]) -> Result<u64, StoreError> {
        let tx = self.conn.transaction()?;
        let mut count = 0;
        for e in entries {
            count += write_in(
                &tx,
                run,
                &e.tenant_id,
                &e.tenant_name,
                &e.resource,
                e.items.iter().map(|item| &**item),
            )?;
        }
        tx.commit()?;
        self.committed();
        Ok(count)
    }

    /// Notes that a tenant x resource of a run did not complete (unless it already has: a
    /// completed entry is never overwritten by a failure).
    pub fn note_incomplete(
        &mut self,
        run: RunId,
        tenant_id: &str,
        tenant_name: &str,
        resource: &str,
        how: Incomplete,
        error: &str,
    ) -> Result<(), StoreError> {
        let status = match how {
            Incomplete::Failed => "failed",
            Incomplete::Skipped => "skipped",
        };
        self.conn.execute(
            "INSERT INTO entries (run_id, tenant_id, tenant_name, resource, status, error, records,
                                  items, written)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, '[]', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             ON CONFLICT (run_id, tenant_id, resource) DO UPDATE SET
                 status = excluded.status, error = excluded.error, written = excluded.written
             WHERE entries.status != 'ok'",
            params![run, tenant_id, tenant_name, resource, status, error],
        )?;
        Ok(())
    }

    /// The tenant x resource pairs a run holds complete.
    pub fn completed(
        &self,
        run: RunId,
    ) -> Result<std::collections::HashSet<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT tenant_id, resource FROM entries WHERE run_id = ?1 AND status = 'ok'",
        )?;
        let rows = stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// One tenant x resource's items, for [`Store::write_entries`].
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The resource.
    pub resource: String,
    /// Each item's JSON text.
    pub items: Vec<Box<str>>,
}

/// The body of [`Store::write_entry`], inside the caller's transaction.
fn write_in<'a>(
    tx: &rusqlite::Transaction<'_>,
    run: RunId,
    tenant_id: &str,
    tenant_name: &str,
    resource: &str,
    items: impl IntoIterator<Item = &'a str>,
) -> Result<u64, StoreError> {
    let mut ids: Vec<i64> = Vec::new();
    {
        // The payloads of this tenant x resource's latest complete entries, by hash: an item
        // seen there is found (and confirmed on its text); any other is new.
        // No global index on the hash: new payloads are appended, never inserted at random
        // places of an index, which keeps a first snapshot fast.
        let mut known: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut previous = tx.prepare_cached(
            "SELECT DISTINCT p.hash, p.id
                 FROM (SELECT items FROM entries
                       WHERE tenant_id = ?1 AND resource = ?2 AND status = 'ok'
                       ORDER BY run_id DESC LIMIT 3) e
                 JOIN json_each(e.items) j
                 JOIN payloads p ON p.id = j.value",
        )?;
        // The last 3 complete entries (a device that flaps between two states keeps reusing its
        // two payloads). The limit is written out: a bound LIMIT made SQLite prepare the query
        // again at each run of it.
        let rows = previous.query_map(params![tenant_id, resource], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (hash, id) = row?;
            known.entry(hash).or_default().push(id);
        }
        let mut same = tx.prepare_cached("SELECT 1 FROM payloads WHERE id = ?1 AND data = ?2")?;
        let mut insert =
            tx.prepare_cached("INSERT INTO payloads (hash, key, data) VALUES (?1, ?2, ?3)")?;
        for item in items {
            let hash = content_hash(item.as_bytes());
            let mut found = None;
            for &id in known.get(&hash).map(Vec::as_slice).unwrap_or_default() {
                if same.exists(params![id, item])? {
                    found = Some(id);
                    break;
                }
            }
            let id = match found {
                Some(id) => id,
                None => {
                    insert.execute(params![hash, item_key(item), item])?;
                    let id = tx.last_insert_rowid();
                    // Two equal items in one entry share one payload.
                    known.entry(hash).or_default().push(id);
                    id
                }
            };
            ids.push(id);
        }
    }
    ids.sort_unstable();
    let count = ids.len() as u64;
    let items = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let changed = tx
        .prepare_cached(
            "INSERT INTO entries (run_id, tenant_id, tenant_name, resource, status, error, records,
                                  items, written)
             SELECT ?1, ?2, ?3, ?4, 'ok', NULL, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE EXISTS (SELECT 1 FROM runs WHERE id = ?1)
             ON CONFLICT (run_id, tenant_id, resource) DO UPDATE SET
                 tenant_name = excluded.tenant_name, status = 'ok', error = NULL,
                 records = excluded.records, items = excluded.items, written = excluded.written",
        )?
        .execute(params![
            run,
            tenant_id,
            tenant_name,
            resource,
            count as i64,
            items
        ])?;
    if changed == 0 {
        return Err(StoreError::NoSuchRun(run));
    }
    Ok(count)
}

/// The payloads' lookup key since schema version 3 (a match is confirmed on the text itself,
/// so a collision costs a comparison, never a wrong row): 64 bits, eight bytes a step
/// (FNV-1a, one byte a step, cost a snapshot a tenth of its writer's time).
pub(crate) fn content_hash(bytes: &[u8]) -> i64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut h = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = step(h, u64::from_le_bytes(w));
    }
    let rest = words.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    h = step(h, u64::from_le_bytes(w));
    // Mix the last steps into every bit (MurmurHash3's finaliser).
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h as i64
}

/// FNV-1a, 64 bits: the payloads' lookup key of schema versions 1 and 2, and still the digest
/// in the key of an item without an id field (so such keys stay what they were).
fn fnv1a(bytes: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// The fields that identify an item, most specific first (as `collect`'s CSV `id` column).
pub const KEY_FIELDS: &[&str] = &[
    "serialNumber",
    "serial",
    "id",
    "siteId",
    "macAddress",
    "mac",
    "name",
];

/// The key fields of an item, read without building the rest of it.
#[derive(serde::Deserialize)]
struct Keys {
    #[serde(rename = "serialNumber")]
    serial_number: Option<serde_json::Value>,
    serial: Option<serde_json::Value>,
    id: Option<serde_json::Value>,
    #[serde(rename = "siteId")]
    site_id: Option<serde_json::Value>,
    #[serde(rename = "macAddress")]
    mac_address: Option<serde_json::Value>,
    mac: Option<serde_json::Value>,
    name: Option<serde_json::Value>,
}

/// An item's key: its serial number (or the first other id field it has, in the order of
/// [`KEY_FIELDS`]), or, for an item with none, a digest of its text.
fn item_key(item: &str) -> String {
    match scan_key(item) {
        Scan::Key(key) => key.to_owned(),
        Scan::NoKey => digest_key(item),
        Scan::Unsure => parsed_key(item),
    }
}

fn digest_key(item: &str) -> String {
    format!("#{:016x}", fnv1a(item.as_bytes()) as u64)
}

/// What [`scan_key`] found.
#[derive(Debug, PartialEq, Eq)]
enum Scan<'a> {
    /// The key, as [`parsed_key`] would give it.
    Key(&'a str),
    /// An object with no key field.
    NoKey,
    /// Something the scan does not decide (escapes, a large or fractional number, a repeated
    /// field, not an object): [`parsed_key`] does.
    Unsure,
}

/// An item's key read from its text at the top level, without building anything, stopping at
/// `serialNumber` (nothing ranks above it; it comes first in Central's items). The text is
/// valid JSON (the transport checked it). An object that repeats its serial number gets the
/// first one (through serde, the repeated field made the key a digest).
fn scan_key(text: &str) -> Scan<'_> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Scan::Unsure;
    }
    i += 1;
    let mut best: Option<(usize, &str)> = None;
    let mut seen = 0u32;
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b'}') => break,
            Some(b'"') => {}
            _ => return Scan::Unsure,
        }
        let Some((name, next)) = plain_string(text, i) else {
            return Scan::Unsure;
        };
        i = skip_ws(b, next);
        if b.get(i) != Some(&b':') {
            return Scan::Unsure;
        }
        i = skip_ws(b, i + 1);
        match KEY_FIELDS.iter().position(|f| *f == name) {
            Some(rank) => {
                if seen & (1 << rank) != 0 {
                    return Scan::Unsure;
                }
                seen |= 1 << rank;
                let value = match b.get(i) {
                    Some(b'"') => match plain_string(text, i) {
                        Some((v, next)) => {
                            i = next;
                            (!v.is_empty()).then_some(v)
                        }
                        None => return Scan::Unsure,
                    },
                    Some(c) if *c == b'-' || c.is_ascii_digit() => {
                        let end = skip_scalar(b, i);
                        let n = &text[i..end];
                        let digits = n.strip_prefix('-').unwrap_or(n);
                        if digits.len() > 18 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                            return Scan::Unsure;
                        }
                        i = end;
                        Some(n)
                    }
                    _ => match skip_value(b, i) {
                        Some(next) => {
                            i = next;
                            None
                        }
                        None => return Scan::Unsure,
                    },
                };
                if let Some(v) = value {
                    if rank == 0 {
                        return Scan::Key(v);
                    }
                    if best.is_none_or(|(r, _)| rank < r) {
                        best = Some((rank, v));
                    }
                }
            }
            None => match skip_value(b, i) {
                Some(next) => i = next,
                None => return Scan::Unsure,
            },
        }
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => break,
            _ => return Scan::Unsure,
        }
    }
    best.map_or(Scan::NoKey, |(_, v)| Scan::Key(v))
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The string starting at `i` (a quote) when it has no escape, and the index after it.
fn plain_string(text: &str, i: usize) -> Option<(&str, usize)> {
    let rest = text.get(i + 1..)?;
    let end = rest.find(['"', '\\'])?;
    if rest.as_bytes().get(end) != Some(&b'"') {
        return None;
    }
    Some((rest.get(..end)?, i + 1 + end + 1))
}

/// The end of a number, `true`, `false` or `null` starting at `i`.
fn skip_scalar(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The end of the value starting at `i`.
fn skip_value(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match b.get(i)? {
            b'"' => {
                i += 1;
                loop {
                    match b.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' if depth > 0 => i += 1,
            _ if depth > 0 => i = skip_scalar(b, i).max(i + 1),
            _ => i = skip_scalar(b, i),
        }
        if depth == 0 {
            return Some(i);
        }
    }
}

/// [`item_key`] through serde: the reference the scan agrees with.
fn parsed_key(item: &str) -> String {
    let keys: Option<Keys> = serde_json::from_str(item).ok();
    keys.and_then(|k| {
        [
            k.serial_number,
            k.serial,
            k.id,
            k.site_id,
            k.mac_address,
            k.mac,
            k.name,
        ]
        .into_iter()
        .flatten()
        .find_map(|v| match v {
            serde_json::Value::String(s) if !s.is_empty() => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    })
    .unwrap_or_else(|| digest_key(item))
}

impl Store {
    fn run_status(&self, run: RunId) -> Result<RunStatus, StoreError> {
        let status: Option<String> = self
            .conn
            .query_row("SELECT status FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .optional()?;
        match status {
            Some(s) => Ok(self.live_status(run, RunStatus::parse(&s)?)),
            None => Err(StoreError::NoSuchRun(run)),
        }
    }
}

#[cfg(test)]
mod tests;
