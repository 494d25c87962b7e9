//! `[[device_assignments]]`: in every selected tenant, the devices of some types (or serial
//! numbers) assigned to an application in a region and licensed with a subscription tier. An
//! entry names the tenants (globs over names or ids, as `[[notification_rules]]`), the devices,
//! the application by its service-catalog name and the region, and the tier. Per selected
//! tenant the plan is up to two [`DeviceAction`]s (assign, then license), each "nothing to do"
//! when the devices already are so, or "cannot" with the reason (an application the catalog
//! does not know or has not provisioned in the region; no `STARTED` subscription of the tier
//! with enough seats). A device is never unassigned or unlicensed because the manifest leaves
//! it out: only an explicit `[[device_unassignments]]` entry ([`UnassignEntry`](super::UnassignEntry))
//! takes service away, with the [`DeviceAction::Unlicense`] and [`DeviceAction::Unassign`]
//! it plans.

use serde::{Deserialize, Serialize};

pub use super::devices_seen::{SeenDevice, SeenSubscription};
use super::fingerprint;
use super::rules::RuleTenant;
use crate::TenantRef;

/// The most device types or serial numbers one entry may name.
pub const MAX_DEVICE_SELECTORS: usize = 1_000;

/// One `[[device_assignments]]` entry. Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceEntry {
    /// The tenants, as globs over names or ids (`["*"]`: every tenant).
    pub tenants: Vec<String>,
    /// The devices' types, as GreenLake names them (`AP`, `SWITCH`, `GATEWAY`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_types: Vec<String>,
    /// Devices by serial number (with `device_types`: either selects a device).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
    /// The application to assign the devices to, by its service-catalog name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// The GreenLake region of the application (with `application`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The subscription tier the devices must hold (e.g. `FOUNDATION_AP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_tier: Option<String>,
}

/// `1 device`, `2 devices`.
pub(crate) fn count(n: usize) -> String {
    format!("{n} device{}", if n == 1 { "" } else { "s" })
}

fn bad_text(s: &str) -> bool {
    s.trim().is_empty() || s.chars().count() > 100 || s.chars().any(char::is_control)
}

/// Whether `device_types` (without case) or `serials` select the device `d`: how
/// `[[device_assignments]]` and `[[device_unassignments]]` select devices.
pub(crate) fn selected(device_types: &[String], serials: &[String], d: &SeenDevice) -> bool {
    device_types
        .iter()
        .any(|t| t.eq_ignore_ascii_case(&d.device_type))
        || serials.contains(&d.serial_number)
}

/// The problems of a device selection (`tenants`, `device_types`, `serials`) and of the
/// entry's other texts, each in words.
pub(crate) fn selection_problems<'a>(
    tenants: &[String],
    device_types: &'a [String],
    serials: &'a [String],
    texts: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let mut out: Vec<String> = super::manifest::patterns_problem(tenants)
        .into_iter()
        .collect();
    if device_types.is_empty() && serials.is_empty() {
        out.push("give 'device_types', 'serials' or both".into());
    }
    if device_types.len() + serials.len() > MAX_DEVICE_SELECTORS {
        out.push(format!(
            "at most {MAX_DEVICE_SELECTORS} device types and serial numbers"
        ));
    }
    if device_types
        .iter()
        .chain(serials)
        .chain(texts)
        .any(|s| bad_text(s))
    {
        out.push(
            "a value is blank, longer than 100 characters or holds a control character".into(),
        );
    }
    out
}

impl DeviceEntry {
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
        let texts = [&self.application, &self.region, &self.subscription_tier]
            .into_iter()
            .flatten();
        let mut out = selection_problems(&self.tenants, &self.device_types, &self.serials, texts);
        match (&self.application, &self.region) {
            (Some(_), None) | (None, Some(_)) => {
                out.push("'application' and 'region' go together".into());
            }
            (None, None) if self.subscription_tier.is_none() => {
                out.push("give 'application' and 'region', 'subscription_tier' or both".into());
            }
            _ => {}
        }
        out
    }
}

/// The application an entry names, as the service catalog resolved it for its region: the
/// service manager's id, or why it cannot be used.
pub type Resolved = Result<String, String>;

/// What the plan does for one entry in one tenant: assign, license, unlicense, unassign,
/// nothing or cannot. Each
/// carries `state`, the fingerprint of what the plan read in the tenant, so a saved plan whose
/// tenant moved since reads differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DeviceAction {
    /// Assign `devices` to the application in `region`.
    Assign {
        /// The tenant.
        tenant: RuleTenant,
        /// The application's name.
        application: String,
        /// Its service-manager id.
        application_id: String,
        /// The region.
        region: String,
        /// The devices, as they were.
        devices: Vec<SeenDevice>,
        /// The fingerprint of the tenant's state read.
        state: String,
    },
    /// Make `devices` hold subscription `subscription_id` (of `tier`).
    License {
        /// The tenant.
        tenant: RuleTenant,
        /// The tier.
        tier: String,
        /// The subscription picked.
        subscription_id: String,
        /// Its key.
        subscription_key: String,
        /// The devices, as they were.
        devices: Vec<SeenDevice>,
        /// The fingerprint of the tenant's state read.
        state: String,
    },
    /// Remove every subscription `devices` hold (`[[device_unassignments]]`, `unlicense`).
    Unlicense {
        /// The tenant.
        tenant: RuleTenant,
        /// The keys of the subscriptions they hold (the id when the key is not known).
        subscription_keys: Vec<String>,
        /// The devices, as they were.
        devices: Vec<SeenDevice>,
        /// The fingerprint of the tenant's state read.
        state: String,
    },
    /// Remove `devices` from the service they are assigned to (`[[device_unassignments]]`,
    /// `unassign`).
    Unassign {
        /// Where they are, `APPLICATION/REGION` each (the application's id when the catalog
        /// does not name it).
        from: Vec<String>,
        /// The tenant.
        tenant: RuleTenant,
        /// The devices, as they were.
        devices: Vec<SeenDevice>,
        /// The fingerprint of the tenant's state read.
        state: String,
    },
    /// Nothing to do: the devices already are so.
    Nothing {
        /// The tenant.
        tenant: RuleTenant,
        /// What was checked (`assign to ...`, `license with ...`).
        what: String,
        /// The fingerprint of the tenant's state read.
        state: String,
    },
    /// Not for this tenant now, and no failure: a tenant a glob selected whose workspace does
    /// not take a tenant token yet (just made).
    Skipped {
        /// The tenant.
        tenant: RuleTenant,
        /// What was asked.
        what: String,
        /// Why, in words.
        why: String,
    },
    /// It cannot be done in this tenant.
    Cannot {
        /// The tenant.
        tenant: RuleTenant,
        /// What was asked.
        what: String,
        /// Why, in words.
        why: String,
        /// The fingerprint of the tenant's state read.
        state: String,
    },
}

action_kinds! {
    /// `assign`, `license`, `unlicense`, `unassign`, `nothing`, `skip` or `cannot`.
    DeviceAction
    writes [
        Assign => "assign",
        License => "license",
        Unlicense => "unlicense",
        Unassign => "unassign",
    ]
    else [Nothing => "nothing", Skipped => "skip", Cannot => "cannot"],
    /// The tenant it is about.
    tenant: RuleTenant;
    /// Why it is skipped or cannot be done (`None` for the other kinds).
    why in [Skipped, Cannot]: str
}

impl DeviceAction {
    /// The devices it writes to (none for nothing, skip or cannot).
    pub fn devices(&self) -> &[SeenDevice] {
        match self {
            Self::Assign { devices, .. }
            | Self::License { devices, .. }
            | Self::Unlicense { devices, .. }
            | Self::Unassign { devices, .. } => devices,
            Self::Nothing { .. } | Self::Skipped { .. } | Self::Cannot { .. } => &[],
        }
    }

    /// What it does, in words: `assign 3 devices to Central/us-west`, `license 3 devices with
    /// FOUNDATION_AP (subscription KEY)`, `unlicense 3 devices (subscription KEY)`, `unassign 3
    /// devices from Central/us-west`, or what was checked.
    pub fn describe(&self) -> String {
        match self {
            Self::Assign {
                application,
                region,
                devices,
                ..
            } => format!("assign {} to {application}/{region}", count(devices.len())),
            Self::License {
                tier,
                subscription_key,
                devices,
                ..
            } => format!(
                "license {} with {tier} (subscription {subscription_key})",
                count(devices.len())
            ),
            Self::Unlicense {
                subscription_keys,
                devices,
                ..
            } => format!(
                "unlicense {} (subscription{} {})",
                count(devices.len()),
                if subscription_keys.len() == 1 {
                    ""
                } else {
                    "s"
                },
                subscription_keys.join(", ")
            ),
            Self::Unassign { from, devices, .. } => {
                format!("unassign {} from {}", count(devices.len()), from.join(", "))
            }
            Self::Nothing { what, .. } | Self::Skipped { what, .. } | Self::Cannot { what, .. } => {
                what.clone()
            }
        }
    }
}

/// The subscription of `tier` to license `need` devices with: `STARTED`, with at least `need`
/// seats available, the one ending last (then by key); or why there is none.
fn pick<'a>(
    subs: &'a [SeenSubscription],
    tier: &str,
    need: usize,
) -> Result<&'a SeenSubscription, String> {
    let started: Vec<&SeenSubscription> = subs
        .iter()
        .filter(|s| s.tier.eq_ignore_ascii_case(tier) && s.status.eq_ignore_ascii_case("STARTED"))
        .collect();
    let enough = started
        .iter()
        .filter(|s| s.available.is_some_and(|a| a >= need as u64))
        .max_by(|a, b| (&a.end_time, &b.key).cmp(&(&b.end_time, &a.key)));
    match (
        enough,
        started.iter().max_by_key(|s| s.available.unwrap_or(0)),
    ) {
        (Some(s), _) => Ok(s),
        (None, None) => Err(format!(
            "the tenant has no STARTED subscription of tier {tier}"
        )),
        (None, Some(best)) => Err(format!(
            "no STARTED subscription of tier {tier} has {need} seats available (the most: {} \
             with {})",
            best.key,
            best.available.unwrap_or(0)
        )),
    }
}

/// The actions of `entry` in `tenant`, whose devices and subscriptions are `devices` and
/// `subs` and whose application the catalog resolved as `app` (`None`: the entry names none):
/// assign (when the entry names an application), then license (when it names a tier).
pub fn plan_devices(
    entry: &DeviceEntry,
    tenant: &TenantRef,
    app: Option<&Resolved>,
    devices: &[SeenDevice],
    subs: &[SeenSubscription],
) -> Vec<DeviceAction> {
    let tenant = RuleTenant::of(tenant);
    let wanted: Vec<&SeenDevice> = devices.iter().filter(|d| entry.wants(d)).collect();
    let state = fingerprint(&serde_json::to_vec(&(&wanted, subs, app, entry)).unwrap_or_default());
    let mut out = Vec::new();
    if let (Some(app), Some(name), Some(region)) = (app, &entry.application, &entry.region) {
        let what = format!("assign devices to {name}/{region}");
        out.push(match app {
            Err(why) => DeviceAction::Cannot {
                tenant: tenant.clone(),
                what,
                why: why.clone(),
                state: state.clone(),
            },
            Ok(id) => {
                let moving: Vec<SeenDevice> = wanted
                    .iter()
                    .filter(|d| {
                        d.application_id.as_deref() != Some(id.as_str())
                            || d.region.as_deref() != Some(region.as_str())
                    })
                    .map(|d| (*d).clone())
                    .collect();
                if moving.is_empty() {
                    DeviceAction::Nothing {
                        tenant: tenant.clone(),
                        what: format!("{} already on {name}/{region}", count(wanted.len())),
                        state: state.clone(),
                    }
                } else {
                    DeviceAction::Assign {
                        tenant: tenant.clone(),
                        application: name.clone(),
                        application_id: id.clone(),
                        region: region.clone(),
                        devices: moving,
                        state: state.clone(),
                    }
                }
            }
        });
    }
    if let Some(tier) = &entry.subscription_tier {
        let of_tier = |id: &String| {
            subs.iter()
                .any(|s| s.id == *id && s.tier.eq_ignore_ascii_case(tier))
        };
        let unlicensed: Vec<SeenDevice> = wanted
            .iter()
            .filter(|d| !d.subscriptions.iter().any(of_tier))
            .map(|d| (*d).clone())
            .collect();
        out.push(if unlicensed.is_empty() {
            DeviceAction::Nothing {
                tenant,
                what: format!("{} already hold {tier}", count(wanted.len())),
                state,
            }
        } else {
            match pick(subs, tier, unlicensed.len()) {
                Ok(s) => DeviceAction::License {
                    tenant,
                    tier: tier.clone(),
                    subscription_id: s.id.clone(),
                    subscription_key: s.key.clone(),
                    devices: unlicensed,
                    state,
                },
                Err(why) => DeviceAction::Cannot {
                    tenant,
                    what: format!("license {} with {tier}", count(unlicensed.len())),
                    why,
                    state,
                },
            }
        });
    }
    out
}
