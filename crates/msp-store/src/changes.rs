//! The record of writes (`apply`): [`Store::begin_apply`], one [`ChangeRecord`] per action as
//! it ends ([`Store::record_change`], committed at once, so an interrupted apply leaves what it
//! did), [`Store::end_apply`], and the reads [`Store::apply_runs`] and [`Store::changes`].

use serde::Serialize;

use crate::db::{Row, from_row, vals};
use crate::{Store, StoreError};

/// The start of an apply run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApply {
    /// Who applies: the API client id (never its secret).
    pub who: String,
    /// This program's version.
    pub version: String,
    /// The manifest's fingerprint.
    pub manifest_fingerprint: String,
    /// The fingerprint of the state the plan was computed from.
    pub state_fingerprint: String,
}

/// One action of an apply run, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeRecord {
    /// The action's position in its plan.
    pub seq: u32,
    /// `create`, `update`, `delete`, `nothing`, `cannot`.
    pub action: String,
    /// The tenant's workspace id, when known.
    pub tenant_id: Option<String>,
    /// The tenant's name.
    pub tenant_name: String,
    /// `done`, `failed` or `skipped`.
    pub status: String,
    /// The HTTP status of the last answer, if any.
    pub http_status: Option<u16>,
    /// The server's words (or why it was skipped).
    pub answer: String,
    /// Writes sent.
    pub writes: u32,
    /// Whether an answer was lost (a re-read decided).
    pub answer_lost: bool,
    /// The tenant as the plan saw it (JSON), if it existed.
    pub before: Option<String>,
    /// What was asked for (JSON), if anything.
    pub after: Option<String>,
}

/// A recorded change with its run's who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeRow {
    /// The apply run.
    pub run_id: i64,
    /// When the action ended (RFC 3339, UTC).
    pub at: String,
    /// Who applied it.
    pub who: String,
    /// The manifest's fingerprint.
    pub manifest_fingerprint: String,
    /// The action.
    #[serde(flatten)]
    pub change: ChangeRecord,
}

/// One apply run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyRun {
    /// Its id.
    pub id: i64,
    /// When it started (RFC 3339, UTC).
    pub started: String,
    /// When it ended, if it did.
    pub ended: Option<String>,
    /// Who applied.
    pub who: String,
    /// The manifest's fingerprint.
    pub manifest_fingerprint: String,
    /// The state's fingerprint.
    pub state_fingerprint: String,
    /// `running` (or killed), `complete`, `partial` (something failed or was skipped),
    /// `interrupted`.
    pub status: String,
    /// Actions recorded.
    pub actions: u64,
    /// Writes sent.
    pub writes: u64,
}

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

impl Store {
    /// Starts an apply run (status `running`).
    pub fn begin_apply(&mut self, run: &NewApply) -> Result<i64, StoreError> {
        self.db.with(|ex| {
            ex.insert_id(
                &format!(
                    "INSERT INTO apply_runs (started, who, version, manifest_fingerprint,
                     state_fingerprint, status) VALUES ({NOW}, ?1, ?2, ?3, ?4, 'running')"
                ),
                vals![
                    &run.who,
                    &run.version,
                    &run.manifest_fingerprint,
                    &run.state_fingerprint
                ],
            )
        })
    }

    /// Records one action of apply run `run` (committed at once).
    pub fn record_change(&mut self, run: i64, c: &ChangeRecord) -> Result<(), StoreError> {
        self.db.execute(
            &format!(
                "INSERT INTO changes (run_id, seq, at, action, tenant_id, tenant_name,
                 status, http_status, answer, writes, answer_lost, before, after)
                 VALUES (?1, ?2, {NOW}, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (run_id, seq) DO UPDATE SET
                     at = excluded.at, action = excluded.action, tenant_id = excluded.tenant_id,
                     tenant_name = excluded.tenant_name, status = excluded.status,
                     http_status = excluded.http_status, answer = excluded.answer,
                     writes = excluded.writes, answer_lost = excluded.answer_lost,
                     before = excluded.before, after = excluded.after"
            ),
            vals![
                run,
                c.seq,
                &c.action,
                c.tenant_id.as_deref(),
                &c.tenant_name,
                &c.status,
                c.http_status,
                &c.answer,
                c.writes,
                c.answer_lost,
                c.before.as_deref(),
                c.after.as_deref()
            ],
        )?;
        Ok(())
    }

    /// Ends apply run `run` with `status` (`complete`, `partial`, `interrupted`).
    pub fn end_apply(&mut self, run: i64, status: &str) -> Result<(), StoreError> {
        let n = self.db.execute(
            &format!("UPDATE apply_runs SET status = ?2, ended = {NOW} WHERE id = ?1"),
            vals![run, status],
        )?;
        if n == 0 {
            return Err(StoreError::NoSuchRun(run));
        }
        Ok(())
    }

    /// The apply runs, newest first, at most `limit`.
    pub fn apply_runs(&self, limit: u32) -> Result<Vec<ApplyRun>, StoreError> {
        self.db
            .rows(
                "SELECT r.id, r.started, r.ended, r.who, r.manifest_fingerprint,
                        r.state_fingerprint, r.status,
                        (SELECT count(*) FROM changes c WHERE c.run_id = r.id),
                        (SELECT CAST(coalesce(sum(c.writes), 0) AS BIGINT)
                         FROM changes c WHERE c.run_id = r.id)
                 FROM apply_runs r ORDER BY r.id DESC LIMIT ?1",
                vals![limit],
            )?
            .iter()
            .map(|r| {
                Ok(from_row!(r => ApplyRun {
                    id, started, ended, who, manifest_fingerprint, state_fingerprint, status,
                    actions, writes,
                }))
            })
            .collect()
    }

    /// The recorded changes, oldest first: of apply run `run` if given (else of every run),
    /// of the tenant named `tenant` (exactly) if given, writing ones only unless `all`.
    pub fn changes(
        &self,
        run: Option<i64>,
        tenant: Option<&str>,
        all: bool,
    ) -> Result<Vec<ChangeRow>, StoreError> {
        if let Some(run) = run
            && self
                .db
                .row("SELECT id FROM apply_runs WHERE id = ?1", vals![run])?
                .is_none()
        {
            return Err(StoreError::NoSuchRun(run));
        }
        self.db
            .rows(
                "SELECT c.run_id, c.at, r.who, r.manifest_fingerprint, c.seq, c.action,
                        c.tenant_id, c.tenant_name, c.status, c.http_status, c.answer, c.writes,
                        c.answer_lost, c.before, c.after
                 FROM changes c JOIN apply_runs r ON r.id = c.run_id
                 WHERE (CAST(?1 AS BIGINT) IS NULL OR c.run_id = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL OR c.tenant_name = ?2)
                   AND (CAST(?3 AS BIGINT) <> 0 OR c.writes > 0)
                 ORDER BY c.run_id, c.at, c.seq",
                vals![run, tenant, all],
            )?
            .iter()
            .map(change_row)
            .collect()
    }
}

fn change_row(r: &Row) -> Result<ChangeRow, StoreError> {
    Ok(ChangeRow {
        run_id: r.get(0)?,
        at: r.get(1)?,
        who: r.get(2)?,
        manifest_fingerprint: r.get(3)?,
        change: ChangeRecord {
            seq: r.get(4)?,
            action: r.get(5)?,
            tenant_id: r.get(6)?,
            tenant_name: r.get(7)?,
            status: r.get(8)?,
            http_status: r.get(9)?,
            answer: r.get(10)?,
            writes: r.get(11)?,
            answer_lost: r.get(12)?,
            before: r.get(13)?,
            after: r.get(14)?,
        },
    })
}
