//! [`Manifest`]: the desired state an MSP writes down. The types only: a front end reads its
//! file (TOML in the CLI) into them with serde, then calls [`Manifest::check`].

use std::collections::BTreeMap;

use glp_core::WorkspaceId;
use glp_workspaces::TenantSpec;
use serde::{Deserialize, Serialize};

use super::devices::DeviceEntry;
use super::fingerprint;
use super::rules::RuleEntry;
use super::rules_delete::RuleDeletion;
use super::unassign::UnassignEntry;

/// The most entries of one kind a manifest may hold (a bound on what one apply writes).
pub const MAX_ENTRIES: usize = 10_000;

/// The desired state: customer workspaces that must exist (`[[tenants]]`), those to delete
/// (`[[delete_tenants]]`, applied only when deletion is allowed) and notification rules that
/// must exist in the selected tenants (`[[notification_rules]]`), those to delete there
/// (`[[delete_notification_rules]]`, applied only when deletion is allowed), devices to assign
/// and license there (`[[device_assignments]]`), devices to unlicense or unassign there
/// (`[[device_unassignments]]`, applied only when deletion is allowed), subscription keys a
/// workspace must hold (`[[subscriptions]]`). Nothing is ever deleted, unlicensed or
/// unassigned because the manifest leaves it out. Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Workspaces that must exist, with these fields.
    #[serde(default)]
    pub tenants: Vec<TenantSpec>,
    /// Workspaces to delete, by name or id.
    #[serde(default)]
    pub delete_tenants: Vec<DeleteTenant>,
    /// Central notification rules that must exist in the tenants each entry selects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notification_rules: Vec<RuleEntry>,
    /// Central notification rules to delete, by name, in the tenants each entry selects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_notification_rules: Vec<RuleDeletion>,
    /// Devices that must be assigned to an application and licensed in the tenants each
    /// entry selects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_assignments: Vec<DeviceEntry>,
    /// Devices to unlicense or unassign in the tenants each entry selects (only with
    /// `--allow-delete`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_unassignments: Vec<UnassignEntry>,
    /// Subscription keys that must be present in the MSP's workspace or one tenant's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<super::subscriptions::SubscriptionEntry>,
}

/// A workspace to delete: by exact name, by id, or both (then both must match).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteTenant {
    /// The workspace's exact name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_name: Option<String>,
    /// The workspace's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WorkspaceId>,
}

/// A manifest that cannot be planned, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the manifest is not valid:\n  {}", .problems.join("\n  "))]
pub struct ManifestError {
    /// Each problem, naming its entry.
    pub problems: Vec<String>,
}

/// Whether one of `patterns` (globs over names or ids, read as `--include` reads them) selects
/// `tenant`: the `tenants` of a per-tenant manifest entry.
pub(crate) fn selects(patterns: &[String], tenant: &crate::TenantRef) -> bool {
    patterns.iter().any(|p| {
        crate::TenantPattern::new(p)
            .matches_tenant(tenant)
            .is_some()
    })
}

/// Whether a pattern of `patterns` without a glob character (a name or id the user wrote out)
/// selects `tenant`: then a tenant that cannot be planned is a failure, not a skip.
pub(crate) fn named_exactly(patterns: &[String], tenant: &crate::TenantRef) -> bool {
    patterns.iter().any(|p| {
        let p = crate::TenantPattern::new(p);
        !p.is_glob() && p.matches_tenant(tenant).is_some()
    })
}

/// The problem of an entry's `tenants`, if it has one (none, or a blank pattern).
pub(crate) fn patterns_problem(patterns: &[String]) -> Option<String> {
    (patterns.is_empty() || patterns.iter().any(|p| p.trim().is_empty()))
        .then(|| "'tenants' must list at least one non-blank pattern (\"*\": all)".to_owned())
}

/// The key names are matched on: trimmed, without case (how GreenLake refuses a duplicate).
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Manifest {
    /// Checks every entry: each `[[tenants]]` spec within the API's bounds, no name twice, each
    /// `[[delete_tenants]]` naming something and not also a tenant that must exist, each
    /// device entry selecting devices, no `[[device_unassignments]]` selecting devices a
    /// `[[device_assignments]]` entry selects too.
    pub fn check(&self) -> Result<(), ManifestError> {
        let mut problems = Vec::new();
        for (what, n) in [
            ("tenants", self.tenants.len()),
            ("delete_tenants", self.delete_tenants.len()),
            ("notification_rules", self.notification_rules.len()),
            (
                "delete_notification_rules",
                self.delete_notification_rules.len(),
            ),
            ("device_assignments", self.device_assignments.len()),
            ("device_unassignments", self.device_unassignments.len()),
            ("subscriptions", self.subscriptions.len()),
        ] {
            if n > MAX_ENTRIES {
                problems.push(format!(
                    "{n} [[{what}]] entries: at most {MAX_ENTRIES} per manifest"
                ));
            }
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (i, t) in self.tenants.iter().enumerate() {
            if let Err(e) = t.check() {
                problems.push(format!("[[tenants]] #{}: {e}", i + 1));
            }
            if let Some(first) = seen.insert(name_key(&t.workspace_name), i) {
                problems.push(format!(
                    "[[tenants]] #{} and #{} name the same workspace '{}'",
                    first + 1,
                    i + 1,
                    glp_core::text::escape_control(&t.workspace_name)
                ));
            }
        }
        for (i, d) in self.delete_tenants.iter().enumerate() {
            match &d.workspace_name {
                None if d.id.is_none() => problems.push(format!(
                    "[[delete_tenants]] #{}: give workspaceName, id or both",
                    i + 1
                )),
                Some(name) if seen.contains_key(&name_key(name)) => problems.push(format!(
                    "[[delete_tenants]] #{}: '{}' is also a tenant that must exist",
                    i + 1,
                    glp_core::text::escape_control(name)
                )),
                _ => {}
            }
        }
        let mut rule_names: BTreeMap<String, usize> = BTreeMap::new();
        for (i, r) in self.notification_rules.iter().enumerate() {
            for p in r.problems() {
                problems.push(format!("[[notification_rules]] #{}: {p}", i + 1));
            }
            if let Some(first) = rule_names.insert(name_key(&r.rule.name), i) {
                problems.push(format!(
                    "[[notification_rules]] #{} and #{} name the same rule '{}' (give one entry \
                     the tenants of both)",
                    first + 1,
                    i + 1,
                    glp_core::text::escape_control(&r.rule.name)
                ));
            }
        }
        let mut deleted: BTreeMap<String, usize> = BTreeMap::new();
        for (i, d) in self.delete_notification_rules.iter().enumerate() {
            let at = format!("[[delete_notification_rules]] #{}", i + 1);
            for p in d.problems() {
                problems.push(format!("{at}: {p}"));
            }
            let name = glp_core::text::escape_control(&d.name);
            if let Some(first) = deleted.insert(name_key(&d.name), i) {
                problems.push(format!(
                    "{at} and #{} name the same rule '{name}' (give one entry the tenants of both)",
                    first + 1
                ));
            }
            if rule_names.contains_key(&name_key(&d.name)) {
                problems.push(format!(
                    "{at}: '{name}' is also a [[notification_rules]] rule that must exist"
                ));
            }
        }
        for (i, d) in self.device_assignments.iter().enumerate() {
            for p in d.problems() {
                problems.push(format!("[[device_assignments]] #{}: {p}", i + 1));
            }
        }
        for (i, u) in self.device_unassignments.iter().enumerate() {
            for p in u.problems() {
                problems.push(format!("[[device_unassignments]] #{}: {p}", i + 1));
            }
            for (j, _) in self
                .device_assignments
                .iter()
                .enumerate()
                .filter(|(_, a)| u.overlaps(a))
            {
                problems.push(format!(
                    "[[device_unassignments]] #{} and [[device_assignments]] #{} select the same \
                     devices in the same tenants: a device cannot be both assigned and unassigned",
                    i + 1,
                    j + 1
                ));
            }
        }
        let mut keys: BTreeMap<String, usize> = BTreeMap::new();
        for (i, s) in self.subscriptions.iter().enumerate() {
            for p in s.problems() {
                problems.push(format!("[[subscriptions]] #{}: {p}", i + 1));
            }
            for k in &s.keys {
                if let Some(first) = keys.insert(k.expose().to_ascii_lowercase(), i) {
                    problems.push(format!(
                        "[[subscriptions]] #{} and #{} both name key {} (a key is added to one \
                         workspace)",
                        first + 1,
                        i + 1,
                        k.masked()
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ManifestError { problems })
        }
    }

    /// A fingerprint of the manifest's content (16 hex digits): equal manifests, equal
    /// fingerprints, whatever file they came from.
    pub fn fingerprint(&self) -> String {
        fingerprint(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// Whether the manifest asks for no change at all.
    pub fn is_empty(&self) -> bool {
        self.tenants.is_empty()
            && self.delete_tenants.is_empty()
            && self.notification_rules.is_empty()
            && self.delete_notification_rules.is_empty()
            && self.device_assignments.is_empty()
            && self.device_unassignments.is_empty()
            && self.subscriptions.is_empty()
    }
}
