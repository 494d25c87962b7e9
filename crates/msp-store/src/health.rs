//! Each tenant's collection health across the stored runs ([`Store::tenant_health`]): when it
//! last completed, how long that collection took, and how many runs in a row it has failed
//! since; and how long each tenant's collection took in a run ([`Store::write_durations`]).

use std::collections::HashMap;

use serde::Serialize;

use crate::db::vals;
use crate::{RunId, Store, StoreError};

/// How long one tenant's collection took in a run, for [`Store::write_durations`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantDuration {
    /// The tenant's id, as its entries have it (used when the run holds no place of it).
    pub tenant_id: String,
    /// Its GreenLake workspace id (hyphenated): how its place in the run is found.
    pub workspace_id: String,
    /// How long its job ran, in milliseconds (as the engine measured it).
    pub duration_ms: u64,
}

/// One tenant's collection health, from every stored run that holds an entry of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantHealth {
    /// The tenant's id.
    pub tenant_id: String,
    /// Its name, as its newest entry has it.
    pub tenant_name: String,
    /// The newest run that holds the tenant.
    pub last_run: RunId,
    /// When the newest run in which every resource of the tenant completed wrote its last
    /// entry (RFC 3339, UTC); `None` when no stored run completed it.
    pub last_success: Option<String>,
    /// How long the collection of [`last_success`](Self::last_success)'s run took, in
    /// milliseconds; `None` when unknown (no complete run, or one stored before durations
    /// were).
    pub last_success_ms: Option<u64>,
    /// The runs in a row, newest first, in which the tenant failed (a run that only skipped it
    /// neither counts nor breaks the row); 0 when its newest run with an outcome completed it.
    pub consecutive_failures: u64,
}

impl Store {
    /// Notes how long each tenant's collection took in `run`, in one transaction: on the
    /// run's place of the tenant with that workspace id ([`write_tenants`](Self::write_tenants)),
    /// or a new one. A resumed run adds the time of each attempt.
    pub fn write_durations(
        &mut self,
        run: RunId,
        durations: &[TenantDuration],
    ) -> Result<(), StoreError> {
        self.db.transaction(false, |tx| {
            // The run's tenants by workspace id, read once: each duration then goes to its
            // tenants by key. (An update by workspace id was a scan of the run's tenants for
            // each one: seconds at the end of a snapshot of 5,000.)
            let mut by_workspace: HashMap<String, Vec<String>> = HashMap::new();
            for row in tx.rows(
                "SELECT workspace_id, tenant_id FROM run_tenants WHERE run_id = ?1",
                vals![run],
            )? {
                by_workspace
                    .entry(row.get(0)?)
                    .or_default()
                    .push(row.get(1)?);
            }
            for d in durations {
                let ms = i64::try_from(d.duration_ms).unwrap_or(i64::MAX);
                let placed = by_workspace.get(&d.workspace_id).map(Vec::as_slice);
                for tenant_id in placed.unwrap_or_default() {
                    tx.execute(
                        "UPDATE run_tenants SET duration_ms = coalesce(duration_ms, 0) + ?3
                         WHERE run_id = ?1 AND tenant_id = ?2",
                        vals![run, tenant_id, ms],
                    )?;
                }
                if placed.is_none() {
                    tx.execute(
                        "INSERT INTO run_tenants (run_id, tenant_id, workspace_id, duration_ms)
                         VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (run_id, tenant_id) DO UPDATE SET
                             duration_ms = coalesce(run_tenants.duration_ms, 0)
                                 + excluded.duration_ms",
                        vals![run, &d.tenant_id, &d.workspace_id, ms],
                    )?;
                }
            }
            Ok(())
        })?;
        self.committed();
        Ok(())
    }

    /// Every tenant's collection health, by id: one pass over the entries' statuses (no
    /// payload is read), so it stays cheap with thousands of tenants.
    pub fn tenant_health(&self) -> Result<Vec<TenantHealth>, StoreError> {
        let rows = self.db.rows(
            "SELECT e.tenant_id, e.run_id, max(e.tenant_name),
                    sum(CASE WHEN e.status = 'failed' THEN 1 ELSE 0 END),
                    sum(CASE WHEN e.status = 'skipped' THEN 1 ELSE 0 END), max(e.written),
                    max(t.duration_ms)
             FROM entries e
             LEFT JOIN run_tenants t ON t.run_id = e.run_id AND t.tenant_id = e.tenant_id
             GROUP BY e.tenant_id, e.run_id ORDER BY e.tenant_id, e.run_id DESC",
            &[],
        )?;
        let mut out: Vec<TenantHealth> = Vec::new();
        // Whether the row of failures of the current tenant is still counting.
        let mut counting = false;
        for row in rows {
            let tenant_id: String = row.get(0)?;
            let run: RunId = row.get(1)?;
            let name: String = row.get(2)?;
            let failed: i64 = row.get(3)?;
            let skipped: i64 = row.get(4)?;
            let written: String = row.get(5)?;
            let ms: Option<i64> = row.get(6)?;
            let current = match out.last_mut() {
                Some(last) if last.tenant_id == tenant_id => last,
                _ => {
                    counting = true;
                    out.push(TenantHealth {
                        tenant_id,
                        tenant_name: name,
                        last_run: run,
                        last_success: None,
                        last_success_ms: None,
                        consecutive_failures: 0,
                    });
                    let Some(last) = out.last_mut() else {
                        continue;
                    };
                    last
                }
            };
            if failed > 0 {
                if counting {
                    current.consecutive_failures += 1;
                }
            } else if skipped == 0 {
                counting = false;
                if current.last_success.is_none() {
                    current.last_success = Some(written);
                    current.last_success_ms = ms.and_then(|ms| u64::try_from(ms).ok());
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Incomplete, RunId, RunStatus};

    #[test]
    fn failures_in_a_row_and_the_last_success_per_tenant() {
        crate::tests::each_store!(|store| {
            let item = [r#"{"serialNumber":"SN1"}"#];
            // a: ok, failed, skipped, failed. b: failed, ok.
            let plan: [(&str, &str); 4] = [
                ("ok", "failed"),
                ("failed", "ok"),
                ("skipped", ""),
                ("failed", ""),
            ];
            for (a, b) in plan {
                let run = crate::tests::begin(store, "devices");
                for (id, how) in [("a", a), ("b", b)] {
                    match how {
                        "ok" => {
                            store
                                .write_entry(run, id, id, "devices", item)
                                .expect("entry");
                        }
                        "failed" => store
                            .note_incomplete(run, id, id, "devices", Incomplete::Failed, "x")
                            .expect("failed"),
                        "skipped" => store
                            .note_incomplete(run, id, id, "devices", Incomplete::Skipped, "x")
                            .expect("skipped"),
                        _ => {}
                    }
                }
                store.end_run(run, RunStatus::Partial).expect("end");
            }
            let health = store.tenant_health().expect("health");
            let got: Vec<(&str, RunId, bool, u64)> = health
                .iter()
                .map(|h| {
                    (
                        h.tenant_id.as_str(),
                        h.last_run,
                        h.last_success.is_some(),
                        h.consecutive_failures,
                    )
                })
                .collect();
            assert_eq!(got, [("a", 4, true, 2), ("b", 2, true, 0)]);
        });
    }

    #[test]
    fn the_duration_of_each_tenants_newest_complete_collection() {
        crate::tests::each_store!(|store| {
            let item = [r#"{"serialNumber":"SN1"}"#];
            let duration = |id: &str, ms| crate::TenantDuration {
                tenant_id: id.into(),
                workspace_id: format!("ws-{id}"),
                duration_ms: ms,
            };
            // Run 1: both complete; only a's duration is known (b's as if stored before).
            let run = crate::tests::begin(store, "devices");
            for id in ["a", "b"] {
                store
                    .write_entry(run, id, id, "devices", item)
                    .expect("entry");
            }
            store
                .write_durations(run, &[duration("a", 1500)])
                .expect("durations");
            store.end_run(run, RunStatus::Complete).expect("end");
            // Run 2: a completes (placed by its records, then resumed: the attempts add),
            // b fails.
            let run = crate::tests::begin(store, "devices");
            store
                .write_tenants(
                    run,
                    &[crate::RunTenant {
                        tenant_id: "a".into(),
                        workspace_id: "ws-a".into(),
                        ..Default::default()
                    }],
                )
                .expect("place");
            store
                .write_entry(run, "a", "a", "devices", item)
                .expect("entry");
            store
                .note_incomplete(run, "b", "b", "devices", Incomplete::Failed, "x")
                .expect("failed");
            store
                .write_durations(run, &[duration("a", 2500), duration("b", 40)])
                .expect("durations");
            // The resumed attempt names the tenant otherwise: its workspace id places it.
            let resumed = crate::TenantDuration {
                tenant_id: "listed-otherwise".into(),
                ..duration("a", 500)
            };
            store.write_durations(run, &[resumed]).expect("resumed");
            store.end_run(run, RunStatus::Partial).expect("end");
            let health = store.tenant_health().expect("health");
            let got: Vec<(&str, Option<u64>)> = health
                .iter()
                .map(|h| (h.tenant_id.as_str(), h.last_success_ms))
                .collect();
            assert_eq!(got, [("a", Some(3000)), ("b", None)]);
        });
    }
}
