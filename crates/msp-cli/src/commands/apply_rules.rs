//! The `[[notification_rules]]` and `[[delete_notification_rules]]` part of `plan` and
//! `apply`: their lines in the plan, and the check that a saved plan's rule actions are still
//! what Central's rules give.

use glp_auth::text::escape_control;
use msp_orchestrator::apply::RuleAction;

use crate::commands::apply::changes_text;
use crate::commands::apply_drift::{DriftWords, tenant_drift};

/// One line per rule action (tenant and rule named), then the counts; nothing when there is
/// none.
pub(crate) fn write_rule_plan(
    out: &mut impl std::io::Write,
    actions: &[RuleAction],
) -> std::io::Result<()> {
    for a in actions {
        let t = a.tenant();
        let at = format!(
            "rule '{}' in '{}' ({})",
            escape_control(a.name()),
            escape_control(&t.name),
            t.id
        );
        match a {
            RuleAction::Create { .. } => writeln!(out, "+ create  {at}")?,
            RuleAction::Update { changes, .. } => {
                writeln!(out, "~ update  {at} {}", changes_text(changes))?;
            }
            RuleAction::Delete { rule_id, .. } => {
                writeln!(out, "- delete  {at}: rule id {}", escape_control(rule_id))?;
            }
            RuleAction::Nothing { rule_id, .. } if rule_id.is_empty() => {
                writeln!(out, "= nothing {at}: no such rule")?;
            }
            RuleAction::Nothing { .. } => writeln!(out, "= nothing {at}")?,
            RuleAction::Skipped { why, .. } => {
                writeln!(out, ". skipped {at}: {}", escape_control(why))?;
            }
            RuleAction::Cannot { why, .. } => {
                writeln!(out, "! cannot  {at}: {}", escape_control(why))?;
            }
        }
    }
    if !actions.is_empty() {
        let n = |k: &str| actions.iter().filter(|a| a.kind() == k).count();
        writeln!(
            out,
            "Rules: {} to create, {} to update, {} to delete, {} unchanged, {} skipped (no \
             Central), {} cannot be done.",
            n("create"),
            n("update"),
            n("delete"),
            n("nothing"),
            n("skip"),
            n("cannot")
        )?;
    }
    Ok(())
}

/// How the rule actions read now (`now`) differ from those a saved plan holds (`saved`), one
/// line per tenant whose actions differ (a rule the manifest names was created, edited or
/// deleted there: each action carries the fingerprint of the rules read); empty when they are
/// the same.
pub(crate) fn rule_drift(saved: &[RuleAction], now: &[RuleAction]) -> Vec<String> {
    let words = DriftWords {
        kind: "rules",
        moved: "rules",
    };
    let word = |a: &RuleAction| format!("{} '{}'", a.kind(), a.name());
    tenant_drift((saved, now), RuleAction::tenant, word, &words)
}

#[cfg(test)]
mod tests {
    use msp_orchestrator::apply::NO_CENTRAL;

    use super::*;
    use crate::commands::apply_drift::test_tenant as tenant;

    fn nothing(n: u8, name: &str, state: &str) -> RuleAction {
        RuleAction::Nothing {
            tenant: tenant(n),
            rule_id: "r".into(),
            name: name.into(),
            state: state.into(),
        }
    }

    #[test]
    fn a_saved_plan_s_rules_that_moved_are_named_once_per_tenant() {
        let saved = vec![nothing(1, "NOC", "a"), nothing(2, "NOC", "b")];
        assert!(rule_drift(&saved, &saved).is_empty());
        let now = vec![
            RuleAction::Cannot {
                tenant: tenant(1),
                name: "NOC".into(),
                why: "two rules".into(),
                state: "a2".into(),
            },
            nothing(3, "NOC", "c"),
        ];
        assert_eq!(
            rule_drift(&saved, &now),
            [
                "rules in 'Tenant 1': planned nothing 'NOC', now cannot 'NOC'",
                "rules in 'Tenant 2': planned nothing 'NOC', now not selected",
                "rules in 'Tenant 3': planned not selected, now nothing 'NOC'",
            ]
        );
        // Someone edited a field the manifest does not set: the action is the same, the state
        // read is not.
        let edited = vec![nothing(1, "NOC", "a2"), nothing(2, "NOC", "b")];
        assert_eq!(
            rule_drift(&saved, &edited),
            ["rules in 'Tenant 1': its rules changed since the plan (nothing 'NOC')"]
        );
    }

    #[test]
    fn plan_lines_show_skips_deletions_and_what_is_held_back() {
        let actions = vec![
            RuleAction::Skipped {
                tenant: tenant(1),
                name: "NOC".into(),
                why: NO_CENTRAL.into(),
            },
            RuleAction::Delete {
                tenant: tenant(2),
                rule_id: "r-2".into(),
                name: "Old".into(),
                before: serde_json::json!({"id": "r-2"}),
                state: "s".into(),
            },
            RuleAction::Cannot {
                tenant: tenant(3),
                name: "Old".into(),
                why: "held back: deleting rule r-3 needs --allow-delete".into(),
                state: "t".into(),
            },
            nothing(4, "NOC", "u"),
        ];
        let mut out = Vec::new();
        write_rule_plan(&mut out, &actions).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        let id = |n: u8| tenant(n).id;
        assert_eq!(
            text,
            format!(
                ". skipped rule 'NOC' in 'Tenant 1' ({}): no Central for this tenant (provision \
                 Central, then apply again)\n\
                 - delete  rule 'Old' in 'Tenant 2' ({}): rule id r-2\n\
                 ! cannot  rule 'Old' in 'Tenant 3' ({}): held back: deleting rule r-3 needs \
                 --allow-delete\n\
                 = nothing rule 'NOC' in 'Tenant 4' ({})\n\
                 Rules: 0 to create, 0 to update, 1 to delete, 1 unchanged, 1 skipped (no \
                 Central), 1 cannot be done.\n",
                id(1),
                id(2),
                id(3),
                id(4)
            )
        );
    }
}
