//! [`Report`]: what happened to every tenant, with totals.

use std::fmt::Write as _;
use std::time::Duration;

use glp_auth::text::{escape_control, redact};
use glp_transport::TallySnapshot;
use serde::Serialize;

use crate::table::count;

/// `text` redacted and on one terminal line: its lines (an error and its hints) joined with
/// ` | `, control characters escaped. Server text in it cannot forge a line of the summary.
pub fn one_line(text: &str) -> String {
    let text = redact(text);
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| escape_control(l).into_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// `text` redacted, its lines kept and each line's control
/// characters escaped: for an error that is a list (the clusters tried, the problems found).
pub fn lines(text: &str) -> String {
    let text = redact(text);
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .map(|l| escape_control(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

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
    /// No Central cluster of the run lists the tenant (`no_cluster`): it did not run.
    NoCluster {
        /// Why, with the clusters looked at.
        reason: String,
    },
}

/// The outcome of one tenant.
#[derive(Debug, Clone, Serialize)]
pub struct TenantOutcome {
    /// The GreenLake workspace id (hyphenated) when known; else the id as the source listed
    /// it (an entry that could not be resolved to a workspace).
    pub tenant_id: String,
    /// The GreenLake workspace id (hyphenated), when known.
    pub workspace_id: Option<String>,
    /// The tenant's name.
    pub tenant_name: String,
    /// Central's id of the tenant, when Central listed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub central_tenant_id: Option<String>,
    /// The Central cluster the tenant ran on, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
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
    /// How each resource of the tenant's job ended, in order, when it collected several (a
    /// resource that failed did not stop the next): which failed with what, which succeeded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<crate::PartOutcome>,
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
    /// The MSP client credential was refused mid-run (revoked or rotated secret): the error,
    /// with its hint. No tenant started after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_rejected: Option<String>,
    /// The server refused the first tenant's request as malformed (the user's filter, sort or
    /// parameters): the error. No other tenant started
    /// ([`Orchestrator::stop_on_bad_request`](crate::Orchestrator::stop_on_bad_request)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_refused: Option<String>,
    /// The run was interrupted (Ctrl-C or SIGTERM).
    pub interrupted: bool,
    /// The run stopped because writing its output failed (a full disk): tenants not done are
    /// listed as failed (`output`) or not started.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub output_failed: bool,
    /// What the user should know about the run besides its tenants (e.g. a tenant listing
    /// whose `total` disagrees with the tenants it delivered), each a sentence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
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

    /// Tenants that did not run (skipped, or on no cluster).
    pub fn skipped(&self) -> usize {
        self.count(|s| {
            matches!(
                s,
                TenantStatus::Skipped { .. } | TenantStatus::NoCluster { .. }
            )
        })
    }

    /// Tenants no Central cluster of the run lists.
    pub fn no_cluster(&self) -> usize {
        self.count(|s| matches!(s, TenantStatus::NoCluster { .. }))
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
            && self.credential_rejected.is_none()
            && self.query_refused.is_none()
            && !self.interrupted
            && self.tenants.iter().all(|t| !t.needs_rerun())
    }

    /// Workspace ids (hyphenated, validated: never server text) of tenants that failed or did
    /// not run: the input of a rerun. Tenants with no known workspace id (an invalid id, a
    /// Central tenant that did not resolve) cannot be rerun by id and are left out: see
    /// [`not_rerunnable`](Self::not_rerunnable).
    pub fn rerun_ids(&self) -> impl Iterator<Item = &str> {
        self.tenants
            .iter()
            .filter(|t| t.needs_rerun())
            .filter_map(|t| t.workspace_id.as_deref())
    }

    /// How many tenants that did not complete have no workspace id to rerun them by.
    pub fn not_rerunnable(&self) -> usize {
        self.tenants
            .iter()
            .filter(|t| t.needs_rerun() && t.workspace_id.is_none())
            .count()
    }

    /// A human summary: totals, then one line per tenant that did not succeed. Server text
    /// (names, ids, messages) is escaped (control characters shown as `\n`, `\u{1b}`): the
    /// summary is safe to print on a terminal and has exactly one line per tenant.
    pub fn summary(&self) -> String {
        let calls = self.calls();
        let secs = Duration::from_millis(self.duration_ms).as_secs_f64();
        let mut out = format!(
            "{}: {} ok, {} failed, {} skipped | {} | {}, {}, {} rate-limited (429), {} | {:.1} s",
            count(self.tenants.len(), "tenant", "tenants"),
            self.succeeded(),
            self.failed(),
            self.skipped(),
            count(self.records(), "record", "records"),
            count(calls.requests, "request", "requests"),
            count(calls.retries, "retry", "retries"),
            calls.rate_limited,
            count(calls.token_refreshes, "token refresh", "token refreshes"),
            secs,
        );
        let no_cluster = self.no_cluster();
        if no_cluster > 0 {
            let _ = write!(
                out,
                "\n{no_cluster} tenant{} on no Central cluster of this run (no_cluster): name \
                 every cluster of the MSP (--central-cluster A,B or auto)",
                if no_cluster == 1 { "" } else { "s" }
            );
        }
        let not_started = self
            .tenants
            .iter()
            .filter(|t| is_not_started(&t.status))
            .count();
        if self.interrupted || self.output_failed {
            out.push_str(if self.output_failed {
                "\nstopped: writing the output failed; tenants not done are listed as skipped"
            } else {
                "\ninterrupted: tenants not done are listed as skipped"
            });
            if not_started > 0 {
                let _ = write!(
                    out,
                    "\nSKIPPED {} not started before the {}",
                    count(not_started, "tenant", "tenants"),
                    if self.output_failed {
                        "stop"
                    } else {
                        "interruption"
                    }
                );
            }
        }
        let refused_skips = self
            .tenants
            .iter()
            .filter(|t| is_query_not_started(&t.status))
            .count();
        if self.query_refused.is_some() {
            let _ = write!(
                out,
                "\nCentral refused the request of the first tenant (its --filter, --sort or \
                 --param): no other tenant started"
            );
            if refused_skips > 0 {
                let _ = write!(
                    out,
                    "\nSKIPPED {refused_skips} tenant{} not started: {QUERY_NOT_STARTED}",
                    if refused_skips == 1 { "" } else { "s" }
                );
            }
        }
        // The tenants a cluster did not know: one line, not one long error each.
        let mut elsewhere: Vec<&TenantOutcome> = self
            .tenants
            .iter()
            .filter(|t| is_other_cluster(&t.status))
            .collect();
        // By name: the same tenants are named whatever order they finished in.
        elsewhere.sort_by(|a, b| a.tenant_name.cmp(&b.tenant_name));
        if !elsewhere.is_empty() {
            let mut clusters: Vec<&str> = elsewhere
                .iter()
                .filter_map(|t| t.cluster.as_deref())
                .collect();
            clusters.sort_unstable();
            clusters.dedup();
            let on = if clusters.is_empty() {
                "the configured Central cluster".to_owned()
            } else {
                escape_control(&clusters.join(", ")).into_owned()
            };
            let first: Vec<String> = elsewhere
                .iter()
                .take(3)
                .map(|t| escape_control(&t.tenant_name).into_owned())
                .collect();
            let more = elsewhere.len().saturating_sub(first.len());
            let _ = write!(
                out,
                "\nOTHER CLUSTER {n} tenant{s} {are} not on {on} (Central answered 401 to {their} \
                 own token{s}): {names}{more}; they live on another Central cluster: name every \
                 cluster of the MSP (--central-cluster A,B) or use --central-cluster auto",
                n = elsewhere.len(),
                s = if elsewhere.len() == 1 { "" } else { "s" },
                are = if elsewhere.len() == 1 { "is" } else { "are" },
                their = if elsewhere.len() == 1 { "its" } else { "their" },
                names = first.join(", "),
                more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
            );
        }
        if let Some(e) = &self.credential_rejected {
            let _ = write!(
                out,
                "\nthe MSP client credential was refused; no tenant started after it: {}",
                one_line(e)
            );
        }
        if let Some(e) = &self.source_error {
            let _ = write!(out, "\nlisting tenants failed part-way: {}", one_line(e));
        }
        for warning in &self.warnings {
            let _ = write!(out, "\nwarning: {}", one_line(warning));
        }
        // Tenants not started by an interruption have the one line above, not one each.
        let stopped = self.interrupted || self.output_failed;
        let grouped = |t: &&TenantOutcome| {
            (stopped && is_not_started(&t.status))
                || is_query_not_started(&t.status)
                || is_other_cluster(&t.status)
        };
        let listed = |t: &&TenantOutcome| !grouped(t);
        for t in self
            .tenants
            .iter()
            .filter(|t| t.needs_rerun())
            .filter(listed)
        {
            let (name, id) = (escape_control(&t.tenant_name), escape_control(&t.tenant_id));
            let _ = match &t.status {
                TenantStatus::Failed { kind, message } => write!(
                    out,
                    "\nFAILED  {name} ({id}) [{}] after {} records: {}{}",
                    escape_control(kind),
                    t.records,
                    one_line(message),
                    match crate::part::parts_line(&t.resources) {
                        parts if parts.is_empty() => parts,
                        parts => format!(" | resources: {parts}"),
                    }
                ),
                TenantStatus::Skipped { reason } => {
                    write!(out, "\nSKIPPED {name} ({id}): {}", one_line(reason))
                }
                TenantStatus::NoCluster { reason } => {
                    write!(out, "\nNO CLUSTER {name} ({id}): {}", one_line(reason))
                }
                TenantStatus::Ok => Ok(()),
            };
        }
        out
    }
}

/// The reason of a tenant an interruption kept from starting ([`TenantStatus::Skipped`]).
pub const NOT_STARTED: &str = "interrupted before it started";

/// The reason of a tenant not started because the server refused the first tenant's request
/// as malformed ([`Report::query_refused`]).
pub const QUERY_NOT_STARTED: &str = "the server refused the first tenant's request (HTTP 4xx: the query), so no other tenant started";

fn is_query_not_started(status: &TenantStatus) -> bool {
    matches!(status, TenantStatus::Skipped { reason } if reason == QUERY_NOT_STARTED)
}

fn is_other_cluster(status: &TenantStatus) -> bool {
    matches!(status, TenantStatus::Failed { kind, .. } if kind == crate::outcomes::OTHER_CLUSTER)
}

fn is_not_started(status: &TenantStatus) -> bool {
    matches!(status, TenantStatus::Skipped { reason } if reason == NOT_STARTED)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(
        id: &str,
        workspace: Option<&str>,
        name: &str,
        status: TenantStatus,
    ) -> TenantOutcome {
        TenantOutcome {
            tenant_id: id.into(),
            workspace_id: workspace.map(str::to_owned),
            tenant_name: name.into(),
            central_tenant_id: None,
            cluster: None,
            status,
            records: 0,
            calls: TallySnapshot::default(),
            duration_ms: 0,
            resources: Vec::new(),
        }
    }

    #[test]
    fn summary_lines_escape_server_text_and_rerun_ids_are_validated() {
        let report = Report {
            tenants: vec![
                outcome(
                    "id-1\nFAILED  forged (x)",
                    Some("3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c"),
                    "Evil\u{1b}[2J\u{1b}]0;title\u{7}",
                    TenantStatus::Failed {
                        kind: "server_error".into(),
                        message: "HTTP 500: boom\nSKIPPED forged\n  hint: ours".into(),
                    },
                ),
                outcome(
                    "central-id\n3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1d",
                    None,
                    "Unresolved\r\nname",
                    TenantStatus::Skipped {
                        reason: "no workspace\u{9b}31m".into(),
                    },
                ),
            ],
            source_error: Some("listing broke\n\u{1b}[31mred".into()),
            ..Report::default()
        };
        let summary = report.summary();
        for c in summary.chars().filter(|c| *c != '\n') {
            assert!(!c.is_control(), "a raw control character: {summary:?}");
        }
        // Totals, the listing error, one line per tenant: nothing forged.
        assert_eq!(summary.lines().count(), 4, "{summary}");
        assert!(
            summary.contains("boom | SKIPPED forged | hint: ours"),
            "{summary}"
        );
        // Only ids we rendered go to --failed-out.
        let ids: Vec<&str> = report.rerun_ids().collect();
        assert_eq!(ids, ["3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c"]);
        assert_eq!(report.not_rerunnable(), 1);
    }

    #[test]
    fn an_interruption_gives_one_line_for_the_tenants_it_kept_from_starting() {
        let not_started = || TenantStatus::Skipped {
            reason: NOT_STARTED.into(),
        };
        let report = Report {
            tenants: vec![
                outcome("a", None, "A", not_started()),
                outcome("b", None, "B", not_started()),
                outcome(
                    "c",
                    None,
                    "C",
                    TenantStatus::Failed {
                        kind: "timeout".into(),
                        message: "slow".into(),
                    },
                ),
            ],
            interrupted: true,
            ..Report::default()
        };
        let summary = report.summary();
        assert_eq!(summary.matches("SKIPPED").count(), 1, "{summary}");
        assert!(
            summary.contains("SKIPPED 2 tenants not started"),
            "{summary}"
        );
        assert_eq!(summary.matches("FAILED").count(), 1, "{summary}");
    }
}
