//! Beginning, reopening and ending runs, and their live status.

use rusqlite::{OptionalExtension as _, params};

use crate::lock::RunLock;
use crate::{NewRun, RunId, RunStatus, Store, StoreError};

impl Store {
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

    pub(crate) fn run_status(&self, run: RunId) -> Result<RunStatus, StoreError> {
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
