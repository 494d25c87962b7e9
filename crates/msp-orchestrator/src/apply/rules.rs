//! `[[notification_rules]]`: the same Central notification rule in every selected tenant. An
//! entry names the tenants (globs over names or ids, read as `--include` reads them:
//! [`TenantPattern`](crate::TenantPattern)), the rule's `name` and the rest of the spec's create body. Per selected
//! tenant the plan is a [`RuleAction`]: create, update (the fields that differ, sent as a merge
//! patch), nothing, or cannot (two rules with the name, one that differs only in case). A rule
//! is never deleted because the manifest leaves it out.

use central_api::{NotificationRule, RuleSpec};
use glp_core::WorkspaceId;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::manifest::name_key;
use super::plan::Change;
use crate::TenantRef;

/// One `[[notification_rules]]` entry: which tenants, and the rule (the spec's create body,
/// its keys beside `tenants`). Unknown keys are refused: the keys but `tenants` are read as a
/// [`RuleSpec`], which refuses them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleEntry {
    /// The tenants, as globs over names or ids (`["*"]`: every tenant).
    pub tenants: Vec<String>,
    /// The rule a create sends (its `name` unique within a tenant).
    #[serde(flatten)]
    pub rule: RuleSpec,
}

impl<'de> Deserialize<'de> for RuleEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `#[serde(flatten)]` would pass the flattened struct only its own keys, so an unknown
        // key would be dropped silently: the rest is read as a `RuleSpec` on its own instead.
        let mut keys = Map::deserialize(deserializer)?;
        let tenants = keys
            .remove("tenants")
            .ok_or_else(|| D::Error::missing_field("tenants"))?;
        Ok(Self {
            tenants: Vec::deserialize(tenants).map_err(D::Error::custom)?,
            rule: RuleSpec::deserialize(Value::Object(keys)).map_err(D::Error::custom)?,
        })
    }
}

impl RuleEntry {
    /// The rule a create sends.
    pub fn spec(&self) -> &RuleSpec {
        &self.rule
    }

    /// Whether the entry selects `tenant` (one of its patterns matches its name or an id).
    pub fn selects(&self, tenant: &TenantRef) -> bool {
        super::manifest::selects(&self.tenants, tenant)
    }

    /// The entry's problems, each in words (no tenants, a spec out of the API's bounds).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(super::manifest::patterns_problem(&self.tenants));
        if let Err(e) = self.spec().check() {
            out.push(e);
        }
        out
    }
}

/// `target` with the JSON merge patch `patch` applied (RFC 7396), as Central's PATCH does.
pub(crate) fn merged(target: &Value, patch: &Value) -> Value {
    let Value::Object(p) = patch else {
        return patch.clone();
    };
    let mut t = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            let next = merged(t.get(k).unwrap_or(&Value::Null), v);
            t.insert(k.clone(), next);
        }
    }
    Value::Object(t)
}

/// The fields of `spec` (but `name`) that `rule`, read whole, does not already read as: each
/// field's value once the spec's is merged into it differs from what it is.
pub fn rule_changes(spec: &RuleSpec, rule: &NotificationRule) -> Vec<Change> {
    spec.fields()
        .into_iter()
        .filter(|(k, _)| k != "name")
        .filter_map(|(field, want)| {
            let before = rule.fields.get(&field).cloned().unwrap_or(Value::Null);
            (merged(&before, &want) != before).then_some(Change {
                field,
                before,
                after: want,
            })
        })
        .collect()
}

/// A tenant a rule action is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleTenant {
    /// Its workspace id.
    pub id: WorkspaceId,
    /// Its name.
    pub name: String,
    /// The Central cluster it was placed on (`None`: the run's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

impl RuleTenant {
    /// The tenant of `t`.
    pub fn of(t: &TenantRef) -> Self {
        Self {
            id: t.workspace_id,
            name: t.name.clone(),
            cluster: t.cluster.clone(),
        }
    }
}

/// What the plan does for one rule in one tenant. Each carries `state`, the fingerprint of
/// the tenant's rules the plan read whole (those the manifest names), so a saved plan whose
/// tenant's rules moved since reads differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RuleAction {
    /// Create the rule.
    Create {
        /// The tenant.
        tenant: RuleTenant,
        /// What to send.
        spec: Box<RuleSpec>,
        /// The fingerprint of the tenant's rules read.
        #[serde(default)]
        state: String,
    },
    /// Update the rule: only `changes` are sent (a merge patch).
    Update {
        /// The tenant.
        tenant: RuleTenant,
        /// The rule's id.
        rule_id: String,
        /// The rule's name.
        name: String,
        /// The fields that differ, with what is sent.
        changes: Vec<Change>,
        /// The fingerprint of the tenant's rules read.
        #[serde(default)]
        state: String,
    },
    /// Delete the rule (a `[[delete_notification_rules]]` entry, deletion allowed).
    Delete {
        /// The tenant.
        tenant: RuleTenant,
        /// The rule's id.
        rule_id: String,
        /// The rule's name.
        name: String,
        /// The rule as it was read, whole (recorded as the change's before).
        before: Value,
        /// The fingerprint of the tenant's rules read.
        #[serde(default)]
        state: String,
    },
    /// Nothing to do: the rule reads as the manifest says (or, for a deletion, is not there).
    Nothing {
        /// The tenant.
        tenant: RuleTenant,
        /// The rule's id (empty when there is no such rule).
        rule_id: String,
        /// The rule's name.
        name: String,
        /// The fingerprint of the tenant's rules read.
        #[serde(default)]
        state: String,
    },
    /// Not for this tenant now, and no failure: a tenant a glob selected that has no Central
    /// yet (a workspace just made, its Central not provisioned).
    Skipped {
        /// The tenant.
        tenant: RuleTenant,
        /// The rule's name.
        name: String,
        /// Why, in words.
        why: String,
    },
    /// The rule cannot be carried out in this tenant.
    Cannot {
        /// The tenant.
        tenant: RuleTenant,
        /// The rule's name.
        name: String,
        /// Why, in words.
        why: String,
        /// The fingerprint of the tenant's rules read (empty when they were not read).
        #[serde(default)]
        state: String,
    },
}

/// Why a glob-selected tenant no Central cluster lists is skipped.
pub const NO_CENTRAL: &str = "no Central for this tenant (provision Central, then apply again)";

action_kinds! {
    /// `create`, `update`, `delete`, `nothing`, `skip` or `cannot`.
    RuleAction
    writes [Create => "create", Update => "update", Delete => "delete"]
    else [Nothing => "nothing", Skipped => "skip", Cannot => "cannot"],
    /// The tenant it is about.
    tenant: RuleTenant;
    /// Why it is skipped or cannot be done (`None` for the other kinds).
    why in [Skipped, Cannot]: str
}

impl RuleAction {
    /// The rule's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Create { spec, .. } => &spec.name,
            Self::Update { name, .. }
            | Self::Delete { name, .. }
            | Self::Nothing { name, .. }
            | Self::Skipped { name, .. }
            | Self::Cannot { name, .. } => name,
        }
    }

    /// The fingerprint of the tenant's rules the plan read (empty when none were read).
    pub fn state(&self) -> &str {
        match self {
            Self::Create { state, .. }
            | Self::Update { state, .. }
            | Self::Delete { state, .. }
            | Self::Nothing { state, .. }
            | Self::Cannot { state, .. } => state,
            Self::Skipped { .. } => "",
        }
    }

    /// The action with `state` as the fingerprint of what was read.
    pub(crate) fn with_state(mut self, fingerprint: &str) -> Self {
        match &mut self {
            Self::Create { state, .. }
            | Self::Update { state, .. }
            | Self::Delete { state, .. }
            | Self::Nothing { state, .. }
            | Self::Cannot { state, .. } => *state = fingerprint.to_owned(),
            Self::Skipped { .. } => {}
        }
        self
    }
}

/// The rules of `found` (a tenant's rules read whole) whose name is `name`, trimmed and without
/// case (how the name is unique).
pub fn same_name<'a>(found: &'a [NotificationRule], name: &str) -> Vec<&'a NotificationRule> {
    found
        .iter()
        .filter(|r| name_key(&r.name) == name_key(name))
        .collect()
}

/// The action for `spec` in `tenant`, whose rules of that name (trimmed, without case) are
/// `found`, each read whole.
pub fn plan_rule(spec: &RuleSpec, tenant: &TenantRef, found: &[NotificationRule]) -> RuleAction {
    let tenant = RuleTenant::of(tenant);
    let near = same_name(found, &spec.name);
    let cannot = |why: String| RuleAction::Cannot {
        tenant: tenant.clone(),
        name: spec.name.clone(),
        why,
        state: String::new(),
    };
    match near.as_slice() {
        [] => RuleAction::Create {
            tenant: tenant.clone(),
            spec: Box::new(spec.clone()),
            state: String::new(),
        },
        [r] if r.name != spec.name => cannot(format!(
            "a rule is named '{}', which differs only in case or spaces (a rule is never \
             renamed): use its exact name",
            glp_core::text::escape_control(&r.name)
        )),
        [r] => {
            let changes = rule_changes(spec, r);
            if changes.is_empty() {
                RuleAction::Nothing {
                    tenant: tenant.clone(),
                    rule_id: r.id.clone(),
                    name: r.name.clone(),
                    state: String::new(),
                }
            } else {
                RuleAction::Update {
                    tenant: tenant.clone(),
                    rule_id: r.id.clone(),
                    name: r.name.clone(),
                    changes,
                    state: String::new(),
                }
            }
        }
        many => cannot(format!(
            "{} rules have this name: make the names unique first",
            many.len()
        )),
    }
}
