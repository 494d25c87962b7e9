//! [`Report`]: what happened to every tenant, with totals.

use std::fmt::Write as _;
use std::time::Duration;

use glp_transport::TallySnapshot;
use serde::Serialize;

/// How one tenant's job ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TenantStatus {
    /// Every record was collected.
    Ok,
    /// The job stopped with an error; records written before it are kept.
    Failed {
        /// A stable error kind (`forbidden`, `rate_limited`, `timeout`, …).
        kind: String,
        /// The error with its hint.
        message: String,
    },
    /// The job did not run (interrupted before its turn, a duplicate, not resolvable).
    Skipped {
        /// Why.
        reason: String,
    },
}

/// The outcome of one tenant.
#[derive(Debug, Clone, Serialize)]
pub struct TenantOutcome {
    /// The id as listed by the source.
    pub tenant_id: String,
    /// The GreenLake workspace id (hyphenated), when known.
    pub workspace_id: Option<String>,
    /// The tenant's name.
    pub tenant_name: String,
    /// How it ended.
    #[serde(flatten)]
    pub status: TenantStatus,
    /// Records written.
    pub records: u64,
    /// Requests, retries, 429s and token refreshes of this tenant's calls.
    #[serde(flatten)]
    pub calls: TallySnapshot,
    /// How long the job ran, in milliseconds.
    pub duration_ms: u64,
}

impl TenantOutcome {
    /// Whether the tenant still needs a run (failed or skipped).
    pub fn needs_rerun(&self) -> bool {
        !matches!(self.status, TenantStatus::Ok)
    }
}

/// The result of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// One outcome per tenant, in completion order.
    pub tenants: Vec<TenantOutcome>,
    /// Listing the tenants failed part-way (the tenants listed before still ran).
    pub source_error: Option<String>,
    /// The run was interrupted (Ctrl-C).
    pub interrupted: bool,
    /// Wall time of the run, in milliseconds.
    pub duration_ms: u64,
}

impl Report {
    /// Tenants that completed.
    pub fn succeeded(&self) -> usize {
        self.count(|s| matches!(s, TenantStatus::Ok))
    }

    /// Tenants that failed.
    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, TenantStatus::Failed { .. }))
    }

    /// Tenants that did not run.
    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, TenantStatus::Skipped { .. }))
    }

    fn count(&self, f: impl Fn(&TenantStatus) -> bool) -> usize {
        self.tenants.iter().filter(|t| f(&t.status)).count()
    }

    /// Records written in all.
    pub fn records(&self) -> u64 {
        self.tenants.iter().map(|t| t.records).sum()
    }

    /// Calls of all tenants added up.
    pub fn calls(&self) -> TallySnapshot {
        self.tenants
            .iter()
            .fold(TallySnapshot::default(), |acc, t| acc + t.calls)
    }

    /// Whether every tenant completed and the listing was whole.
    pub fn all_succeeded(&self) -> bool {
        self.source_error.is_none()
            && !self.interrupted
            && self.tenants.iter().all(|t| !t.needs_rerun())
    }

    /// Ids (as listed) of tenants that failed or did not run: the input of a rerun.
    pub fn rerun_ids(&self) -> impl Iterator<Item = &str> {
        self.tenants
            .iter()
            .filter(|t| t.needs_rerun())
            .map(|t| t.workspace_id.as_deref().unwrap_or(&t.tenant_id))
    }

    /// A human summary: totals, then one line per tenant that did not succeed.
    pub fn summary(&self) -> String {
        let calls = self.calls();
        let secs = Duration::from_millis(self.duration_ms).as_secs_f64();
        let mut out = format!(
            "{} tenants: {} ok, {} failed, {} skipped | {} records | {} requests, {} retries, {} rate-limited (429), {} token refreshes | {:.1} s",
            self.tenants.len(),
            self.succeeded(),
            self.failed(),
            self.skipped(),
            self.records(),
            calls.requests,
            calls.retries,
            calls.rate_limited,
            calls.token_refreshes,
            secs,
        );
        if self.interrupted {
            out.push_str("\ninterrupted: tenants not done are listed as skipped");
        }
        if let Some(e) = &self.source_error {
            let _ = write!(out, "\nlisting tenants failed part-way: {e}");
        }
        for t in self.tenants.iter().filter(|t| t.needs_rerun()) {
            let _ = match &t.status {
                TenantStatus::Failed { kind, message } => write!(
                    out,
                    "\nFAILED  {} ({}) [{kind}] after {} records: {message}",
                    t.tenant_name, t.tenant_id, t.records
                ),
                TenantStatus::Skipped { reason } => {
                    write!(
                        out,
                        "\nSKIPPED {} ({}): {reason}",
                        t.tenant_name, t.tenant_id
                    )
                }
                TenantStatus::Ok => Ok(()),
            };
        }
        out
    }
}
