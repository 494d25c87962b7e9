//! `refresh_tenant`: one tenant collected live into the store, through the [`Refresh`] the
//! program gives (the one that holds the credential), then read back.

use std::collections::BTreeMap;

use msp_store::Store;
use serde_json::{Value, json};

use super::{ToolError, resolve_tenant};

/// A live collection of one tenant into the store, as a run of its own: what the program that
/// holds the credential provides (`msp-orchestrator mcp` runs a `snapshot` of the tenant).
#[async_trait::async_trait]
pub trait Refresh: Send + Sync + std::fmt::Debug {
    /// Collects `resources` of the tenant whose id is `tenant_id` into the store now. `Err`:
    /// why not, in one line without a secret.
    async fn refresh(&self, tenant_id: &str, resources: &[String]) -> Result<(), String>;
}

/// What to refresh: the tenant `(id, name)` and the resources of its latest run.
pub(crate) fn plan(
    store: &Store,
    tenant: &str,
) -> Result<(String, String, Vec<String>), ToolError> {
    let (id, name) = resolve_tenant(store, tenant)?;
    let run = store
        .tenant_outcomes()?
        .into_iter()
        .find(|t| t.tenant_id == id)
        .map(|t| t.run_id)
        .ok_or_else(|| ToolError::invalid(format!("no run holds the tenant {name:?}")))?;
    Ok((id, name, store.run(run)?.resources))
}

/// The tenant's latest outcome and devices by status, after a refresh.
pub(crate) fn after(
    store: &Store,
    id: &str,
    name: &str,
    resources: &[String],
) -> Result<Value, ToolError> {
    let outcome = store
        .tenant_outcomes()?
        .into_iter()
        .find(|t| t.tenant_id == id);
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    for d in store.devices(Some(id))? {
        *by_status.entry(d.status.unwrap_or_default()).or_default() += 1;
    }
    Ok(json!({
        "tenant_id": id,
        "tenant_name": name,
        "resources": resources,
        "run": outcome.as_ref().map(|o| json!({
            "id": o.run_id,
            "started": o.started,
            "outcome": o.outcome(),
            "error": o.error,
        })),
        "by_status": by_status,
        "note": "collected live just now into the store: the other tools read it from there",
    }))
}
