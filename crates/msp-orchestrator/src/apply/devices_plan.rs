//! [`plan_assignments`]: the [`DeviceAction`]s of a manifest's `[[device_assignments]]` in
//! every GreenLake workspace they select: the application resolved once through the MSP's
//! service catalog (by name, then its provision in the region), each tenant's devices and
//! subscriptions read with its own token.

use futures::{StreamExt as _, TryStreamExt as _};
use glp_transport::ApiError;
use glp_workspaces::{Provision, ServiceManager, Tenant, TenantResources, WorkspacesClient};
use serde_json::Value;

use super::devices::{
    DeviceAction, DeviceEntry, Resolved, SeenDevice, SeenSubscription, plan_devices,
};
use super::manifest::{Manifest, name_key, named_exactly};
use super::rules::RuleTenant;
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

/// The actions of `entry` in tenant `t`, its state read with its own token; a tenant whose
/// devices or subscriptions could not be read is a `cannot`, but one a glob selected whose
/// workspace takes no tenant token yet is skipped ([`NOT_READY`]), as a rule is in a tenant
/// with no Central yet.
async fn for_tenant(
    client: &WorkspacesClient,
    entry: &DeviceEntry,
    app: Option<&Resolved>,
    t: &Tenant,
) -> Vec<DeviceAction> {
    let tenant = TenantRef::from_workspace(t.id, &t.workspace_name);
    let resources = client.tenant(t.id);
    let read = async {
        let devices = read_devices(&resources).await?;
        let subs = match entry.subscription_tier {
            Some(_) => read_subscriptions(&resources).await?,
            None => Vec::new(),
        };
        Ok::<_, ApiError>((devices, subs))
    };
    match read.await {
        Ok((devices, subs)) => plan_devices(entry, &tenant, app, &devices, &subs),
        Err(e) if not_ready(&e) && !named_exactly(&entry.tenants, &tenant) => {
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

/// The device actions of `manifest` against `tenants` (every workspace of the MSP), in entry
/// order then tenant order, reading at most `concurrency` tenants at once. Only a failure to
/// read the service catalog (when an entry names an application) is an error.
pub async fn plan_assignments(
    client: &WorkspacesClient,
    manifest: &Manifest,
    tenants: &[Tenant],
    concurrency: usize,
) -> Result<Vec<DeviceAction>, ApiError> {
    let entries = &manifest.device_assignments;
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let apps: Vec<Option<Resolved>> = if entries.iter().any(|e| e.application.is_some()) {
        let managers = client.service_managers().await?;
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
    let work = entries.iter().zip(&apps).flat_map(|(entry, app)| {
        tenants
            .iter()
            .filter(|t| entry.selects(&TenantRef::from_workspace(t.id, &t.workspace_name)))
            .map(move |t| for_tenant(client, entry, app.as_ref(), t))
    });
    let planned: Vec<Vec<DeviceAction>> = futures::stream::iter(work)
        .buffered(concurrency.max(1))
        .collect()
        .await;
    Ok(planned.into_iter().flatten().collect())
}
