//! The `[[notification_rules]]` part of `plan` and `apply`: their lines in the plan, and the
//! check that a saved plan's rule actions are still what Central's rules give.

use glp_auth::text::escape_control;
use msp_orchestrator::apply::RuleAction;

use crate::commands::apply::changes_text;

/// One line per rule action (tenant and rule named), nothing when there is none.
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
            RuleAction::Nothing { .. } => writeln!(out, "= nothing {at}")?,
            RuleAction::Cannot { why, .. } => {
                writeln!(out, "! cannot  {at}: {}", escape_control(why))?;
            }
        }
    }
    if !actions.is_empty() {
        let n = |k: &str| actions.iter().filter(|a| a.kind() == k).count();
        writeln!(
            out,
            "Rules: {} to create, {} to update, {} unchanged, {} cannot be done.",
            n("create"),
            n("update"),
            n("nothing"),
            n("cannot")
        )?;
    }
    Ok(())
}

/// How the rule actions read now (`now`) differ from those a saved plan holds (`saved`), one
/// line per difference; empty when they are the same.
pub(crate) fn rule_drift(saved: &[RuleAction], now: &[RuleAction]) -> Vec<String> {
    let key = |a: &RuleAction| (a.tenant().id, a.name().to_owned());
    let mut lines = Vec::new();
    for s in saved {
        match now.iter().find(|n| key(n) == key(s)) {
            Some(n) if n == s => {}
            Some(n) => lines.push(format!(
                "rule '{}' in '{}': planned {}, now {}",
                escape_control(s.name()),
                escape_control(&s.tenant().name),
                s.kind(),
                n.kind()
            )),
            None => lines.push(format!(
                "rule '{}' in '{}': no longer selected",
                escape_control(s.name()),
                escape_control(&s.tenant().name)
            )),
        }
    }
    for n in now
        .iter()
        .filter(|n| !saved.iter().any(|s| key(s) == key(n)))
    {
        lines.push(format!(
            "rule '{}' in '{}': newly selected",
            escape_control(n.name()),
            escape_control(&n.tenant().name)
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use glp_auth::WorkspaceId;
    use msp_orchestrator::apply::RuleTenant;

    use super::*;

    fn nothing(n: u8, name: &str) -> RuleAction {
        RuleAction::Nothing {
            tenant: RuleTenant {
                id: WorkspaceId::parse(&format!("{n:02x}{}", "0".repeat(30))).expect("id"),
                name: format!("Tenant {n}"),
                cluster: None,
            },
            rule_id: "r".into(),
            name: name.into(),
        }
    }

    #[test]
    fn a_saved_plan_s_rules_that_moved_are_named() {
        let saved = vec![nothing(1, "NOC"), nothing(2, "NOC")];
        assert!(rule_drift(&saved, &saved).is_empty());
        let RuleAction::Nothing { tenant, name, .. } = nothing(1, "NOC") else {
            unreachable!()
        };
        let now = vec![
            RuleAction::Cannot {
                tenant,
                name,
                why: "two rules".into(),
            },
            nothing(3, "NOC"),
        ];
        let lines = rule_drift(&saved, &now);
        assert_eq!(
            lines,
            [
                "rule 'NOC' in 'Tenant 1': planned nothing, now cannot",
                "rule 'NOC' in 'Tenant 2': no longer selected",
                "rule 'NOC' in 'Tenant 3': newly selected",
            ]
        );
        let mut out = Vec::new();
        write_rule_plan(&mut out, &now).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.contains("! cannot  rule 'NOC' in 'Tenant 1'"),
            "{text}"
        );
        assert!(
            text.ends_with("Rules: 0 to create, 0 to update, 1 unchanged, 1 cannot be done.\n"),
            "{text}"
        );
    }
}
