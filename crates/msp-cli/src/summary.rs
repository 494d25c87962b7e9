//! The per-tenant summary table printed at the end of a run: one row per tenant, failures
//! first, with its records per resource, requests, 429s and time.

use std::collections::{BTreeMap, HashMap};

use msp_orchestrator::table::{Column, Table, Width, cut_with_id};
use msp_orchestrator::{NOT_STARTED, Report, TenantStatus};

/// The width of the TENANT column.
const TENANT_COLUMNS: usize = 30;

/// Records written, per tenant (its `tenant_id`) and resource.
#[derive(Debug, Default)]
pub(crate) struct Counts(HashMap<String, BTreeMap<String, u64>>);

impl Counts {
    /// Counts one record.
    pub(crate) fn add(&mut self, tenant_id: &str, resource: &str) {
        let per = self.0.entry(tenant_id.to_owned()).or_default();
        match per.get_mut(resource) {
            Some(n) => *n += 1,
            None => {
                per.insert(resource.to_owned(), 1);
            }
        }
    }

    fn of(&self, tenant_id: &str) -> String {
        match self.0.get(tenant_id) {
            None => "0".into(),
            Some(per) if per.len() == 1 => per.values().sum::<u64>().to_string(),
            Some(per) => per
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Whether colours may be used on stderr: a terminal, and no `NO_COLOR` (any non-empty value).
pub(crate) fn colour_on_stderr() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The table: failed tenants first, then those that did not run, then the rest, each group by
/// name. Server text is escaped; colour (red FAILED, yellow skipped) only when `colour`.
pub(crate) fn table(report: &Report, counts: &Counts, colour: bool) -> String {
    let rank = |s: &TenantStatus| match s {
        TenantStatus::Failed { .. } => 0,
        TenantStatus::Skipped { .. } | TenantStatus::NoCluster { .. } => 1,
        TenantStatus::Ok => 2,
    };
    // After an interruption, the tenants it kept from starting are one line of the summary,
    // not a row each.
    let mut rows: Vec<_> = report
        .tenants
        .iter()
        .filter(|t| {
            !((report.interrupted || report.output_failed)
                && matches!(&t.status, TenantStatus::Skipped { reason } if reason == NOT_STARTED))
        })
        .collect();
    rows.sort_by(|a, b| {
        rank(&a.status)
            .cmp(&rank(&b.status))
            .then_with(|| a.tenant_name.cmp(&b.tenant_name))
    });
    let table = Table::new([
        Column::left("TENANT", Width::Fixed(TENANT_COLUMNS)),
        Column::left("STATUS", Width::AtLeast(8)),
        Column::left("RECORDS", Width::Fixed(40)),
        Column::right("REQUESTS", Width::AtLeast(8)),
        Column::right("429S", Width::AtLeast(5)),
        Column::right("TIME", Width::AtLeast(8)),
    ]);
    let mut out = table.header();
    for t in rows {
        let status = match &t.status {
            TenantStatus::Ok => "ok",
            TenantStatus::Failed { .. } => "FAILED",
            TenantStatus::Skipped { .. } => "skipped",
            TenantStatus::NoCluster { .. } => "no_cluster",
        };
        let cells = [
            // A long name is cut, keeping a short id: long names that start alike stay apart.
            cut_with_id(&t.tenant_name, &t.tenant_id, TENANT_COLUMNS),
            status.to_owned(),
            counts.of(&t.tenant_id),
            t.calls.requests.to_string(),
            t.calls.rate_limited.to_string(),
            format!("{:.1}s", t.duration_ms as f64 / 1000.0),
        ];
        out.push_str(&table.line_styled(&cells, |column, cell| {
            match (column, &t.status, colour) {
                (1, TenantStatus::Failed { .. }, true) => format!("\x1b[31m{cell}\x1b[0m"),
                (1, TenantStatus::Skipped { .. } | TenantStatus::NoCluster { .. }, true) => {
                    format!("\x1b[33m{cell}\x1b[0m")
                }
                _ => cell,
            }
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use msp_orchestrator::TenantOutcome;

    fn outcome(id: &str, name: &str, status: TenantStatus) -> TenantOutcome {
        TenantOutcome {
            tenant_id: id.into(),
            workspace_id: None,
            tenant_name: name.into(),
            central_tenant_id: None,
            cluster: None,
            status,
            records: 0,
            calls: Default::default(),
            duration_ms: 1500,
            resources: Vec::new(),
        }
    }

    #[test]
    fn failures_first_and_not_started_tenants_left_to_the_summary_line() {
        let report = Report {
            tenants: vec![
                outcome("a", "Alpha", TenantStatus::Ok),
                outcome(
                    "z",
                    "Zulu\u{1b}[2J",
                    TenantStatus::Failed {
                        kind: "forbidden".into(),
                        message: "HTTP 403".into(),
                    },
                ),
                outcome(
                    "n",
                    "Never",
                    TenantStatus::Skipped {
                        reason: NOT_STARTED.into(),
                    },
                ),
            ],
            interrupted: true,
            ..Report::default()
        };
        let mut counts = Counts::default();
        counts.add("a", "aps");
        counts.add("a", "aps");
        let text = table(&report, &counts, true);
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 3, "{text}");
        assert!(rows[1].starts_with("Zulu\\u{1b}[2J") && rows[1].contains("\u{1b}[31mFAILED"));
        assert!(
            rows[2].starts_with("Alpha") && rows[2].contains("  2  "),
            "{text}"
        );
        assert!(!table(&report, &counts, false).contains('\u{1b}'));
    }

    #[test]
    fn long_names_that_start_alike_keep_a_short_id() {
        let name = |n: u32| format!("Ampersand & Equals = Partners {n}");
        let report = Report {
            tenants: (1..=3)
                .map(|n| {
                    outcome(
                        &format!("{n}cddb4da-9cd9-436f-8d5f-d00ee5b781f5"),
                        &name(n),
                        TenantStatus::Ok,
                    )
                })
                .collect(),
            ..Report::default()
        };
        let text = table(&report, &Counts::default(), false);
        let tenants: std::collections::BTreeSet<&str> = text
            .lines()
            .skip(1)
            .map(|l| &l[..l.find("  ok").expect("an ok row")])
            .collect();
        assert_eq!(tenants.len(), 3, "each row tells its tenant: {text}");
        assert!(text.contains("… 1cddb4da"), "{text}");
    }
}
