//! [`plan_rules`]: the [`RuleAction`]s of a manifest's `[[notification_rules]]` and
//! `[[delete_notification_rules]]` in every GreenLake workspace they select, each tenant placed
//! on the Central cluster whose list-tenants holds its name and its rules read there once, with
//! its own token, for every entry selecting it.

use std::collections::HashMap;

use central_api::NotificationRule;
use futures::StreamExt as _;
use glp_transport::ApiError;
use glp_workspaces::Tenant;

use super::fingerprint;
use super::manifest::{Manifest, named_exactly};
use super::rules::{NO_CENTRAL, RuleAction, RuleTenant, plan_rule};
use super::rules_delete::plan_rule_delete;
use super::rules_execute::read_rules;
use crate::{Clusters, TenantRef};

/// What was read of one selected tenant.
enum Read {
    /// No cluster of the run lists it (the clusters' names).
    Unplaced(String),
    /// It cannot be planned: why.
    Failed(String),
    /// Its rules of the names the manifest gives, read whole, on its cluster, and their
    /// fingerprint.
    Found(TenantRef, Vec<NotificationRule>, String),
}

/// Places `tenant` (whose name the clusters list on `placed`) and reads its rules named as
/// one of `names`.
async fn read_tenant(
    clusters: &Clusters,
    mut tenant: TenantRef,
    placed: Option<&[String]>,
    names: &[&str],
) -> Read {
    let cluster = match placed {
        Some([one]) => one.clone(),
        None | Some([]) => return Read::Unplaced(clusters.names()),
        Some(several) => {
            return Read::Failed(format!("{} Central clusters list its name", several.len()));
        }
    };
    tenant.cluster = Some(cluster);
    let client = clusters
        .for_tenant(tenant.cluster.as_deref())
        .client
        .tenant(tenant.workspace_id);
    match read_rules(&client, names).await {
        Ok(found) => {
            let state = fingerprint(&serde_json::to_vec(&found).unwrap_or_default());
            Read::Found(tenant, found, state)
        }
        Err(e) => Read::Failed(format!("its rules could not be read: {e}")),
    }
}

/// The rule actions of `manifest` against `tenants` (every workspace of the MSP), in entry
/// order (`[[notification_rules]]`, then `[[delete_notification_rules]]`) then tenant order,
/// reading at most `concurrency` tenants at once, each once; deletions are planned as such
/// only when `allow_delete`. A selected tenant that no cluster lists is skipped
/// ([`NO_CENTRAL`]) when only globs select it, a `cannot` when the entry names it exactly; one
/// whose name two clusters list, or whose rules could not be read, is a `cannot`. Only a
/// failure to read the clusters' list-tenants is an error.
pub async fn plan_rules(
    clusters: &Clusters,
    manifest: &Manifest,
    tenants: &[Tenant],
    allow_delete: bool,
    concurrency: usize,
) -> Result<Vec<RuleAction>, ApiError> {
    let (creates, deletes) = (
        &manifest.notification_rules,
        &manifest.delete_notification_rules,
    );
    if creates.is_empty() && deletes.is_empty() {
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
    let refs: Vec<TenantRef> = tenants
        .iter()
        .map(|t| TenantRef::from_workspace(t.id, &t.workspace_name))
        .collect();
    let names_in = |t: &TenantRef| -> Vec<&str> {
        let created = creates
            .iter()
            .filter(|e| e.selects(t))
            .map(|e| &e.rule.name);
        let deleted = deletes.iter().filter(|d| d.selects(t)).map(|d| &d.name);
        created.chain(deleted).map(String::as_str).collect()
    };
    let work = refs.iter().enumerate().filter_map(|(i, t)| {
        let names = names_in(t);
        let placed = placed.get(&t.name).map(Vec::as_slice);
        let any = !names.is_empty();
        let read = async move { (i, read_tenant(clusters, t.clone(), placed, &names).await) };
        any.then_some(read)
    });
    let read: HashMap<usize, Read> = futures::stream::iter(work)
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let action = |patterns: &[String],
                  name: &str,
                  i: usize,
                  plan: &dyn Fn(&TenantRef, &[NotificationRule]) -> RuleAction| {
        let t = &refs[i];
        let unread = |why: String| RuleAction::Cannot {
            tenant: RuleTenant::of(t),
            name: name.to_owned(),
            why,
            state: String::new(),
        };
        match read.get(&i) {
            Some(Read::Found(placed, found, state)) => plan(placed, found).with_state(state),
            Some(Read::Unplaced(_)) if !named_exactly(patterns, t) => RuleAction::Skipped {
                tenant: RuleTenant::of(t),
                name: name.to_owned(),
                why: NO_CENTRAL.to_owned(),
            },
            Some(Read::Unplaced(names)) => unread(format!(
                "no Central cluster of the run ({names}) lists it (the manifest names this \
                 tenant: provision Central for it, or leave it out)"
            )),
            Some(Read::Failed(why)) => unread(why.clone()),
            None => unread("it was not read".to_owned()),
        }
    };
    let mut out = Vec::new();
    for e in creates {
        let spec = e.spec();
        for i in (0..refs.len()).filter(|&i| e.selects(&refs[i])) {
            out.push(action(&e.tenants, &e.rule.name, i, &|t, found| {
                plan_rule(spec, t, found)
            }));
        }
    }
    for d in deletes {
        for i in (0..refs.len()).filter(|&i| d.selects(&refs[i])) {
            out.push(action(&d.tenants, &d.name, i, &|t, found| {
                plan_rule_delete(d, t, found, allow_delete)
            }));
        }
    }
    Ok(out)
}
