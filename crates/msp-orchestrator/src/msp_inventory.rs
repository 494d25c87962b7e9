//! [`collect_msp_inventory`]: the MSP-wide device inventory of every cluster
//! (`network-msp/v1/device-inventory`, one MSP token, no token exchange), each record attributed
//! to its tenant.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::{StreamExt as _, TryStreamExt as _};
use glp_auth::WorkspaceId;
use glp_transport::ApiError;
use glp_workspaces::WorkspacesClient;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::report::{Report, TenantOutcome, TenantStatus};
use crate::{Cancel, Clusters, Record, StopLevel, rfc3339};

/// The resource name of the MSP-wide inventory in records and on the command line.
pub const MSP_INVENTORY: &str = "msp/device-inventory";

/// The tenant fields of an MSP inventory item (when the server sends them).
#[derive(Deserialize)]
struct Attribution {
    #[serde(rename = "tenantName")]
    tenant_name: Option<String>,
    #[serde(rename = "tenantId", default, deserialize_with = "lenient_text")]
    tenant_id: Option<String>,
}

fn lenient_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Reads every cluster's MSP inventory into `records`.
///
/// Each item is attributed by its `tenantName` to the GreenLake workspace of that exact name
/// (`tenant_id`/`workspace_id`), with its `tenantId` as `central_tenant_id` and its cluster.
/// The report has one outcome per GreenLake tenant: `ok` with its record count when a cluster
/// lists it (list-tenants, read first), `no_cluster` when none does; and, when some records
/// name no GreenLake tenant of this MSP (or a name two workspaces share), one `failed` outcome
/// `unattributed` counting them (they are written, with an empty `workspace_id`). A cluster
/// whose inventory fails part-way is the report's `source_error`; the records read stay.
pub async fn collect_msp_inventory(
    workspaces: &WorkspacesClient,
    clusters: &Clusters,
    records: mpsc::Sender<Record>,
    cancel: &Cancel,
) -> Result<Report, ApiError> {
    let started = Instant::now();
    let glp: Vec<glp_workspaces::Tenant> = workspaces.msp_tenants().stream().try_collect().await?;
    let mut by_name: HashMap<String, Vec<WorkspaceId>> = HashMap::new();
    for t in &glp {
        by_name
            .entry(t.workspace_name.clone())
            .or_default()
            .push(t.id);
    }
    let listed = clusters.list_tenants().await?;
    let mut cluster_of: HashMap<String, String> = HashMap::new();
    for (cluster, tenants) in &listed {
        for t in tenants {
            cluster_of
                .entry(t.tenant_name.clone())
                .or_insert_with(|| cluster.clone());
        }
    }
    let by_name = Arc::new(by_name);
    let counts: Arc<std::sync::Mutex<HashMap<WorkspaceId, u64>>> = Arc::default();
    let unattributed = Arc::new(AtomicU64::new(0));
    let reads = clusters.iter().map(|c| {
        let (records, by_name, counts, unattributed) = (
            records.clone(),
            by_name.clone(),
            counts.clone(),
            unattributed.clone(),
        );
        let (name, client) = (c.name.clone(), c.client.clone());
        async move {
            // Pages are numbered: after the first, the others are fetched PARALLEL_PAGES at
            // once; fewer items than the total is an error (the records read stay written).
            let mut items = client
                .msp_device_inventory()
                .raw()
                .stream_parallel(PARALLEL_PAGES);
            loop {
                let item = tokio::select! {
                    biased;
                    _ = cancel.reached(StopLevel::Drain) => return Ok(false),
                    item = items.next() => item,
                };
                let Some(item) = item else { return Ok(true) };
                let data = item?;
                let who: Attribution = serde_json::from_str(data.get()).unwrap_or(Attribution {
                    tenant_name: None,
                    tenant_id: None,
                });
                let tenant_name = who.tenant_name.unwrap_or_default();
                let workspace = match by_name.get(&tenant_name).map(Vec::as_slice) {
                    Some([id]) => Some(*id),
                    _ => None,
                };
                match workspace {
                    Some(id) => {
                        if let Ok(mut c) = counts.lock() {
                            *c.entry(id).or_default() += 1;
                        }
                    }
                    None => {
                        unattributed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let id = workspace.map(|w| w.hyphenated()).unwrap_or_default();
                let record = Record {
                    tenant_id: id.clone(),
                    workspace_id: id,
                    tenant_name,
                    central_tenant_id: who.tenant_id,
                    cluster: Some(name.clone()),
                    resource: MSP_INVENTORY.to_owned(),
                    collected_at: rfc3339(std::time::SystemTime::now()),
                    data,
                };
                if records.send(record).await.is_err() {
                    return Ok(false);
                }
            }
        }
    });
    let results: Vec<Result<bool, ApiError>> = futures::future::join_all(reads).await;
    drop(records);
    let mut report = Report::default();
    let errors: Vec<String> = results
        .iter()
        .zip(clusters.iter())
        .filter_map(|(r, c)| r.as_ref().err().map(|e| format!("{}: {e}", c.name)))
        .collect();
    if !errors.is_empty() {
        report.source_error = Some(format!(
            "the MSP device inventory failed part-way ({})",
            errors.join("; ")
        ));
    }
    report.interrupted = cancel.level() >= StopLevel::Drain;
    let counts = counts.lock().map(|c| c.clone()).unwrap_or_default();
    for t in &glp {
        let cluster = cluster_of.get(&t.workspace_name).cloned();
        let status = match &cluster {
            Some(_) => TenantStatus::Ok,
            None => TenantStatus::NoCluster {
                reason: format!(
                    "no Central cluster of this run lists this tenant (list-tenants of {})",
                    clusters.names()
                ),
            },
        };
        report.tenants.push(TenantOutcome {
            tenant_id: t.id.hyphenated(),
            workspace_id: Some(t.id.hyphenated()),
            tenant_name: t.workspace_name.clone(),
            central_tenant_id: None,
            cluster,
            status,
            records: counts.get(&t.id).copied().unwrap_or(0),
            calls: Default::default(),
            duration_ms: 0,
            resources: Vec::new(),
        });
    }
    let unattributed = unattributed.load(Ordering::Relaxed);
    if unattributed > 0 {
        report.tenants.push(TenantOutcome {
            tenant_id: String::new(),
            workspace_id: None,
            tenant_name: "(unattributed)".into(),
            central_tenant_id: None,
            cluster: None,
            status: TenantStatus::Failed {
                kind: "unattributed".into(),
                message: format!(
                    "{unattributed} records name no GreenLake tenant of this MSP (or a name two \
                     workspaces share); they are written with an empty workspace_id"
                ),
            },
            records: unattributed,
            calls: Default::default(),
            duration_ms: 0,
            resources: Vec::new(),
        });
    }
    report.duration_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// Pages of the MSP inventory fetched at once after the first.
const PARALLEL_PAGES: usize = 4;
