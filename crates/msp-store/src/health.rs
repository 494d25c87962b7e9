//! Each tenant's collection health across the stored runs ([`Store::tenant_health`]): when it
//! last completed, and how many runs in a row it has failed since.

use serde::Serialize;

use crate::{RunId, Store, StoreError};

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
    /// The runs in a row, newest first, in which the tenant failed (a run that only skipped it
    /// neither counts nor breaks the row); 0 when its newest run with an outcome completed it.
    pub consecutive_failures: u64,
}

impl Store {
    /// Every tenant's collection health, by id: one pass over the entries' statuses (no
    /// payload is read), so it stays cheap with thousands of tenants.
    pub fn tenant_health(&self) -> Result<Vec<TenantHealth>, StoreError> {
        let rows = self.db.rows(
            "SELECT tenant_id, run_id, max(tenant_name),
                    sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END),
                    sum(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END), max(written)
             FROM entries GROUP BY tenant_id, run_id ORDER BY tenant_id, run_id DESC",
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
            let current = match out.last_mut() {
                Some(last) if last.tenant_id == tenant_id => last,
                _ => {
                    counting = true;
                    out.push(TenantHealth {
                        tenant_id,
                        tenant_name: name,
                        last_run: run,
                        last_success: None,
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
        crate::tests::each_store(
            "failures_in_a_row_and_the_last_success_per_tenant",
            |store| {
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
            },
        );
    }
}
