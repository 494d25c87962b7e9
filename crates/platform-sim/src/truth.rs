//! Ground truth: what the simulator holds, served at `GET /_sim/truth` and by
//! [`Simulator::truth`](crate::Simulator::truth).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::central;
use crate::greenlake::registry::Workspace;
use crate::greenlake::{self, GlpResource};
use crate::ids;
use crate::population::{Population, Tenant};
use crate::records::alerts::{SEVERITIES, alerts, open_counts};
use crate::records::{Resource, record_value};
use crate::state::AppState;

/// Every tenant of the simulated MSP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// The seed the world was generated from.
    pub seed: u64,
    /// The MSP workspace id (hyphenated, lower case).
    pub msp_workspace_id: String,
    /// Number of tenants in the population (also when `tenants` below holds only one).
    pub tenant_count: usize,
    /// Sum of every tenant's `device-inventory` count.
    pub total_devices: u64,
    /// The tenants, in msp-tenants order.
    pub tenants: Vec<TenantTruth>,
    /// Every customer workspace as msp-tenants lists it now, after the writes (created,
    /// updated and deleted workspaces included; `tenants` above is the generated population).
    #[serde(default)]
    pub workspaces: Vec<WorkspaceTruth>,
    /// Each tenant's notification rules as the writes left them (a read of one rule's
    /// answer), by GreenLake workspace id (hyphenated); a tenant with none is left out.
    #[serde(default)]
    pub notification_rules: BTreeMap<String, Vec<Value>>,
    /// Every device of each tenant whose devices the devices writes changed, by GreenLake
    /// workspace id (hyphenated): `id`, `serialNumber`, `deviceType`, `application` (its id,
    /// or null), `region` and `subscription` (the ids held), as the list serves them now.
    #[serde(default)]
    pub devices: BTreeMap<String, Vec<Value>>,
    /// The subscriptions of the same tenants (keys as in `devices`): `id`, `key`, `tier`,
    /// `quantity` and `availableQuantity` as the list serves them now (seats taken by the
    /// writes, and those a removal returned, counted).
    #[serde(default)]
    pub subscriptions: BTreeMap<String, Vec<Value>>,
    /// The subscription keys each workspace gained through `POST
    /// subscriptions/v1/subscriptions`, in the order added, by GreenLake workspace id
    /// (hyphenated; the MSP's own included); a workspace that gained none is left out.
    #[serde(default)]
    pub subscriptions_added: BTreeMap<String, Vec<String>>,
    /// Record counts of the MSP workspace's own GreenLake inventory (`glp/devices`,
    /// `glp/subscriptions`: what the MSP token gets there).
    #[serde(default)]
    pub msp_counts: BTreeMap<String, u64>,
    /// The MSP workspace's own GreenLake records (keys as in `msp_counts`), exactly as served
    /// to the MSP token (only when records were asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msp_records: Option<BTreeMap<String, Vec<Value>>>,
}

/// One tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantTruth {
    /// GLP workspace id, hyphenated lower case (as msp-tenants `id`).
    pub workspace_id: String,
    /// Central customer id, 32 hex digits (as list-tenants `tenantId`); never equal to the
    /// workspace id.
    pub central_tenant_id: String,
    /// Workspace name = Central tenant name.
    pub name: String,
    /// `MSP_OWNED_INVENTORY` or `CUSTOMER_OWNED_INVENTORY`.
    pub inventory_ownership: String,
    /// The Central cluster the tenant lives on (canonical name), or `None`: on no cluster.
    #[serde(default)]
    pub cluster: Option<String>,
    /// Record count per resource: the monitoring ones (`device-inventory`, `aps`, `switches`,
    /// `gateways`, `clients`, `sites-health`, `devices`), `alerts` (open and cleared) and
    /// GreenLake's (`glp/devices`, `glp/subscriptions`, `glp/audit-logs`).
    pub counts: BTreeMap<String, u64>,
    /// Open (`Active`) alerts by severity (`Critical`, `Major`, `Minor`, `Info`; severities
    /// with none are left out): the same counts as the tenant's list-tenants `alerts` and the
    /// sum of its sites' `sites-health` alerts.
    #[serde(default)]
    pub open_alerts: BTreeMap<String, u64>,
    /// The msp-tenants item, exactly as served (only when records were asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glp_item: Option<Value>,
    /// The list-tenants item, exactly as served (only when records were asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub central_item: Option<Value>,
    /// Every record per resource (keys as in `counts`), in API order, exactly as served (only when records
    /// were asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<BTreeMap<String, Vec<Value>>>,
}

/// One customer workspace as it is now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceTruth {
    /// The workspace id, hyphenated lower case.
    pub id: String,
    /// `workspaceName`.
    pub workspace_name: String,
    /// `MSP_OWNED_INVENTORY` or `CUSTOMER_OWNED_INVENTORY`.
    pub inventory_ownership: String,
    /// `description`, if set.
    #[serde(default)]
    pub description: Option<String>,
    /// `email`, if set.
    #[serde(default)]
    pub email: Option<String>,
    /// `phoneNumber`, if set.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// `address`, if set.
    #[serde(default)]
    pub address: Option<Value>,
    /// `generation`: one more per update.
    pub generation: u32,
    /// Whether it was created through the API (not generated).
    pub created: bool,
}

impl WorkspaceTruth {
    fn of(w: Workspace) -> Self {
        WorkspaceTruth {
            id: ids::hyphenated(w.id),
            workspace_name: w.name,
            inventory_ownership: greenlake::ownership(w.msp_owned).to_string(),
            description: w.contact.description,
            email: w.contact.email,
            phone_number: w.contact.phone_number,
            address: w.contact.address,
            generation: w.generation,
            created: w.index.is_none(),
        }
    }
}

/// Builds the truth for one tenant.
pub(crate) fn tenant_truth(
    pop: &Population,
    clusters: &[String],
    t: &Tenant,
    with_records: bool,
) -> TenantTruth {
    let counts = Resource::ALL
        .iter()
        .map(|r| (r.name().to_string(), u64::from(r.count(t))))
        .chain(std::iter::once((
            "alerts".to_string(),
            alerts(pop, t).len() as u64,
        )))
        .chain(glp_counts(pop, t))
        .collect();
    let open_alerts = SEVERITIES
        .iter()
        .zip(open_counts(pop, t))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| ((*s).to_string(), n))
        .collect();
    let records = with_records.then(|| {
        Resource::ALL
            .iter()
            .map(|&r| {
                let items = (0..r.count(t))
                    .map(|i| record_value(pop, t, r, i))
                    .collect();
                (r.name().to_string(), items)
            })
            .chain(std::iter::once((
                "alerts".to_string(),
                alerts(pop, t)
                    .iter()
                    .map(|a| serde_json::to_value(a).unwrap_or(Value::Null))
                    .collect(),
            )))
            .chain(GlpResource::ALL.iter().map(|&r| {
                let items = (0..r.count(pop, t)).map(|i| r.record(pop, t, i)).collect();
                (r.name().to_string(), items)
            }))
            .collect()
    });
    TenantTruth {
        workspace_id: ids::hyphenated(t.workspace_id),
        central_tenant_id: ids::compact(t.central_id),
        name: t.name.to_string(),
        inventory_ownership: greenlake::ownership(t.msp_owned).to_string(),
        cluster: t
            .cluster
            .and_then(|c| clusters.get(usize::from(c)))
            .cloned(),
        counts,
        open_alerts,
        glp_item: with_records.then(|| {
            serde_json::to_value(greenlake::tenant_item(pop, &Workspace::of(t)))
                .unwrap_or(Value::Null)
        }),
        central_item: with_records.then(|| central::tenant_value(t)),
        records,
    }
}

/// A device as the truth shows it.
fn device_truth(d: &Value) -> Value {
    serde_json::json!({
        "id": d["id"],
        "serialNumber": d["serialNumber"],
        "deviceType": d["deviceType"],
        "application": d["application"]["id"],
        "region": d["region"],
        "subscription": d["subscription"]
            .as_array()
            .map(|s| s.iter().map(|s| s["id"].clone()).collect::<Vec<_>>())
            .unwrap_or_default(),
    })
}

fn subscription_truth(s: &Value) -> Value {
    serde_json::json!({
        "id": s["id"],
        "key": s["key"],
        "tier": s["tier"],
        "quantity": s["quantity"],
        "availableQuantity": s["availableQuantity"],
    })
}

/// The GreenLake resource counts of a workspace.
fn glp_counts<'a>(pop: &'a Population, t: &'a Tenant) -> impl Iterator<Item = (String, u64)> + 'a {
    GlpResource::ALL
        .iter()
        .map(move |r| (r.name().to_string(), u64::from(r.count(pop, t))))
}

/// Builds the truth for all tenants, or one.
pub(crate) fn build(st: &AppState, only: Option<&Tenant>, with_records: bool) -> Truth {
    let (pop, clusters) = (&st.pop, &st.cfg.clusters);
    let (registry, rules, book) = (st.registry(), st.rules(), st.devices());
    // Each record of `r`, by `pick`, in every tenant whose devices the writes changed.
    let touched = |r: GlpResource, pick: fn(&Value) -> Value| -> BTreeMap<String, Vec<Value>> {
        book.touched()
            .into_iter()
            .filter_map(|i| {
                let t = pop.tenants.get(i as usize)?;
                let now = greenlake::current_records(pop, &book, r, t);
                Some((
                    ids::hyphenated(t.workspace_id),
                    now.iter().map(pick).collect(),
                ))
            })
            .collect()
    };
    let tenants = match only {
        Some(t) => vec![tenant_truth(pop, clusters, t, true)],
        None => pop
            .tenants
            .iter()
            .map(|t| tenant_truth(pop, clusters, t, with_records))
            .collect(),
    };
    Truth {
        seed: pop.seed,
        msp_workspace_id: ids::hyphenated(pop.msp_workspace_id),
        tenant_count: pop.tenants.len(),
        total_devices: pop.tenants.iter().map(|t| u64::from(t.devices)).sum(),
        tenants,
        workspaces: registry.live(pop).map(WorkspaceTruth::of).collect(),
        notification_rules: rules
            .truth()
            .filter_map(|(t, r)| {
                let t = pop.tenants.get(t as usize)?;
                Some((ids::hyphenated(t.workspace_id), r))
            })
            .collect(),
        devices: touched(GlpResource::Devices, device_truth),
        subscriptions: touched(GlpResource::Subscriptions, subscription_truth),
        subscriptions_added: book
            .subscriptions
            .keys()
            .into_iter()
            .filter_map(|(i, keys)| {
                let t = pop.tenants.get(i as usize).unwrap_or(&pop.msp_own);
                (t.index == i).then(|| (ids::hyphenated(t.workspace_id), keys))
            })
            .collect(),
        msp_counts: glp_counts(pop, &pop.msp_own).collect(),
        msp_records: with_records.then(|| {
            GlpResource::ALL
                .iter()
                .map(|&r| {
                    let items = (0..r.count(pop, &pop.msp_own))
                        .map(|i| r.record(pop, &pop.msp_own, i))
                        .collect();
                    (r.name().to_string(), items)
                })
                .collect()
        }),
    }
}
