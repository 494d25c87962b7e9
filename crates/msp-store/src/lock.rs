//! A run's lock, held while the run is written: a lock file next to a SQLite store, a
//! session-level advisory lock on PostgreSQL (released with its session, as a lock file is
//! with its process).

use std::path::{Path, PathBuf};

use crate::db::{Ex, vals};
use crate::{RunId, StoreError, StoreLocation};

/// The first key of the advisory locks of runs (`msp` in ASCII); the second is the run's id.
const PG_LOCK_CLASS: i64 = 0x006d_7370;

/// A run's lock, held while the run is written.
#[derive(Debug)]
pub(crate) enum RunLock {
    /// A lock file, held locked (exclusively).
    File {
        /// The open file.
        file: std::fs::File,
        /// Its path.
        path: PathBuf,
    },
    /// PostgreSQL's advisory lock of the run, held by the store's session.
    Session(RunId),
}

impl RunLock {
    /// The lock file of `run` of the store at `db`.
    pub(crate) fn path(db: &Path, run: RunId) -> PathBuf {
        let mut name = db.file_name().map(ToOwned::to_owned).unwrap_or_default();
        name.push(format!("-run{run}.lock"));
        db.with_file_name(name)
    }

    /// Takes the lock of `run`; [`StoreError::RunBusy`] when another holds it.
    pub(crate) fn acquire(
        ex: &mut Ex<'_>,
        location: &StoreLocation,
        run: RunId,
    ) -> Result<Self, StoreError> {
        let StoreLocation::Sqlite(db) = location else {
            // A process that only checks the lock holds none: one try tells.
            let got = ex
                .row(
                    &format!("SELECT pg_try_advisory_lock({PG_LOCK_CLASS}, CAST(?1 AS INTEGER))"),
                    vals![run],
                )?
                .map(|r| r.get::<bool>(0))
                .transpose()?;
            return match got {
                Some(true) => Ok(Self::Session(run)),
                _ => Err(StoreError::RunBusy(run)),
            };
        };
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
                Ok(()) => return Ok(Self::File { file, path }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
            }
        }
        Err(StoreError::RunBusy(run))
    }

    /// Whether a process holds the lock of `run` (it is writing the run). A missing file means
    /// no; a file that cannot be checked (no locking on this file system), or a lock table
    /// that cannot be read, counts as held, as a run was shown before locks existed.
    pub(crate) fn held(ex: &mut Ex<'_>, location: &StoreLocation, run: RunId) -> bool {
        let StoreLocation::Sqlite(db) = location else {
            let sql = format!(
                "SELECT count(*) FROM pg_locks
                 WHERE locktype = 'advisory' AND granted
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND CAST(classid AS BIGINT) = {PG_LOCK_CLASS}
                   AND CAST(objid AS BIGINT) = ?1 AND objsubid = 2"
            );
            return ex
                .row(&sql, vals![run])
                .ok()
                .flatten()
                .and_then(|r| r.get::<i64>(0).ok())
                .is_none_or(|n| n > 0);
        };
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
    pub(crate) fn remove_unheld(location: &StoreLocation, run: RunId) {
        let Some(db) = location.sqlite_path() else {
            return;
        };
        let path = Self::path(db, run);
        if let Ok(file) = std::fs::OpenOptions::new().write(true).open(&path)
            && file.try_lock().is_ok()
        {
            let _ = std::fs::remove_file(&path);
        }
    }

    /// Deletes the file (while still holding it) and releases the lock.
    pub(crate) fn release(self, ex: &mut Ex<'_>) {
        match self {
            Self::File { file, path } => {
                let _ = std::fs::remove_file(&path);
                drop(file);
            }
            Self::Session(run) => {
                let _ = ex.row(
                    &format!("SELECT pg_advisory_unlock({PG_LOCK_CLASS}, CAST(?1 AS INTEGER))"),
                    vals![run],
                );
            }
        }
    }
}
