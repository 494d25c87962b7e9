//! `list_tenants`: every tenant with its health, worst first.

use std::collections::BTreeMap;

use msp_store::{Store, is_alerts, is_append_only};
use serde::Serialize;
use serde_json::{Value, json};

use super::{ListTenantsArgs, ToolError, text};
use crate::limits::{Page, limit};

/// Devices and devices down of one resource of a tenant.
#[derive(Debug, Default, Serialize)]
struct ResourceHealth {
    resource: String,
    devices: u64,
    down: u64,
}

/// One tenant's health.
#[derive(Debug, Serialize)]
struct TenantHealth {
    tenant_id: String,
    tenant_name: String,
    /// `ok`, `failed` or `skipped`: the newest run holding the tenant.
    last_run_outcome: &'static str,
    last_run: i64,
    last_run_started: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_run_error: Option<String>,
    /// The largest count of a resource (the same devices are often in several).
    devices: u64,
    /// The largest count down of a resource.
    down: u64,
    resources: Vec<ResourceHealth>,
}

/// The rank of an outcome, worst first.
fn rank(outcome: &str) -> u8 {
    match outcome {
        "failed" => 0,
        "skipped" => 1,
        _ => 2,
    }
}

/// `list_tenants`.
pub(crate) fn list_tenants(store: &Store, args: &ListTenantsArgs) -> Result<Value, ToolError> {
    let limit = limit(args.limit)?;
    let needle = args
        .name_contains
        .as_deref()
        .map(|n| text("name_contains", n).map(str::to_lowercase))
        .transpose()?;
    let mut resources: BTreeMap<String, BTreeMap<String, ResourceHealth>> = BTreeMap::new();
    for row in store.status(None, None)? {
        if is_alerts(&row.resource) || is_append_only(&row.resource) {
            continue;
        }
        let health = resources
            .entry(row.tenant_id.clone())
            .or_default()
            .entry(row.resource.clone())
            .or_insert_with(|| ResourceHealth {
                resource: row.resource.clone(),
                ..ResourceHealth::default()
            });
        health.devices += row.count;
        if row.is_offline() {
            health.down += row.count;
        }
    }
    let mut tenants: Vec<TenantHealth> = store
        .tenant_outcomes()?
        .into_iter()
        .filter(|t| {
            needle
                .as_deref()
                .is_none_or(|n| t.tenant_name.to_lowercase().contains(n))
        })
        .map(|t| {
            let resources: Vec<ResourceHealth> = resources
                .remove(&t.tenant_id)
                .map(|r| r.into_values().collect())
                .unwrap_or_default();
            TenantHealth {
                last_run_outcome: t.outcome(),
                devices: resources.iter().map(|r| r.devices).max().unwrap_or(0),
                down: resources.iter().map(|r| r.down).max().unwrap_or(0),
                resources,
                last_run: t.run_id,
                last_run_started: t.started,
                last_run_error: t.error.map(|e| e.chars().take(300).collect()),
                tenant_id: t.tenant_id,
                tenant_name: t.tenant_name,
            }
        })
        .collect();
    tenants.sort_by(|a, b| {
        rank(a.last_run_outcome)
            .cmp(&rank(b.last_run_outcome))
            .then_with(|| b.down.cmp(&a.down))
            .then_with(|| a.tenant_name.cmp(&b.tenant_name))
            .then_with(|| a.tenant_id.cmp(&b.tenant_id))
    });
    let page = Page::of(
        &tenants,
        limit,
        "narrow with name_contains, or ask tenant_devices about one tenant",
    )?;
    let mut out = json!({
        "order": "worst first: a failed last run, then a skipped one, then the most devices down",
        "tenants": page,
    });
    if store.runs()?.is_empty() {
        out["note"] = json!("the store holds no run yet: run `msp-orchestrator snapshot` first");
    }
    Ok(out)
}
