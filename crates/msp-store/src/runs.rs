//! Beginning, reopening and ending runs, and their live status.

use crate::db::vals;
use crate::lock::RunLock;
use crate::{NewRun, RunId, RunStatus, Store, StoreError};

impl Store {
    /// Starts a run (status `running`), and locks it until [`end_run`](Self::end_run) (or
    /// until this `Store` is dropped).
    pub fn begin_run(&mut self, run: &NewRun) -> Result<RunId, StoreError> {
        let arguments = serde_json::to_string(&run.arguments)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let resources = serde_json::to_string(&run.resources)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // The lock is taken before the run is visible: nobody sees it running and unlocked.
        let location = &self.location;
        let (id, lock) = self.db.transaction(true, |tx| {
            let id = tx.insert_id(
                "INSERT INTO runs (started, version, arguments, resources, status)
                 VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?1, ?2, ?3, 'running')",
                vals![&run.version, arguments, resources],
            )?;
            Ok((id, RunLock::acquire(tx, location, id)?))
        })?;
        self.locks.insert(id, lock);
        // PostgreSQL keeps the plan it chose for a prepared statement, made with the tables as
        // they were (a first snapshot's plans are made on empty tables, and a session's next
        // run would scan every payload for each entry with them): each run plans afresh.
        if let crate::db::Db::Pg(pg) = &self.db {
            pg.batch("DISCARD PLANS")?;
        }
        Ok(id)
    }

    /// Marks a run as running again (`snapshot --resume`) and locks it as
    /// [`begin_run`](Self::begin_run) does; [`StoreError::RunBusy`] when another process is
    /// writing it.
    pub fn reopen_run(&mut self, run: RunId) -> Result<(), StoreError> {
        self.run_status(run)?;
        if !self.locks.contains_key(&run) {
            let lock = self
                .db
                .with(|ex| RunLock::acquire(ex, &self.location, run))?;
            self.locks.insert(run, lock);
        }
        let n = self.db.execute(
            "UPDATE runs SET status = 'running', ended = NULL WHERE id = ?1",
            vals![run],
        )?;
        if n == 0 {
            self.release(run)?;
            return Err(StoreError::NoSuchRun(run));
        }
        Ok(())
    }

    /// Ends a run with `status`, and releases its lock.
    pub fn end_run(&mut self, run: RunId, status: RunStatus) -> Result<(), StoreError> {
        let n = self.db.execute(
            "UPDATE runs SET status = ?2, ended = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE id = ?1",
            vals![run, status.as_str()],
        )?;
        self.release(run)?;
        if n == 0 {
            return Err(StoreError::NoSuchRun(run));
        }
        Ok(())
    }

    /// Releases the lock of `run`, if this store holds it.
    fn release(&mut self, run: RunId) -> Result<(), StoreError> {
        if let Some(lock) = self.locks.remove(&run) {
            self.db.with(|ex| {
                lock.release(ex);
                Ok::<_, StoreError>(())
            })?;
        }
        Ok(())
    }

    /// Whether a process (this one or another) holds the lock of `run`.
    pub(crate) fn is_live(&self, run: RunId) -> bool {
        self.locks.contains_key(&run)
            || self
                .db
                .with(|ex| Ok::<_, StoreError>(RunLock::held(ex, &self.location, run)))
                .unwrap_or(true)
    }

    /// A stored status as it is now: `running` is [`RunStatus::Abandoned`] when no process
    /// holds the run's lock.
    pub(crate) fn live_status(&self, run: RunId, stored: RunStatus) -> RunStatus {
        if stored == RunStatus::Running && !self.is_live(run) {
            RunStatus::Abandoned
        } else {
            stored
        }
    }

    pub(crate) fn run_status(&self, run: RunId) -> Result<RunStatus, StoreError> {
        let status: Option<String> = self
            .db
            .row("SELECT status FROM runs WHERE id = ?1", vals![run])?
            .map(|r| r.get(0))
            .transpose()?;
        match status {
            Some(s) => Ok(self.live_status(run, RunStatus::parse(&s)?)),
            None => Err(StoreError::NoSuchRun(run)),
        }
    }
}

impl Drop for Store {
    /// Releases the PostgreSQL locks of the runs this store holds at once (the server would
    /// release them only once it has noticed the closed session). A lock file is released
    /// with its file.
    fn drop(&mut self) {
        if matches!(self.db, crate::db::Db::Pg(_)) && !self.locks.is_empty() {
            let _ = self.db.execute("SELECT pg_advisory_unlock_all()", &[]);
        }
    }
}

/// The newest finished run (or complete one), as `serve`'s metrics show it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FinishedRun {
    /// Its id.
    pub id: RunId,
    /// Whether it completed.
    pub complete: bool,
    /// When it ended, in seconds since the epoch.
    pub ended: f64,
    /// How long it took, in seconds (never negative).
    pub seconds: f64,
}

impl Store {
    /// The newest finished run's id and how many runs are finished, if any is.
    pub fn finished_runs(&self) -> Result<Option<(RunId, i64)>, StoreError> {
        let row = self.db.row(
            "SELECT max(id), count(*) FROM runs WHERE ended IS NOT NULL",
            &[],
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(row
            .get::<Option<RunId>>(0)?
            .map(|id| (id, row.get(1).unwrap_or(0))))
    }

    /// The newest finished run, or with `complete` the newest complete one.
    pub fn newest_finished_run(&self, complete: bool) -> Result<Option<FinishedRun>, StoreError> {
        let pg = matches!(self.db, crate::db::Db::Pg(_));
        let (ended, started) = (
            crate::dialect::epoch_seconds(pg, "ended"),
            crate::dialect::epoch_seconds(pg, "started"),
        );
        let which = if complete {
            "status = 'complete'"
        } else {
            "ended IS NOT NULL"
        };
        let sql = format!(
            "SELECT id, status, {ended}, {ended} - {started}
             FROM runs WHERE {which} ORDER BY id DESC LIMIT 1"
        );
        let Some(row) = self.db.row(&sql, &[])? else {
            return Ok(None);
        };
        Ok(Some(FinishedRun {
            id: row.get(0)?,
            complete: row.get::<String>(1)? == "complete",
            ended: row.get::<Option<f64>>(2)?.unwrap_or(0.0),
            seconds: row.get::<Option<f64>>(3)?.unwrap_or(0.0).max(0.0),
        }))
    }
}
