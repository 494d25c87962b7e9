//! `[[device_unassignments]]`: in every selected tenant, the devices of some types (or serial
//! numbers) unlicensed (every subscription they hold removed, its seats returned) and/or
//! unassigned from the service they are on. It takes service away from a customer, so like
//! `[[delete_tenants]]` it is carried out only when deletion is allowed (`--allow-delete`):
//! otherwise each action is planned and shown held back ("cannot", with why). Per selected
//! tenant the plan is up to two [`DeviceAction`]s, unlicense then unassign (a device gives its
//! seat back before it leaves the service), each "nothing to do" when no selected device holds
//! a subscription or is assigned.

use serde::{Deserialize, Serialize};

use super::devices::{DeviceAction, SeenDevice, SeenSubscription, count, selected};
use super::fingerprint;
use super::rules::RuleTenant;
use crate::TenantRef;

/// Builds an unlicense or unassign action from its tenant, labels (keys, or where the devices
/// are), devices and state fingerprint.
type Make = fn(RuleTenant, Vec<String>, Vec<SeenDevice>, String) -> DeviceAction;

/// Why an unassignment is held back without `--allow-delete`.
pub const HELD_BACK: &str = "taking service away from devices needs --allow-delete";

/// One `[[device_unassignments]]` entry. Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnassignEntry {
    /// The tenants, as globs over names or ids (`["*"]`: every tenant).
    pub tenants: Vec<String>,
    /// The devices' types, as GreenLake names them (`AP`, `SWITCH`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_types: Vec<String>,
    /// Devices by serial number (with `device_types`: either selects a device).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
    /// Remove every subscription the devices hold.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unlicense: bool,
    /// Remove the devices from the application (and region) they are assigned to.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unassign: bool,
}

impl UnassignEntry {
    /// Whether the entry selects `tenant`.
    pub fn selects(&self, tenant: &TenantRef) -> bool {
        super::manifest::selects(&self.tenants, tenant)
    }

    /// Whether the entry selects the device `d`.
    pub fn wants(&self, d: &SeenDevice) -> bool {
        selected(&self.device_types, &self.serials, d)
    }

    /// The entry's problems, each in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = super::devices::selection_problems(
            &self.tenants,
            &self.device_types,
            &self.serials,
            [],
        );
        if !self.unlicense && !self.unassign {
            out.push("give 'unlicense = true', 'unassign = true' or both".into());
        }
        out
    }

    /// Whether this entry and `assignment` could select the same device in the same tenant: a
    /// device type or serial number in common, and a tenant pattern of one matching a pattern
    /// of the other (`*` matches every one).
    pub fn overlaps(&self, assignment: &super::devices::DeviceEntry) -> bool {
        let devices = self.device_types.iter().any(|t| {
            assignment
                .device_types
                .iter()
                .any(|a| a.eq_ignore_ascii_case(t))
        }) || self.serials.iter().any(|s| assignment.serials.contains(s));
        let matches = |p: &String, q: &String| {
            crate::TenantPattern::new(p)
                .matches(q, [q.as_str()])
                .is_some()
        };
        devices
            && self.tenants.iter().any(|p| {
                assignment
                    .tenants
                    .iter()
                    .any(|q| matches(p, q) || matches(q, p))
            })
    }
}

/// The actions of `entry` in `tenant`, whose devices and subscriptions are `devices` and
/// `subs`, `app_name` naming an application by its id (`None`: the catalog does not): unlicense
/// (when the entry asks), then unassign (when it asks); each held back unless `allow`.
pub fn plan_unassign(
    entry: &UnassignEntry,
    tenant: &TenantRef,
    allow: bool,
    devices: &[SeenDevice],
    subs: &[SeenSubscription],
    app_name: impl Fn(&str) -> Option<String>,
) -> Vec<DeviceAction> {
    let tenant = RuleTenant::of(tenant);
    let wanted: Vec<&SeenDevice> = devices.iter().filter(|d| entry.wants(d)).collect();
    let state =
        fingerprint(&serde_json::to_vec(&(&wanted, subs, entry, allow)).unwrap_or_default());
    let held = |action: DeviceAction| match action {
        a if allow || !a.writes() => a,
        a => DeviceAction::Cannot {
            tenant: a.tenant().clone(),
            what: a.describe(),
            why: HELD_BACK.to_owned(),
            state: state.clone(),
        },
    };
    let nothing = |what: String| DeviceAction::Nothing {
        tenant: tenant.clone(),
        what,
        state: state.clone(),
    };
    // One step: the selected devices `needs` picks, labelled by `labels` (sorted, once each);
    // nothing to do (`none`) when no device needs it, else the action `make` builds (held
    // back unless allowed).
    let step = |needs: &dyn Fn(&SeenDevice) -> bool,
                labels: &dyn Fn(&SeenDevice) -> Vec<String>,
                none: &str,
                make: Make| {
        let needed: Vec<SeenDevice> = wanted
            .iter()
            .filter(|d| needs(d))
            .map(|d| (*d).clone())
            .collect();
        if needed.is_empty() {
            return nothing(format!("{} {none}", count(wanted.len())));
        }
        let mut labels: Vec<String> = needed.iter().flat_map(labels).collect();
        labels.sort();
        labels.dedup();
        held(make(tenant.clone(), labels, needed, state.clone()))
    };
    let mut out = Vec::new();
    if entry.unlicense {
        // Each subscription by its key (its id when the key is not known).
        let keys = |d: &SeenDevice| -> Vec<String> {
            d.subscriptions
                .iter()
                .map(|id| {
                    subs.iter()
                        .find(|s| s.id == *id && !s.key.is_empty())
                        .map_or_else(|| id.clone(), |s| s.key.clone())
                })
                .collect()
        };
        out.push(step(
            &|d| !d.subscriptions.is_empty(),
            &keys,
            "hold no subscription",
            |tenant, subscription_keys, devices, state| DeviceAction::Unlicense {
                tenant,
                subscription_keys,
                devices,
                state,
            },
        ));
    }
    if entry.unassign {
        let place = |d: &SeenDevice| {
            let app = d.application_id.as_deref().unwrap_or("no application");
            let name = app_name(app).unwrap_or_else(|| app.to_owned());
            vec![format!(
                "{name}/{}",
                d.region.as_deref().unwrap_or("no region")
            )]
        };
        out.push(step(
            &|d| d.application_id.is_some() || d.region.is_some(),
            &place,
            "on no application",
            |tenant, from, devices, state| DeviceAction::Unassign {
                from,
                tenant,
                devices,
                state,
            },
        ));
    }
    out
}
