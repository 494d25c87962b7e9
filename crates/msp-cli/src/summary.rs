//! The per-tenant summary table printed at the end of a run: one row per tenant, failures
//! first, with its records per resource, requests, 429s and time.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use glp_auth::text::escape_control;
use msp_orchestrator::{NOT_STARTED, Report, TenantStatus};

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

/// Columns a character takes on a terminal, roughly: 0 for joiners, variation selectors and
/// combining marks, 2 for East Asian wide characters and emoji, else 1.
fn char_width(c: char) -> usize {
    match u32::from(c) {
        0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F => 0,
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// `text` escaped and cut to `max` columns (with `…` when cut).
pub(crate) fn cut(text: &str, max: usize) -> String {
    let clean = escape_control(text).into_owned();
    if width(&clean) <= max {
        return clean;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in clean.chars() {
        if used + char_width(c) > max - 1 {
            break;
        }
        used += char_width(c);
        out.push(c);
    }
    out.push('…');
    out
}

pub(crate) fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width(text))))
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
            !(report.interrupted
                && matches!(&t.status, TenantStatus::Skipped { reason } if reason == NOT_STARTED))
        })
        .collect();
    rows.sort_by(|a, b| {
        rank(&a.status)
            .cmp(&rank(&b.status))
            .then_with(|| a.tenant_name.cmp(&b.tenant_name))
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}  {}  {:>8}  {:>5}  {:>8}",
        pad("TENANT", 30),
        pad("STATUS", 8),
        pad("RECORDS", 40),
        "REQUESTS",
        "429S",
        "TIME"
    );
    for t in rows {
        let status = match &t.status {
            TenantStatus::Ok => "ok",
            TenantStatus::Failed { .. } => "FAILED",
            TenantStatus::Skipped { .. } => "skipped",
            TenantStatus::NoCluster { .. } => "no_cluster",
        };
        let shown = pad(status, 8);
        let shown = match (&t.status, colour) {
            (TenantStatus::Failed { .. }, true) => format!("\x1b[31m{shown}\x1b[0m"),
            (TenantStatus::Skipped { .. } | TenantStatus::NoCluster { .. }, true) => {
                format!("\x1b[33m{shown}\x1b[0m")
            }
            _ => shown,
        };
        let _ = writeln!(
            out,
            "{}  {shown}  {}  {:>8}  {:>5}  {:>7.1}s",
            pad(&cut(&t.tenant_name, 30), 30),
            pad(&cut(&counts.of(&t.tenant_id), 40), 40),
            t.calls.requests,
            t.calls.rate_limited,
            t.duration_ms as f64 / 1000.0
        );
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
        assert_eq!(width("台北"), 4);
        assert_eq!(cut("台北科技有限公司", 5), "台北…");
    }
}
