//! `[[delete_notification_rules]]`: a Central notification rule deleted, by name, in every
//! selected tenant, only when deletion is allowed (`--allow-delete`); without it the plan
//! holds it back and says why, as for `[[delete_tenants]]`. A rule the manifest leaves out is
//! never deleted.

use central_api::NotificationRule;
use serde::{Deserialize, Serialize};

use super::rules::{RuleAction, RuleTenant, same_name};
use crate::TenantRef;

/// The longest rule name (the spec's bound).
const MAX_NAME: usize = 128;

/// One `[[delete_notification_rules]]` entry: which tenants, and the rule's exact name.
/// Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDeletion {
    /// The tenants, as globs over names or ids (`["*"]`: every tenant).
    pub tenants: Vec<String>,
    /// The rule's exact name.
    pub name: String,
}

impl RuleDeletion {
    /// Whether the entry selects `tenant`.
    pub fn selects(&self, tenant: &TenantRef) -> bool {
        super::manifest::selects(&self.tenants, tenant)
    }

    /// The entry's problems, each in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = super::manifest::patterns_problem(&self.tenants)
            .into_iter()
            .collect();
        if self.name.trim().is_empty()
            || self.name.chars().count() > MAX_NAME
            || self.name.chars().any(char::is_control)
        {
            out.push(format!(
                "'name' must be 1 to {MAX_NAME} characters, no control character"
            ));
        }
        out
    }
}

/// The action for deleting the rule `d` names in `tenant`, whose rules of that name (trimmed,
/// without case) are `found`, each read whole: delete it (when `allow`), held back (a
/// `cannot` saying deleting needs `--allow-delete`), nothing (no such rule), or cannot (two
/// rules of the name, or one differing only in case: a deletion names the rule exactly).
pub fn plan_rule_delete(
    d: &RuleDeletion,
    tenant: &TenantRef,
    found: &[NotificationRule],
    allow: bool,
) -> RuleAction {
    let tenant = RuleTenant::of(tenant);
    let cannot = |why: String| RuleAction::Cannot {
        tenant: tenant.clone(),
        name: d.name.clone(),
        why,
        state: String::new(),
    };
    match same_name(found, &d.name).as_slice() {
        [] => RuleAction::Nothing {
            tenant,
            rule_id: String::new(),
            name: d.name.clone(),
            state: String::new(),
        },
        [r] if r.name != d.name => cannot(format!(
            "a rule is named '{}', which differs only in case or spaces: a deletion names the \
             rule exactly",
            glp_core::text::escape_control(&r.name)
        )),
        [r] if allow => RuleAction::Delete {
            tenant,
            rule_id: r.id.clone(),
            name: r.name.clone(),
            before: serde_json::to_value(r).unwrap_or_default(),
            state: String::new(),
        },
        [r] => cannot(format!(
            "held back: deleting rule {} needs --allow-delete",
            glp_core::text::untrusted(&r.id)
        )),
        many => cannot(format!(
            "{} rules have this name: delete them by hand, or make the names unique first",
            many.len()
        )),
    }
}
