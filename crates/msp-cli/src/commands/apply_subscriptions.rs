//! The `[[subscriptions]]` part of `plan` and `apply`: reading their actions, their lines in
//! the plan (keys masked), and the check that a saved plan's subscription actions are still
//! what the workspaces give.

use glp_auth::text::escape_control;
use glp_workspaces::Tenant;
use msp_orchestrator::Cancel;
use msp_orchestrator::apply::{
    ActionResult, ApplyOptions, Manifest, Plan, SubscriptionAction, execute_subscriptions,
    plan_subscriptions,
};

use crate::commands::apply::unless_interrupted;
use crate::context::Context;

/// Workspaces whose subscriptions are read at once while planning `[[subscriptions]]`.
const SUBSCRIPTION_READS: usize = 8;

/// The `[[subscriptions]]` actions of `manifest` (a signal stops the reading).
pub(crate) async fn read_subscription_actions(
    ctx: &Context,
    manifest: &Manifest,
    tenants: &[Tenant],
    cancel: &Cancel,
) -> anyhow::Result<Vec<SubscriptionAction>> {
    let planned = plan_subscriptions(&ctx.workspaces, manifest, tenants, SUBSCRIPTION_READS);
    unless_interrupted(cancel, "reading the subscriptions", planned).await
}

/// What `apply` reads: `manifest`'s subscription actions against `tenants`; when applying a
/// saved plan (`saved`, its subscription actions), how they moved is added to `moved`.
pub(crate) async fn read_for_apply(
    ctx: &Context,
    (manifest, tenants, saved): (&Manifest, &[Tenant], Option<&Vec<SubscriptionAction>>),
    moved: &mut Option<Vec<String>>,
    cancel: &Cancel,
) -> anyhow::Result<Vec<SubscriptionAction>> {
    let now = read_subscription_actions(ctx, manifest, tenants, cancel).await?;
    if let (Some(moved), Some(saved)) = (moved, saved) {
        moved.extend(subscription_drift(saved, &now));
    }
    Ok(now)
}

/// Whether the action at plan position `i` writes, when it is a subscription action (they
/// come after the tenant, rule and device actions); `None` for any other position.
pub(crate) fn writes_at(plan: &Plan, i: usize) -> Option<bool> {
    let first = plan.actions.len() + plan.rule_actions.len() + plan.device_actions.len();
    let i = i.checked_sub(first)?;
    Some(plan.subscription_actions.get(i).is_some_and(|a| a.writes()))
}

/// Carries out `plan`'s subscription actions (numbered after its other actions), each result
/// handed to `record`.
pub(crate) async fn run(
    ctx: &Context,
    plan: &Plan,
    options: ApplyOptions,
    cancel: &Cancel,
    record: impl FnMut(&ActionResult),
) -> Vec<ActionResult> {
    let first = plan.actions.len() + plan.rule_actions.len() + plan.device_actions.len();
    let actions = &plan.subscription_actions;
    execute_subscriptions(&ctx.workspaces, actions, first, options, cancel, record).await
}

fn at(a: &SubscriptionAction) -> String {
    let w = a.workspace();
    match w.id {
        Some(id) => format!("in '{}' ({id})", escape_control(&w.name)),
        None if a.kind() == "cannot" => format!("for tenants {}", escape_control(&w.name)),
        None => "in the MSP workspace".to_owned(),
    }
}

/// One line per subscription action (workspace named, keys masked), then the counts;
/// nothing when there is none.
pub(crate) fn write_subscription_plan(
    out: &mut impl std::io::Write,
    actions: &[SubscriptionAction],
) -> std::io::Result<()> {
    for a in actions {
        let what = escape_control(&a.describe()).into_owned();
        match a {
            SubscriptionAction::Add { .. } => writeln!(out, "+ add     {what} {}", at(a))?,
            SubscriptionAction::Nothing { .. } => writeln!(out, "= nothing {what} {}", at(a))?,
            SubscriptionAction::Cannot { why, .. } => {
                writeln!(out, "! cannot  {what} {}: {}", at(a), escape_control(why))?;
            }
        }
    }
    if !actions.is_empty() {
        let n = |k: &str| actions.iter().filter(|a| a.kind() == k).count();
        let keys: usize = actions
            .iter()
            .map(|a| match a {
                SubscriptionAction::Add { keys, .. } => keys.len(),
                _ => 0,
            })
            .sum();
        writeln!(
            out,
            "Subscriptions: {} to add ({keys} keys), {} unchanged, {} cannot be done.",
            n("add"),
            n("nothing"),
            n("cannot")
        )?;
    }
    Ok(())
}

/// How the subscription actions read now differ from those a saved plan holds, one line per
/// entry whose action differs (the workspace's keys moved: each action carries the fingerprint
/// of what it read); empty when they are the same.
pub(crate) fn subscription_drift(
    saved: &[SubscriptionAction],
    now: &[SubscriptionAction],
) -> Vec<String> {
    let mut lines = Vec::new();
    for i in 0..saved.len().max(now.len()) {
        let (was, is) = (saved.get(i), now.get(i));
        if was == is {
            continue;
        }
        let words = |a: Option<&SubscriptionAction>| {
            a.map_or("nothing planned".to_owned(), |a| {
                escape_control(&format!("{} ({})", a.describe(), a.kind())).into_owned()
            })
        };
        let (w, n) = (words(was), words(is));
        let what = if w == n {
            format!("the workspace's subscriptions changed since the plan ({n})")
        } else {
            format!("planned {w}, now {n}")
        };
        lines.push(format!("[[subscriptions]] #{}: {what}", i + 1));
    }
    lines
}

#[cfg(test)]
mod tests {
    use glp_workspaces::SubscriptionKey;
    use msp_orchestrator::apply::SubscriptionWorkspace;

    use super::*;

    fn add(state: &str) -> SubscriptionAction {
        SubscriptionAction::Add {
            workspace: SubscriptionWorkspace::msp(),
            keys: vec![SubscriptionKey::new("BAASOAAg95").expect("key")],
            state: state.into(),
        }
    }

    #[test]
    fn plan_lines_show_keys_masked_and_moved_workspaces_are_named() {
        let mut out = Vec::new();
        write_subscription_plan(&mut out, &[add("a")]).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "+ add     add 1 subscription (****Ag95) in the MSP workspace\nSubscriptions: 1 to \
             add (1 keys), 0 unchanged, 0 cannot be done.\n"
        );
        assert!(subscription_drift(&[add("a")], &[add("a")]).is_empty());
        assert_eq!(
            subscription_drift(&[add("a")], &[add("b")]),
            [
                "[[subscriptions]] #1: the workspace's subscriptions changed since the plan (add 1 \
              subscription (****Ag95) (add))"
            ]
        );
        assert_eq!(
            subscription_drift(&[add("a")], &[]),
            [
                "[[subscriptions]] #1: planned add 1 subscription (****Ag95) (add), now nothing \
              planned"
            ]
        );
    }
}
