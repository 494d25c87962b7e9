//! [`plan_assignments`]: the [`DeviceAction`]s of a manifest's `[[device_assignments]]` and
//! `[[device_unassignments]]` in every GreenLake workspace they select: the application
//! resolved once through the MSP's service catalog (by name, then its provision in the
//! region; for an unassignment, the name of the application a device is on), each tenant's
//! devices and subscriptions read with its own token.

use futures::{FutureExt as _, StreamExt as _, TryStreamExt as _};
use glp_transport::ApiError;
use glp_workspaces::{Provision, ServiceManager, Tenant, TenantResources, WorkspacesClient};
use serde_json::Value;

use super::devices::{DeviceAction, Resolved, SeenDevice, SeenSubscription, plan_devices};
use super::manifest::{Manifest, name_key, named_exactly};
use super::rules::RuleTenant;
use super::unassign::plan_unassign;
use crate::TenantRef;

/// The service manager named `name` (trimmed, without case) and provisioned in `region`, or
/// why there is none.
pub fn resolve(
    managers: &[ServiceManager],
    provisions: &[Provision],
    name: &str,
    region: &str,
) -> Resolved {
    let named: Vec<&ServiceManager> = managers
        .iter()
        .filter(|m| name_key(&m.name) == name_key(name))
        .collect();
    let m = match named.as_slice() {
        [m] => *m,
        [] => {
            let known: Vec<String> = managers
                .iter()
                .map(|m| glp_core::text::escape_control(&m.name).into_owned())
                .collect();
            return Err(format!(
                "the service catalog has no application named '{}' (it has: {})",
                glp_core::text::escape_control(name),
                known.join(", ")
            ));
        }
        many => {
            return Err(format!(
                "{} applications of the service catalog are named '{}'",
                many.len(),
                glp_core::text::escape_control(name)
            ));
        }
    };
    let mine: Vec<&Provision> = provisions
        .iter()
        .filter(|p| p.service_manager_id == m.id)
        .collect();
    if mine
        .iter()
        .any(|p| p.region == region && p.is_provisioned())
    {
        return Ok(m.id.clone());
    }
    let regions: Vec<&str> = mine
        .iter()
        .filter(|p| p.is_provisioned())
        .map(|p| p.region.as_str())
        .collect();
    Err(format!(
        "'{}' is not provisioned in region {region} (provisioned in: {})",
        glp_core::text::escape_control(name),
        if regions.is_empty() {
            "none".to_owned()
        } else {
            regions.join(", ")
        }
    ))
}

/// A tenant's devices, as the plan compares them.
pub(crate) async fn read_devices(t: &TenantResources) -> Result<Vec<SeenDevice>, ApiError> {
    let items: Vec<Value> = t.devices().stream().try_collect().await?;
    Ok(items.iter().filter_map(SeenDevice::of).collect())
}

async fn read_subscriptions(t: &TenantResources) -> Result<Vec<SeenSubscription>, ApiError> {
    let items: Vec<Value> = t.subscriptions().stream().try_collect().await?;
    Ok(items.iter().filter_map(SeenSubscription::of).collect())
}

/// Why a glob-selected tenant whose workspace takes no tenant token yet is skipped.
pub const NOT_READY: &str = "its workspace takes no tenant token yet (just created? apply again \
                             once it is ready)";

/// Whether `e` is the token exchange refusing a workspace the MSP lists (`invalid_target`):
/// one just created, not ready yet.
fn not_ready(e: &ApiError) -> bool {
    matches!(e, ApiError::Token { error, .. } if error.oauth_error() == Some("invalid_target"))
}

/// The actions `plan` gives in tenant `t` on its devices and (when `subs_needed`) its
/// subscriptions, read with its own token; a tenant whose devices or subscriptions could not
/// be read is a `cannot`, but one only a glob of `patterns` selected whose workspace takes no
/// tenant token yet is skipped ([`NOT_READY`]), as a rule is in a tenant with no Central yet.
async fn for_tenant(
    client: &WorkspacesClient,
    patterns: &[String],
    t: &Tenant,
    subs_needed: bool,
    plan: impl FnOnce(&TenantRef, &[SeenDevice], &[SeenSubscription]) -> Vec<DeviceAction>,
) -> Vec<DeviceAction> {
    let tenant = TenantRef::from_workspace(t.id, &t.workspace_name);
    let resources = client.tenant(t.id);
    let read = async {
        let devices = read_devices(&resources).await?;
        let subs = if subs_needed {
            read_subscriptions(&resources).await?
        } else {
            Vec::new()
        };
        Ok::<_, ApiError>((devices, subs))
    };
    match read.await {
        Ok((devices, subs)) => plan(&tenant, &devices, &subs),
        Err(e) if not_ready(&e) && !named_exactly(patterns, &tenant) => {
            vec![DeviceAction::Skipped {
                tenant: RuleTenant::of(&tenant),
                what: "read its devices and subscriptions".into(),
                why: NOT_READY.into(),
            }]
        }
        Err(e) => vec![DeviceAction::Cannot {
            tenant: RuleTenant::of(&tenant),
            what: "read its devices and subscriptions".into(),
            why: format!("they could not be read: {e}"),
            state: String::new(),
        }],
    }
}

/// Why `removal` cannot be planned in `tenant`: a device it selects there that an
/// assignment entry selecting the tenant selects too (what [`Manifest::check`] cannot see
/// through two globs that meet only on a tenant's name).
fn clash(
    assignments: &[super::devices::DeviceEntry],
    removal: &super::unassign::UnassignEntry,
    tenant: &TenantRef,
    devices: &[SeenDevice],
) -> Option<String> {
    let d = devices.iter().find(|d| {
        removal.wants(d) && assignments.iter().any(|a| a.selects(tenant) && a.wants(d))
    })?;
    Some(format!(
        "device {} is selected by a [[device_assignments]] entry too: a device cannot be both \
         assigned and unassigned",
        glp_core::text::escape_control(&d.serial_number)
    ))
}

/// The device actions of `manifest` against `tenants` (every workspace of the MSP): those of
/// `[[device_assignments]]` in entry order then tenant order, then those of
/// `[[device_unassignments]]` (held back unless `allow_delete`), reading at most
/// `concurrency` tenants at once. Only a failure to read the service catalog (when an entry
/// names an application, or unassigns) is an error.
pub async fn plan_assignments(
    client: &WorkspacesClient,
    manifest: &Manifest,
    tenants: &[Tenant],
    concurrency: usize,
    allow_delete: bool,
) -> Result<Vec<DeviceAction>, ApiError> {
    let entries = &manifest.device_assignments;
    let removals = &manifest.device_unassignments;
    if entries.is_empty() && removals.is_empty() {
        return Ok(Vec::new());
    }
    let managers =
        if entries.iter().any(|e| e.application.is_some()) || removals.iter().any(|u| u.unassign) {
            client.service_managers().await?
        } else {
            Vec::new()
        };
    let apps: Vec<Option<Resolved>> = if entries.iter().any(|e| e.application.is_some()) {
        let provisions = client.service_manager_provisions().await?;
        entries
            .iter()
            .map(|e| match (&e.application, &e.region) {
                (Some(name), Some(region)) => Some(resolve(&managers, &provisions, name, region)),
                _ => None,
            })
            .collect()
    } else {
        vec![None; entries.len()]
    };
    let of = |t: &Tenant| TenantRef::from_workspace(t.id, &t.workspace_name);
    let assign = entries.iter().zip(&apps).flat_map(|(entry, app)| {
        tenants
            .iter()
            .filter(|t| entry.selects(&of(t)))
            .map(move |t| {
                let plan = move |tenant: &TenantRef, devices: &[SeenDevice], subs: &[_]| {
                    plan_devices(entry, tenant, app.as_ref(), devices, subs)
                };
                for_tenant(
                    client,
                    &entry.tenants,
                    t,
                    entry.subscription_tier.is_some(),
                    plan,
                )
                .boxed()
            })
    });
    let managers = &managers;
    let name = move |id: &str| -> Option<String> {
        managers
            .iter()
            .find(|m| m.id == id)
            .map(|m| glp_core::text::escape_control(&m.name).into_owned())
    };
    let remove = removals.iter().flat_map(|entry| {
        tenants
            .iter()
            .filter(|t| entry.selects(&of(t)))
            .map(move |t| {
                let plan = move |tenant: &TenantRef, devices: &[SeenDevice], subs: &[_]| {
                    match clash(entries, entry, tenant, devices) {
                        Some(why) => vec![DeviceAction::Cannot {
                            tenant: RuleTenant::of(tenant),
                            what: "take service away from its devices".into(),
                            why,
                            state: String::new(),
                        }],
                        None => plan_unassign(entry, tenant, allow_delete, devices, subs, name),
                    }
                };
                for_tenant(client, &entry.tenants, t, entry.unlicense, plan).boxed()
            })
    });
    let planned: Vec<Vec<DeviceAction>> = futures::stream::iter(assign.chain(remove))
        .buffered(concurrency.max(1))
        .collect()
        .await;
    Ok(planned.into_iter().flatten().collect())
}
