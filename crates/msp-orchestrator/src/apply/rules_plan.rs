//! [`plan_rules`]: the [`RuleAction`]s of a manifest's `[[notification_rules]]` in every
//! GreenLake workspace they select, each tenant placed on the Central cluster whose
//! list-tenants holds its name and its rules read there with its own token.

use std::collections::HashMap;

use futures::StreamExt as _;
use glp_transport::ApiError;
use glp_workspaces::Tenant;

use super::manifest::Manifest;
use super::rules::{RuleAction, RuleTenant, plan_rule};
use super::rules_execute::read_rules;
use crate::{Clusters, TenantRef};

/// The rule actions of `manifest` against `tenants` (every workspace of the MSP), in entry
/// order then tenant order, reading at most `concurrency` tenants at once. A selected tenant
/// that no cluster lists, or whose name two clusters list, is a `cannot`, and so is one whose
/// rules could not be read; only a failure to read the clusters' list-tenants is an error.
pub async fn plan_rules(
    clusters: &Clusters,
    manifest: &Manifest,
    tenants: &[Tenant],
    concurrency: usize,
) -> Result<Vec<RuleAction>, ApiError> {
    if manifest.notification_rules.is_empty() {
        return Ok(Vec::new());
    }
    let mut placed: HashMap<String, Vec<String>> = HashMap::new();
    for (cluster, listed) in clusters.list_tenants().await? {
        for t in listed {
            placed
                .entry(t.tenant_name)
                .or_default()
                .push(cluster.clone());
        }
    }
    let selected: Vec<(usize, &Tenant)> = manifest
        .notification_rules
        .iter()
        .enumerate()
        .flat_map(|(i, entry)| {
            tenants
                .iter()
                .filter(|t| entry.selects(&TenantRef::from_workspace(t.id, &t.workspace_name)))
                .map(move |t| (i, t))
        })
        .collect();
    let work = selected.into_iter().map(|(i, t)| {
        let entry = &manifest.notification_rules[i];
        let placed = placed.get(&t.workspace_name).map(Vec::as_slice);
        async move {
            let spec = entry.spec();
            let mut tenant = TenantRef::from_workspace(t.id, &t.workspace_name);
            let cannot = |tenant: &TenantRef, why: String| RuleAction::Cannot {
                tenant: RuleTenant::of(tenant),
                name: spec.name.clone(),
                why,
            };
            let cluster = match placed {
                Some([one]) => one.clone(),
                None | Some([]) => {
                    return cannot(
                        &tenant,
                        format!(
                            "no Central cluster of the run ({}) lists it",
                            clusters.names()
                        ),
                    );
                }
                Some(several) => {
                    return cannot(
                        &tenant,
                        format!("{} Central clusters list its name", several.len()),
                    );
                }
            };
            tenant.cluster = Some(cluster);
            let client = clusters
                .for_tenant(tenant.cluster.as_deref())
                .client
                .tenant(t.id);
            match read_rules(&client, &[spec.name.as_str()]).await {
                Ok(found) => plan_rule(&spec, &tenant, &found),
                Err(e) => cannot(&tenant, format!("its rules could not be read: {e}")),
            }
        }
    });
    Ok(futures::stream::iter(work)
        .buffered(concurrency.max(1))
        .collect()
        .await)
}
