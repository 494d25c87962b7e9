//! `overview`: Central's MSP health rollup (list-tenants: sites, degraded sites, device health,
//! alerts) of every tenant on every cluster, joined with GreenLake's tenant list; worst first.
//! One MSP token, no exchange.

use std::collections::HashMap;
use std::io::Write;

use central_api::CentralTenant;
use futures::TryStreamExt as _;
use msp_orchestrator::csv_field;
use msp_orchestrator::table::{Column, Table, Width};
use serde::Serialize;

use crate::args::TenantFormat;
use crate::context::Context;

/// One row: a tenant with its health.
#[derive(Debug, Clone, Default, Serialize)]
struct Row {
    /// The GreenLake workspace id (hyphenated), when the name resolves to exactly one.
    workspace_id: Option<String>,
    tenant_name: String,
    /// The cluster whose list-tenants holds the tenant; `None`: on no cluster.
    cluster: Option<String>,
    central_tenant_id: Option<String>,
    sites: Option<u64>,
    degraded_sites: Option<u64>,
    devices: Option<u64>,
    good: Option<u64>,
    fair: Option<u64>,
    poor: Option<u64>,
    alerts_critical: Option<u64>,
    alerts_major: Option<u64>,
    alerts_minor: Option<u64>,
    /// Epoch seconds, as Central sends it.
    last_updated: Option<i64>,
    /// Why the row is incomplete (on no cluster, an ambiguous name), if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl Row {
    fn from_central(cluster: &str, t: &CentralTenant) -> Row {
        let health = t.device_health_status.clone().unwrap_or_default();
        let alerts = t.alerts.clone().unwrap_or_default();
        Row {
            workspace_id: None,
            tenant_name: t.tenant_name.clone(),
            cluster: Some(cluster.to_owned()),
            central_tenant_id: Some(t.tenant_id.clone()),
            sites: t.total_sites,
            degraded_sites: t.degraded_sites,
            devices: health.total,
            good: health.good,
            fair: health.fair,
            poor: health.poor,
            alerts_critical: alerts.critical,
            alerts_major: alerts.major,
            alerts_minor: alerts.minor,
            last_updated: t.last_updated_time,
            note: None,
        }
    }

    /// Worst first: critical alerts, major alerts, poor devices, degraded sites; then by name.
    fn badness(&self) -> [u64; 4] {
        let n = |v: Option<u64>| v.unwrap_or(0);
        [
            n(self.alerts_critical),
            n(self.alerts_major),
            n(self.poor),
            n(self.degraded_sites),
        ]
    }
}

/// Reads every cluster's list-tenants and GreenLake's tenants, and joins them by exact name.
async fn rows(ctx: &Context) -> anyhow::Result<Vec<Row>> {
    let (central, glp) = tokio::try_join!(
        ctx.clusters.list_tenants(),
        ctx.workspaces
            .msp_tenants()
            .stream()
            .try_collect::<Vec<_>>()
    )?;
    let mut glp_by_name: HashMap<&str, Vec<String>> = HashMap::new();
    for t in &glp {
        glp_by_name
            .entry(t.workspace_name.as_str())
            .or_default()
            .push(t.id.hyphenated());
    }
    let mut listed: HashMap<String, usize> = HashMap::new();
    for (_, tenants) in &central {
        for t in tenants {
            *listed.entry(t.tenant_name.clone()).or_default() += 1;
        }
    }
    let mut rows = Vec::new();
    for (cluster, tenants) in &central {
        for t in tenants {
            let mut row = Row::from_central(cluster, t);
            match glp_by_name.get(t.tenant_name.as_str()).map(Vec::as_slice) {
                Some([id]) if listed.get(&t.tenant_name) == Some(&1) => {
                    row.workspace_id = Some(id.clone());
                }
                Some([_]) => {
                    row.note = Some("the name is on more than one cluster".into());
                }
                Some(ids) => {
                    row.note = Some(format!("{} GreenLake workspaces have this name", ids.len()));
                }
                None => row.note = Some("no GreenLake tenant workspace has this name".into()),
            }
            rows.push(row);
        }
    }
    // GreenLake tenants no cluster lists: shown, never dropped.
    for t in &glp {
        if !listed.contains_key(&t.workspace_name) {
            rows.push(Row {
                workspace_id: Some(t.id.hyphenated()),
                tenant_name: t.workspace_name.clone(),
                note: Some(format!(
                    "no_cluster: not listed by list-tenants of {}",
                    ctx.clusters.names()
                )),
                ..Row::default()
            });
        }
    }
    rows.sort_by(|a, b| {
        b.badness()
            .cmp(&a.badness())
            .then_with(|| a.tenant_name.cmp(&b.tenant_name))
    });
    Ok(rows)
}

fn num(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

/// Epoch seconds as RFC 3339 (UTC), or `-`.
fn when(v: Option<i64>) -> String {
    v.and_then(|s| u64::try_from(s).ok())
        .map(|s| {
            msp_orchestrator::rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s))
        })
        .unwrap_or_else(|| "-".into())
}

/// Prints the overview; exit 0 (or 3 when some tenant is on no cluster or unresolved).
pub(crate) async fn overview(ctx: &Context, format: TenantFormat) -> anyhow::Result<u8> {
    let rows = rows(ctx).await?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        TenantFormat::Table => {
            let number = |title, width| Column::right(title, Width::AtLeast(width));
            let table = Table::new([
                Column::left("TENANT", Width::Fixed(30)),
                Column::left("CLUSTER", Width::AtLeast(12)),
                number("SITES", 5),
                number("DEGRADED", 8),
                number("DEVICES", 7),
                number("GOOD", 5),
                number("FAIR", 5),
                number("POOR", 5),
                number("CRITICAL", 8),
                number("MAJOR", 5),
                number("MINOR", 5),
                Column::left("LAST UPDATE", Width::AtLeast(0)),
            ]);
            out.write_all(table.header().as_bytes())?;
            for r in &rows {
                let note = r.note.as_deref().map(|n| format!("  ({n})"));
                let cells = [
                    r.tenant_name.clone(),
                    r.cluster.clone().unwrap_or_else(|| "-".into()),
                    num(r.sites),
                    num(r.degraded_sites),
                    num(r.devices),
                    num(r.good),
                    num(r.fair),
                    num(r.poor),
                    num(r.alerts_critical),
                    num(r.alerts_major),
                    num(r.alerts_minor),
                    when(r.last_updated) + note.as_deref().unwrap_or_default(),
                ];
                out.write_all(table.line(&cells).as_bytes())?;
            }
        }
        TenantFormat::Csv => {
            writeln!(
                out,
                "workspace_id,tenant_name,cluster,central_tenant_id,sites,degraded_sites,devices,good,fair,poor,alerts_critical,alerts_major,alerts_minor,last_updated,note"
            )?;
            for r in &rows {
                let opt = |v: &Option<String>| csv_field(v.as_deref().unwrap_or_default());
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    opt(&r.workspace_id),
                    csv_field(&r.tenant_name),
                    opt(&r.cluster),
                    opt(&r.central_tenant_id),
                    r.sites.map(|v| v.to_string()).unwrap_or_default(),
                    r.degraded_sites.map(|v| v.to_string()).unwrap_or_default(),
                    r.devices.map(|v| v.to_string()).unwrap_or_default(),
                    r.good.map(|v| v.to_string()).unwrap_or_default(),
                    r.fair.map(|v| v.to_string()).unwrap_or_default(),
                    r.poor.map(|v| v.to_string()).unwrap_or_default(),
                    r.alerts_critical.map(|v| v.to_string()).unwrap_or_default(),
                    r.alerts_major.map(|v| v.to_string()).unwrap_or_default(),
                    r.alerts_minor.map(|v| v.to_string()).unwrap_or_default(),
                    r.last_updated.map(|v| when(Some(v))).unwrap_or_default(),
                    opt(&r.note),
                )?;
            }
        }
        TenantFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        TenantFormat::Jsonl => {
            for r in &rows {
                serde_json::to_writer(&mut out, r)?;
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    let incomplete = rows.iter().filter(|r| r.note.is_some()).count();
    eprintln!(
        "{} ({} with a note)",
        crate::plural(rows.len(), "tenant"),
        incomplete
    );
    Ok(if incomplete > 0 { 3 } else { 0 })
}
