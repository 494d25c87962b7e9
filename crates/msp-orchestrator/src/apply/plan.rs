//! [`Plan`]: what a [`Manifest`] asks of the tenants as they are, one [`Action`] per entry,
//! with the state it was computed from ([`ObservedTenant`]s and their fingerprint).

use std::collections::BTreeMap;

use glp_core::WorkspaceId;
use glp_workspaces::{Tenant, TenantSpec};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fingerprint;
use super::manifest::{Manifest, name_key};

/// The plan file's format version. 2: rule actions carry the fingerprint of the rules they
/// were planned on, and the plan holds subscription and device-removal actions (a plan of
/// format 1 is refused: plan again).
pub const PLAN_FORMAT: u32 = 2;

/// The fields of a `[[tenants]]` entry a listing may show, by their wire names; a field the
/// listed item does not carry cannot be compared.
const COMPARED: &[&str] = &["description", "email", "phoneNumber"];

/// A workspace the plan looked at (one whose name or id the manifest names), with the fields
/// the listing showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedTenant {
    /// The workspace id.
    pub id: WorkspaceId,
    /// Its name.
    pub workspace_name: String,
    /// `inventoryOwnership` and the compared fields (`description`, `email`, `phoneNumber`) the
    /// listing carried (a field listed as `null` is kept as `null`).
    pub fields: BTreeMap<String, Value>,
}

impl ObservedTenant {
    /// The observation of a listed tenant.
    pub fn of(t: &Tenant) -> Self {
        let mut fields = BTreeMap::new();
        if let Some(o) = &t.inventory_ownership {
            fields.insert("inventoryOwnership".to_owned(), Value::String(o.clone()));
        }
        for key in COMPARED {
            if let Some(v) = t.extra.get(*key) {
                fields.insert((*key).to_owned(), v.clone());
            }
        }
        Self {
            id: t.id,
            workspace_name: t.workspace_name.clone(),
            fields,
        }
    }
}

/// One field an update changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The field's wire name.
    pub field: String,
    /// What the listing showed (`null`: unset).
    pub before: Value,
    /// What the manifest asks for.
    pub after: Value,
}

/// What the plan does for one manifest entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Create the workspace.
    Create {
        /// What to send.
        spec: TenantSpec,
    },
    /// Update the workspace: `changes` differ; the whole `spec` is sent.
    Update {
        /// The workspace.
        id: WorkspaceId,
        /// What to send.
        spec: TenantSpec,
        /// The fields that differ.
        changes: Vec<Change>,
        /// Fields the manifest sets that the listing does not show.
        not_compared: Vec<String>,
    },
    /// Delete the workspace.
    Delete {
        /// The workspace.
        id: WorkspaceId,
        /// Its name.
        workspace_name: String,
    },
    /// Nothing to do: it is as the manifest says (or, for a deletion, already gone).
    Nothing {
        /// The workspace, when it exists.
        id: Option<WorkspaceId>,
        /// Its name.
        workspace_name: String,
        /// Fields the manifest sets that the listing does not show.
        not_compared: Vec<String>,
    },
    /// The entry cannot be carried out.
    Cannot {
        /// The name (or id) of the entry.
        workspace_name: String,
        /// Why, in words.
        why: String,
    },
}

action_kinds! {
    /// `create`, `update`, `delete`, `nothing` or `cannot`.
    Action
    writes [Create => "create", Update => "update", Delete => "delete"]
    else [Nothing => "nothing", Cannot => "cannot"]
}

impl Action {
    /// The name of the workspace it is about.
    pub fn workspace_name(&self) -> &str {
        match self {
            Self::Create { spec } | Self::Update { spec, .. } => &spec.workspace_name,
            Self::Delete { workspace_name, .. }
            | Self::Nothing { workspace_name, .. }
            | Self::Cannot { workspace_name, .. } => workspace_name,
        }
    }

    /// The workspace id it is about, when the workspace exists.
    pub fn id(&self) -> Option<WorkspaceId> {
        match self {
            Self::Update { id, .. } | Self::Delete { id, .. } => Some(*id),
            Self::Nothing { id, .. } => *id,
            Self::Create { .. } | Self::Cannot { .. } => None,
        }
    }
}

/// A plan: the manifest, the state it was computed from and what to do. Serializes to the
/// plan file (`--out plan.json`); [`Plan::drift`] says whether the state has moved since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// [`PLAN_FORMAT`].
    pub format: u32,
    /// The manifest planned.
    pub manifest: Manifest,
    /// Its fingerprint.
    pub manifest_fingerprint: String,
    /// Whether `[[delete_tenants]]` may delete.
    pub allow_delete: bool,
    /// The fingerprint of `observed`.
    pub state_fingerprint: String,
    /// The workspaces the manifest names, as they were, by id.
    pub observed: Vec<ObservedTenant>,
    /// One action per `[[tenants]]` entry, then one per `[[delete_tenants]]` entry.
    pub actions: Vec<Action>,
    /// One action per `[[notification_rules]]` or `[[delete_notification_rules]]` entry and
    /// tenant it selects (set by the caller from [`plan_rules`](super::plan_rules), which reads
    /// Central; each carries the fingerprint of the tenant's rules read, and an apply of a
    /// saved plan reads them again and stops if they differ).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule_actions: Vec<super::rules::RuleAction>,
    /// One or two actions (assign, license) per `[[device_assignments]]` entry and tenant it
    /// selects (set by the caller from [`plan_assignments`](super::plan_assignments), which
    /// reads each tenant's devices; each carries the fingerprint of what it read, and an apply
    /// of a saved plan reads them again and stops if they differ).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_actions: Vec<super::devices::DeviceAction>,
    /// One action per `[[subscriptions]]` entry (set by the caller from
    /// [`plan_subscriptions`](super::plan_subscriptions), which reads the workspace's keys;
    /// each carries the fingerprint of what it read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscription_actions: Vec<super::subscriptions::SubscriptionAction>,
}

/// The workspaces of `tenants` that `manifest` names (by name, without case, or by id), sorted
/// by id: the state a plan depends on.
pub fn observe(manifest: &Manifest, tenants: &[Tenant]) -> Vec<ObservedTenant> {
    let names: Vec<String> = manifest
        .tenants
        .iter()
        .map(|t| name_key(&t.workspace_name))
        .chain(
            manifest
                .delete_tenants
                .iter()
                .filter_map(|d| d.workspace_name.as_deref().map(name_key)),
        )
        .collect();
    let ids: Vec<WorkspaceId> = manifest
        .delete_tenants
        .iter()
        .filter_map(|d| d.id)
        .collect();
    let mut seen: Vec<ObservedTenant> = tenants
        .iter()
        .filter(|t| names.contains(&name_key(&t.workspace_name)) || ids.contains(&t.id))
        .map(ObservedTenant::of)
        .collect();
    seen.sort_by_key(|o| o.id.hyphenated());
    seen.dedup_by_key(|o| o.id);
    seen
}

/// The fingerprint of an observed state.
pub fn state_fingerprint(observed: &[ObservedTenant]) -> String {
    fingerprint(&serde_json::to_vec(observed).unwrap_or_default())
}

fn spec_value(spec: &TenantSpec, field: &str) -> Option<Value> {
    match field {
        "description" => spec.description.clone().map(Value::String),
        "email" => spec.email.clone().map(Value::String),
        "phoneNumber" => spec.phone_number.clone().map(Value::String),
        _ => None,
    }
}

/// The fields `spec` sets that a listing never shows (so never compared).
fn never_listed(spec: &TenantSpec) -> Vec<String> {
    spec.address
        .as_ref()
        .map(|_| "address".to_owned())
        .into_iter()
        .collect()
}

fn for_tenant(spec: &TenantSpec, observed: &[ObservedTenant]) -> Action {
    let exact: Vec<&ObservedTenant> = observed
        .iter()
        .filter(|o| o.workspace_name == spec.workspace_name)
        .collect();
    let cannot = |why: String| Action::Cannot {
        workspace_name: spec.workspace_name.clone(),
        why,
    };
    let o = match exact.as_slice() {
        [o] => *o,
        [] => {
            let near: Vec<&str> = observed
                .iter()
                .filter(|o| name_key(&o.workspace_name) == name_key(&spec.workspace_name))
                .map(|o| o.workspace_name.as_str())
                .collect();
            return match near.first() {
                None => Action::Create { spec: spec.clone() },
                Some(other) => cannot(format!(
                    "a workspace is named '{}', which differs only in case or spaces: rename \
                     it or use its exact name",
                    glp_core::text::escape_control(other)
                )),
            };
        }
        many => {
            let ids: Vec<String> = many.iter().map(|o| o.id.hyphenated()).collect();
            return cannot(format!(
                "the name matches {} workspaces ({}): make the names unique first",
                many.len(),
                ids.join(", ")
            ));
        }
    };
    if let (Some(want), Some(have)) = (
        &spec.inventory_ownership,
        o.fields.get("inventoryOwnership").and_then(Value::as_str),
    ) && want != have
    {
        return cannot(format!(
            "its inventoryOwnership is {have}, the manifest says {want}: this tool does not \
             change who owns a tenant's inventory"
        ));
    }
    let mut changes = Vec::new();
    let mut not_compared = never_listed(spec);
    for field in COMPARED {
        let Some(after) = spec_value(spec, field) else {
            continue;
        };
        match o.fields.get(*field) {
            None => not_compared.push((*field).to_owned()),
            Some(before) if *before == after => {}
            Some(before) => changes.push(Change {
                field: (*field).to_owned(),
                before: before.clone(),
                after,
            }),
        }
    }
    if changes.is_empty() {
        Action::Nothing {
            id: Some(o.id),
            workspace_name: o.workspace_name.clone(),
            not_compared,
        }
    } else {
        Action::Update {
            id: o.id,
            spec: spec.clone(),
            changes,
            not_compared,
        }
    }
}

fn for_delete(
    d: &super::manifest::DeleteTenant,
    observed: &[ObservedTenant],
    allow: bool,
) -> Action {
    let label = d
        .workspace_name
        .clone()
        .or_else(|| d.id.map(|id| id.hyphenated()))
        .unwrap_or_default();
    let matching: Vec<&ObservedTenant> = observed
        .iter()
        .filter(|o| d.id.is_none_or(|id| id == o.id))
        .filter(|o| {
            d.workspace_name
                .as_deref()
                .is_none_or(|n| n == o.workspace_name)
        })
        .collect();
    match matching.as_slice() {
        [] => Action::Nothing {
            id: None,
            workspace_name: label,
            not_compared: Vec::new(),
        },
        [o] if allow => Action::Delete {
            id: o.id,
            workspace_name: o.workspace_name.clone(),
        },
        [_] => Action::Cannot {
            workspace_name: label,
            why: "deleting needs --allow-delete".to_owned(),
        },
        many => Action::Cannot {
            workspace_name: label,
            why: format!(
                "the name matches {} workspaces: name the one to delete by id",
                many.len()
            ),
        },
    }
}

impl Plan {
    /// The plan of `manifest` (already [checked](Manifest::check)) against `tenants`, every
    /// workspace the MSP has now.
    pub fn compute(manifest: &Manifest, tenants: &[Tenant], allow_delete: bool) -> Self {
        let observed = observe(manifest, tenants);
        let actions = manifest
            .tenants
            .iter()
            .map(|spec| for_tenant(spec, &observed))
            .chain(
                manifest
                    .delete_tenants
                    .iter()
                    .map(|d| for_delete(d, &observed, allow_delete)),
            )
            .collect();
        Self {
            format: PLAN_FORMAT,
            manifest: manifest.clone(),
            manifest_fingerprint: manifest.fingerprint(),
            allow_delete,
            state_fingerprint: state_fingerprint(&observed),
            observed,
            actions,
            rule_actions: Vec::new(),
            device_actions: Vec::new(),
            subscription_actions: Vec::new(),
        }
    }

    /// How many actions write (tenant, rule and device actions).
    pub fn writes(&self) -> usize {
        self.actions.iter().filter(|a| a.writes()).count()
            + self.rule_actions.iter().filter(|a| a.writes()).count()
            + self.device_actions.iter().filter(|a| a.writes()).count()
            + self
                .subscription_actions
                .iter()
                .filter(|a| a.writes())
                .count()
    }

    /// Whether this plan (read back from a file) may be carried out on `tenants`, every
    /// workspace now: the [`drift`](Self::drift) of its state, or, when the state is the same,
    /// a line saying its actions are not what its manifest gives on that state (an edited file,
    /// or one written by another version). Empty: it may.
    pub fn recheck(&self, tenants: &[Tenant]) -> Vec<String> {
        let drift = self.drift(tenants);
        if !drift.is_empty() {
            return drift;
        }
        let fresh = Self::compute(&self.manifest, tenants, self.allow_delete);
        if fresh.actions != self.actions || fresh.manifest_fingerprint != self.manifest_fingerprint
        {
            return vec![
                "the plan's actions are not what its manifest gives on this state (edited, or \
                 written by another version)"
                    .to_owned(),
            ];
        }
        Vec::new()
    }

    /// How the state the manifest depends on differs in `tenants` (every workspace now) from
    /// what the plan saw, one line per workspace; empty when it is the same.
    pub fn drift(&self, tenants: &[Tenant]) -> Vec<String> {
        let now = observe(&self.manifest, tenants);
        if state_fingerprint(&now) == self.state_fingerprint {
            return Vec::new();
        }
        let name =
            |o: &ObservedTenant| glp_core::text::escape_control(&o.workspace_name).into_owned();
        let mut lines = Vec::new();
        for before in &self.observed {
            match now.iter().find(|o| o.id == before.id) {
                None => lines.push(format!("gone: '{}' ({})", name(before), before.id)),
                Some(after) if after != before => {
                    let mut what = Vec::new();
                    if after.workspace_name != before.workspace_name {
                        what.push(format!("name now '{}'", name(after)));
                    }
                    let keys: std::collections::BTreeSet<&String> =
                        before.fields.keys().chain(after.fields.keys()).collect();
                    for k in keys {
                        if before.fields.get(k) != after.fields.get(k) {
                            what.push(format!("{k} changed"));
                        }
                    }
                    lines.push(format!(
                        "changed: '{}' ({}): {}",
                        name(before),
                        before.id,
                        what.join(", ")
                    ));
                }
                Some(_) => {}
            }
        }
        for after in &now {
            if !self.observed.iter().any(|o| o.id == after.id) {
                lines.push(format!("new: '{}' ({})", name(after), after.id));
            }
        }
        if lines.is_empty() {
            lines.push("the state's fingerprint differs".to_owned());
        }
        lines
    }
}
