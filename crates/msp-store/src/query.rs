//! Reading the store: runs, status, export; and retention (prune).

use serde::Serialize;

use crate::db::{Ex, Row, from_row, vals};
use crate::{RunId, RunStatus, Store, StoreError};

/// The start of a query over the table `latest`: each tenant x resource's latest complete
/// entry (`tenant_id`, `tenant_name`, `resource`, `run_id`, `items`), only the tenant whose id
/// or name is `?1` and only the resource `?2` when they are not NULL.
pub(crate) const LATEST_COMPLETE: &str = "WITH latest AS (
                 SELECT e.tenant_id, e.tenant_name, e.resource, e.run_id, e.items
                 FROM entries e
                 WHERE e.status = 'ok'
                   AND (CAST(?1 AS TEXT) IS NULL OR e.tenant_id = ?1 OR e.tenant_name = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL OR e.resource = ?2)
                   AND e.run_id = (SELECT max(x.run_id) FROM entries x
                                   WHERE x.tenant_id = e.tenant_id AND x.resource = e.resource
                                     AND x.status = 'ok'))";

/// One run, with its tenants' outcomes counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// The run's id.
    pub id: RunId,
    /// When it started (RFC 3339, UTC).
    pub started: String,
    /// When it ended, if it did.
    pub ended: Option<String>,
    /// The program's version.
    pub version: String,
    /// The command line (no secrets).
    pub arguments: Vec<String>,
    /// The resources it collects.
    pub resources: Vec<String>,
    /// Its status.
    pub status: RunStatus,
    /// Tenants whose every resource completed.
    pub tenants_ok: u64,
    /// Tenants with a failed resource (and none only skipped).
    pub tenants_failed: u64,
    /// Tenants listed but not run (interrupted before they started).
    pub tenants_missing: u64,
    /// Records held.
    pub records: u64,
}

/// Devices of one tenant x resource with one type and status, from the latest run that
/// completed that tenant x resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The resource.
    pub resource: String,
    /// The run the data comes from.
    pub run_id: RunId,
    /// The device type (`deviceType`), empty when the records have none.
    pub device_type: String,
    /// The status (`status`), empty when the records have none.
    pub status: String,
    /// How many.
    pub count: u64,
}

impl StatusRow {
    /// Whether the status says the device is down.
    pub fn is_offline(&self) -> bool {
        is_offline(&self.status)
    }
}

/// Whether a device status says the device is down (`offline`, `down`, `disconnected`,
/// `unreachable`, any case).
pub fn is_offline(status: &str) -> bool {
    matches!(
        status.to_ascii_lowercase().as_str(),
        "offline" | "down" | "disconnected" | "unreachable"
    )
}

/// One stored item of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportItem {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The resource.
    pub resource: String,
    /// The tenant's GreenLake workspace id (its id, for runs written before schema version 4).
    pub workspace_id: String,
    /// Central's id of the tenant, when Central listed it (and the run noted it).
    pub central_tenant_id: Option<String>,
    /// The tenant's Central cluster, when the run noted it.
    pub cluster: Option<String>,
    /// The item's JSON text, exactly as collected.
    pub data: String,
}

/// Which runs [`Store::prune`] deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneBy {
    /// All but the newest `n` runs.
    Keep(u32),
    /// Runs that started more than this many days ago.
    OlderThanDays(u32),
}

/// What [`Store::prune`] deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Pruned {
    /// Runs.
    pub runs: u64,
    /// Payloads no remaining run refers to.
    pub payloads: u64,
}

impl Store {
    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<RunSummary>, StoreError> {
        let rows = self.db.rows(
            "SELECT r.id, r.started, r.ended, r.version, r.arguments, r.resources, r.status,
                    CAST(coalesce((SELECT sum(records) FROM entries e WHERE e.run_id = r.id), 0)
                         AS BIGINT)
             FROM runs r ORDER BY r.id",
            &[],
        )?;
        let mut out = Vec::new();
        for r in rows {
            let id = r.get(0)?;
            let (ok, failed, missing) = self.tenant_counts(id)?;
            let status: String = r.get(6)?;
            out.push(RunSummary {
                id,
                started: r.get(1)?,
                ended: r.get(2)?,
                version: r.get(3)?,
                arguments: parse_list(&r.get::<String>(4)?)?,
                resources: parse_list(&r.get::<String>(5)?)?,
                status: self.live_status(id, RunStatus::parse(&status)?),
                tenants_ok: ok,
                tenants_failed: failed,
                tenants_missing: missing,
                records: r.get::<i64>(7)?.max(0) as u64,
            });
        }
        Ok(out)
    }

    /// Every tenant the store holds an entry of, as `(id, name)` (the name of its newest
    /// entry), by name: what `--tenant` of the reading commands is matched against.
    pub fn tenants(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.db
            .rows(
                "SELECT e.tenant_id, max(e.tenant_name) FROM entries e
                 WHERE e.run_id = (SELECT max(x.run_id) FROM entries x
                                   WHERE x.tenant_id = e.tenant_id)
                 GROUP BY e.tenant_id ORDER BY 2, 1",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
    }

    /// Every resource the store holds an entry of, sorted.
    pub fn resources(&self) -> Result<Vec<String>, StoreError> {
        self.db.column(
            "SELECT DISTINCT resource FROM entries ORDER BY resource",
            &[],
        )
    }

    /// One run.
    pub fn run(&self, run: RunId) -> Result<RunSummary, StoreError> {
        self.runs()?
            .into_iter()
            .find(|r| r.id == run)
            .ok_or(StoreError::NoSuchRun(run))
    }

    /// Tenants ok, failed and missing in a run.
    fn tenant_counts(&self, run: RunId) -> Result<(u64, u64, u64), StoreError> {
        let row = self.db.row(
            "SELECT
                 sum(CASE WHEN n_failed = 0 AND n_skipped = 0 THEN 1 ELSE 0 END),
                 sum(CASE WHEN n_failed > 0 THEN 1 ELSE 0 END),
                 sum(CASE WHEN n_failed = 0 AND n_skipped > 0 THEN 1 ELSE 0 END)
             FROM (SELECT tenant_id,
                          sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS n_failed,
                          sum(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END) AS n_skipped
                   FROM entries WHERE run_id = ?1 GROUP BY tenant_id) AS t",
            vals![run],
        )?;
        let n = |i| -> Result<u64, StoreError> {
            let v = row.as_ref().map(|r| r.get::<Option<i64>>(i)).transpose()?;
            Ok(v.flatten().unwrap_or(0).max(0) as u64)
        };
        Ok((n(0)?, n(1)?, n(2)?))
    }

    /// The newest run that did not complete (what `snapshot --resume` continues).
    pub fn latest_incomplete_run(&self) -> Result<Option<RunId>, StoreError> {
        self.max_id("SELECT max(id) FROM runs WHERE status != 'complete'", &[])
    }

    /// The first column of the first row of a query of one optional id (`max(id)`).
    pub(crate) fn max_id(
        &self,
        sql: &str,
        params: &[crate::db::Value<'_>],
    ) -> Result<Option<RunId>, StoreError> {
        Ok(self
            .db
            .row(sql, params)?
            .map(|r| r.get::<Option<RunId>>(0))
            .transpose()?
            .flatten())
    }

    /// The ids of the complete runs, oldest first.
    pub fn complete_runs(&self) -> Result<Vec<RunId>, StoreError> {
        self.db.column(
            "SELECT id FROM runs WHERE status = 'complete' ORDER BY id",
            &[],
        )
    }

    /// Devices by type and status per tenant x resource, from the latest run that completed
    /// each tenant x resource; optionally only tenants whose id or name is `tenant` and only
    /// `resource`. Tenants with offline devices first (most first), and within a tenant the
    /// offline rows first.
    pub fn status(
        &self,
        tenant: Option<&str>,
        resource: Option<&str>,
    ) -> Result<Vec<StatusRow>, StoreError> {
        let sql = format!(
            "{LATEST_COMPLETE}
             SELECT l.tenant_id, l.tenant_name, l.resource, l.run_id,
                    coalesce(json_extract(p.data, '$.deviceType'), json_extract(p.data, '$.type'), ''),
                    coalesce(json_extract(p.data, '$.status'),
                             json_extract(p.data, '$.connectionStatus'), ''),
                    count(*)
             FROM latest l
             JOIN json_each(l.items) j
             JOIN payloads p ON p.id = j.value
             GROUP BY 1, 2, 3, 4, 5, 6"
        );
        let mut rows = self
            .db
            .rows(&sql, vals![tenant, resource])?
            .iter()
            .map(|r| {
                let (tenant_id, tenant_name, resource, run_id) = entry_columns(r)?;
                Ok(StatusRow {
                    tenant_id,
                    tenant_name,
                    resource,
                    run_id,
                    device_type: r.text(4),
                    status: r.text(5),
                    count: r.get::<i64>(6)?.max(0) as u64,
                })
            })
            .collect::<Result<Vec<StatusRow>, StoreError>>()?;
        let mut offline: std::collections::HashMap<String, u64> = Default::default();
        for row in rows.iter().filter(|r| r.is_offline()) {
            *offline.entry(row.tenant_id.clone()).or_default() += row.count;
        }
        rows.sort_by(|a, b| {
            let oa = offline.get(&a.tenant_id).copied().unwrap_or(0);
            let ob = offline.get(&b.tenant_id).copied().unwrap_or(0);
            ob.cmp(&oa)
                .then_with(|| a.tenant_name.cmp(&b.tenant_name))
                .then_with(|| a.tenant_id.cmp(&b.tenant_id))
                .then_with(|| b.is_offline().cmp(&a.is_offline()))
                .then_with(|| a.resource.cmp(&b.resource))
                .then_with(|| a.device_type.cmp(&b.device_type))
                .then_with(|| a.status.cmp(&b.status))
        });
        Ok(rows)
    }

    /// Every item of a run (optionally of one resource), tenant by tenant, passed to `each`;
    /// an error of `each` stops at once and is returned. Returns how many.
    pub fn export<E: From<StoreError>>(
        &self,
        run: RunId,
        resource: Option<&str>,
        mut each: impl FnMut(ExportItem) -> Result<(), E>,
    ) -> Result<u64, E> {
        self.run_status(run)?;
        let mut n = 0;
        self.db.with(|ex| {
            ex.each(
                "SELECT e.tenant_id, e.tenant_name, e.resource, p.data,
                    coalesce(t.workspace_id, e.tenant_id), t.central_tenant_id, t.cluster
             FROM entries e
             JOIN json_each(e.items) j
             JOIN payloads p ON p.id = j.value
             LEFT JOIN run_tenants t ON t.run_id = e.run_id AND t.tenant_id = e.tenant_id
             WHERE e.run_id = ?1 AND e.status = 'ok'
               AND (CAST(?2 AS TEXT) IS NULL OR e.resource = ?2)
             ORDER BY e.tenant_name, e.tenant_id, e.resource, j.key",
                vals![run, resource],
                |r: Row| -> Result<(), E> {
                    let item = export_item(&r)?;
                    each(item)?;
                    n += 1;
                    Ok(())
                },
            )
        })?;
        Ok(n)
    }

    /// The runs [`prune`](Self::prune) would delete now, oldest first (nothing is deleted).
    pub fn would_prune(&self, by: PruneBy) -> Result<Vec<RunId>, StoreError> {
        let running = self
            .db
            .column("SELECT id FROM runs WHERE status = 'running'", &[])?;
        let alive: Vec<RunId> = running.into_iter().filter(|&id| self.is_live(id)).collect();
        self.db.with(|ex| doomed(ex, by, &alive))
    }

    /// Deletes runs (and the payloads no remaining run refers to), then gives the space back
    /// to the file system (SQLite: `VACUUM`, and a checkpoint that truncates the WAL;
    /// PostgreSQL's autovacuum does it there). A run that a process is still writing is kept;
    /// an abandoned one (killed) is deleted like a partial one.
    pub fn prune(&mut self, by: PruneBy) -> Result<Pruned, StoreError> {
        // Immediate: no run can end or start while the live ones are told from the dead.
        let (locks, location) = (&self.locks, &self.location);
        let (deleted, dead, payloads) = self.db.transaction(true, |tx| {
            let running: Vec<RunId> =
                tx.column("SELECT id FROM runs WHERE status = 'running'", &[])?;
            let (alive, dead): (Vec<RunId>, Vec<RunId>) = running
                .into_iter()
                .partition(|&id| locks.contains_key(&id) || crate::RunLock::held(tx, location, id));
            let deleted = doomed(tx, by, &alive)?;
            let ids =
                serde_json::to_string(&deleted).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute(
                "DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?1))",
                vals![ids],
            )?;
            // Entries go with their runs (ON DELETE CASCADE); then the payloads left alone.
            let payloads = tx.execute(
                "DELETE FROM payloads WHERE id NOT IN (
                     SELECT j.value FROM entries e JOIN json_each(e.items) j)",
                &[],
            )?;
            Ok((deleted, dead, payloads))
        })?;
        // The lock files the killed runs left behind.
        for id in dead.iter().filter(|id| deleted.contains(id)) {
            crate::RunLock::remove_unheld(&self.location, *id);
        }
        let runs = deleted.len();
        if runs > 0
            && let crate::db::Db::Lite(conn) = &self.db
        {
            // Without it the file keeps its size (its pages are only marked free). In WAL mode
            // VACUUM writes the compacted file through the WAL: the checkpoint copies it back
            // and truncates the WAL, so the file on disk shrinks now.
            conn.execute_batch("VACUUM")?;
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(Pruned {
            runs: runs as u64,
            payloads,
        })
    }
}

/// Columns 0 to 3 of a row of [`LATEST_COMPLETE`]'s `latest` (or of `entries`): the tenant's
/// id and name, the resource and the run.
pub(crate) fn entry_columns(r: &Row) -> Result<(String, String, String, RunId), StoreError> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn export_item(r: &Row) -> Result<ExportItem, StoreError> {
    Ok(from_row!(r => ExportItem {
        tenant_id, tenant_name, resource, data, workspace_id, central_tenant_id, cluster,
    }))
}

/// The runs `by` chooses, oldest first, but never one of `alive` (still being written).
fn doomed(ex: &mut Ex<'_>, by: PruneBy, alive: &[RunId]) -> Result<Vec<RunId>, StoreError> {
    let alive = serde_json::to_string(alive).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    match by {
        PruneBy::Keep(n) => ex.column(
            "SELECT id FROM runs WHERE id NOT IN (SELECT value FROM json_each(?2))
               AND id NOT IN (SELECT id FROM runs ORDER BY id DESC LIMIT ?1)
             ORDER BY id",
            vals![i64::from(n), alive],
        ),
        PruneBy::OlderThanDays(days) => ex.column(
            "SELECT id FROM runs WHERE id NOT IN (SELECT value FROM json_each(?2))
               AND started < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1)
             ORDER BY id",
            vals![format!("-{days} days"), alive],
        ),
    }
}

fn parse_list(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("a list: {e}")))
}
