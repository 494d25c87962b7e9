//! The inventory history of glp-msp: runs of collected records in one embedded SQLite file
//! (the default), or in a PostgreSQL database that a team shares ([`StoreLocation`]: `--db
//! postgres://...`), with the same tables, views and schema version.
//!
//! - A *run* is one `snapshot`: its start, end, version, arguments and status.
//! - Each tenant x resource of a run is one *entry*, written in one transaction when it
//!   completes ([`Store::write_entry`]): a tenant that fails or is killed midway leaves nothing
//!   of that resource.
//! - Items are stored once per change: each distinct JSON text is one row of `payloads`
//!   (content-addressed against the tenant x resource's last entries), and an entry holds
//!   only the ids of its payloads. Thirty daily runs in
//!   which 2% of the devices change cost little more than one.
//! - Each `apply` is an *apply run* with one *change* per action (who, when, the manifest's
//!   fingerprint, before and after, the server's answer): [`Store::begin_apply`],
//!   [`Store::record_change`], [`Store::changes`].
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

mod alerts;
mod append;
mod changes;
mod checkpoint;
mod counts;
mod db;
mod devices;
mod dialect;
mod diff;
mod hash;
mod health;
mod hosts;
mod keys;
mod location;
mod lock;
mod notifications;
mod pg;
mod pgtls;
mod query;
mod runs;
mod schema;
mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Serialize;

pub use alerts::{ALERT_SEVERITIES, AlertRow, is_alerts, severity_rank};
pub use append::{APPEND_ONLY, is_append_only};
pub use changes::{ApplyRun, ChangeRecord, ChangeRow, NewApply};
pub use counts::TenantCounts;
pub use devices::{DeviceRow, TenantOutcome, normalize_mac};
pub use diff::{
    About, Change, ChangeKind, Diff, DiffOptions, FieldChange, Missing, TRACKED_FIELDS,
};
pub use health::{TenantDuration, TenantHealth};
pub use hosts::RunHost;
pub use keys::KEY_FIELDS;
pub use location::{PgUrl, StoreLocation};
pub use notifications::OpenAlert;
pub use query::{ExportItem, PruneBy, Pruned, RunSummary, StatusRow, is_offline};
pub use runs::FinishedRun;
pub use schema::SCHEMA_VERSION;
pub use write::{Entry, RunTenant};

pub(crate) use hash::content_hash;
#[cfg(test)]
use hash::fnv1a;
#[cfg(test)]
use keys::{Scan, item_key, parsed_key, scan_key};
pub(crate) use lock::RunLock;

use checkpoint::Checkpointer;
use db::Db;

/// An error's text with every registered secret removed.
pub(crate) fn redacted(e: &dyn std::fmt::Display) -> String {
    glp_core::text::redact(&e.to_string()).into_owned()
}

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite said no (a locked, corrupt or read-only file, a full disk).
    #[error("the inventory store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no (unreachable, refused, a failed statement); secrets redacted.
    #[error("the inventory store (PostgreSQL): {0}")]
    Postgres(String),
    /// The store's location cannot be used (a malformed URL, a network host
    /// without TLS, a server certificate refused).
    #[error("the inventory store {0}")]
    Location(String),
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
    /// A reading command's file or database holds no store ([`Store::open_existing`]): the
    /// location (a URL's password hidden).
    #[error("no glp-msp store in {0}: run `snapshot --db ...` first (it creates the store)")]
    NoStore(String),
    /// A stored value is not what this program wrote.
    #[error("the inventory store holds an unexpected value: {0}")]
    Corrupt(String),
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        let text = match e.as_db_error() {
            Some(db) => db.to_string(),
            None => match std::error::Error::source(&e) {
                Some(source) => format!("{e}: {source}"),
                None => e.to_string(),
            },
        };
        Self::Postgres(glp_core::text::redact(&text).into_owned())
    }
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

/// The inventory store: one SQLite file in WAL mode, or a PostgreSQL database.
///
/// A run that is being written is known to be alive by its lock file next to the store
/// (`<file>-run<ID>.lock`; on PostgreSQL, an advisory lock of the writer's session), locked by the writing `Store` from [`begin_run`](Self::begin_run)
/// or [`reopen_run`](Self::reopen_run) until [`end_run`](Self::end_run) (or until that `Store`
/// is dropped, or its process dies: the system releases the lock then). A run stored as
/// running whose lock nobody holds is reported [`RunStatus::Abandoned`].
#[derive(Debug)]
pub struct Store {
    /// Declared first, so dropped first: its thread ends before the writer's connection closes.
    checkpointer: Option<Checkpointer>,
    db: Db,
    location: StoreLocation,
    /// The lock files of the runs this store is writing.
    locks: HashMap<RunId, RunLock>,
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

    /// Opens (or creates) the store at `location` (a SQLite file's path, or a PostgreSQL URL:
    /// [`StoreLocation`]) and brings its schema up to date.
    ///
    /// PostgreSQL's client runs on a thread of its own (the synchronous client drives a
    /// runtime, which an async task's thread cannot): the store can be used from any thread,
    /// and blocks it while it waits, as it does on SQLite.
    pub fn open(location: impl Into<StoreLocation>) -> Result<Self, StoreError> {
        match location.into() {
            StoreLocation::Sqlite(path) => Self::open_at_version(&path, SCHEMA_VERSION),
            StoreLocation::Postgres(url) => Self::open_postgres(url, true),
        }
    }

    /// Opens the store at `location` for a command that only reads it: as
    /// [`open`](Self::open), but a file or database that holds no store is
    /// [`StoreError::NoStore`] and nothing is created (an empty PostgreSQL database stays
    /// empty; a mistyped path makes no file).
    pub fn open_existing(location: impl Into<StoreLocation>) -> Result<Self, StoreError> {
        match location.into() {
            StoreLocation::Sqlite(path) => {
                if !schema::sqlite_has_store(&path)? {
                    return Err(StoreError::NoStore(path.display().to_string()));
                }
                Self::open_at_version(&path, SCHEMA_VERSION)
            }
            StoreLocation::Postgres(url) => Self::open_postgres(url, false),
        }
    }

    /// Connects to a PostgreSQL store ([`Pg::connect`](pg::Pg::connect)).
    fn open_postgres(url: location::PgUrl, create: bool) -> Result<Self, StoreError> {
        let pg = pg::Pg::connect(&url, create)?;
        Ok(Self {
            checkpointer: None,
            db: Db::Pg(pg),
            location: StoreLocation::Postgres(url),
            locks: HashMap::new(),
        })
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
            db: Db::Lite(conn),
            location: StoreLocation::Sqlite(path.to_owned()),
            locks: HashMap::new(),
        })
    }

    /// Moves the WAL's checkpoints to a thread of their own (for a bulk writer such as
    /// `snapshot`): commits no longer wait for them. Without it, or if that thread cannot
    /// start, SQLite checkpoints inside the commits as usual. The last checkpoint is made
    /// when the store is dropped. PostgreSQL checkpoints on its own: nothing to do there.
    pub fn checkpoint_in_background(&mut self) -> Result<(), StoreError> {
        if let (None, Db::Lite(conn), StoreLocation::Sqlite(path)) =
            (&self.checkpointer, &self.db, &self.location)
            && let Some(checkpointer) = Checkpointer::start(path)?
        {
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            self.checkpointer = Some(checkpointer);
        }
        Ok(())
    }

    fn committed(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.wake();
        }
    }

    /// Where the store is.
    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The store's schema version.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        match &self.db {
            Db::Lite(conn) => schema::version(conn),
            Db::Pg(_) => {
                let v: Option<i64> = self
                    .db
                    .row("SELECT max(version) FROM msp_schema", &[])?
                    .map(|r| r.get(0))
                    .transpose()?
                    .flatten();
                Ok(u32::try_from(v.unwrap_or(0)).unwrap_or(u32::MAX))
            }
        }
    }

    /// The SQLite connection, for queries of one's own (`None` on PostgreSQL).
    pub fn connection(&self) -> Option<&Connection> {
        match &self.db {
            Db::Lite(conn) => Some(conn),
            Db::Pg(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;
