//! A run's lock file: held while the run is written.

use std::path::{Path, PathBuf};

use crate::{RunId, StoreError};

/// A run's lock file, held locked (exclusively) while the run is written.
#[derive(Debug)]
pub(crate) struct RunLock {
    file: std::fs::File,
    path: PathBuf,
}

impl RunLock {
    /// The lock file of `run` of the store at `db`.
    pub(crate) fn path(db: &Path, run: RunId) -> PathBuf {
        let mut name = db.file_name().map(ToOwned::to_owned).unwrap_or_default();
        name.push(format!("-run{run}.lock"));
        db.with_file_name(name)
    }

    /// Creates and locks the lock file of `run`; [`StoreError::RunBusy`] when another holds it.
    pub(crate) fn acquire(db: &Path, run: RunId) -> Result<Self, StoreError> {
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
    pub(crate) fn release(self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file);
    }
}
