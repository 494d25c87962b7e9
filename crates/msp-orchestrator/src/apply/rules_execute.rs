//! Reading a tenant's notification rules for a plan ([`read_rules`]) and carrying out the
//! [`RuleAction`]s ([`execute_rules`]), each write **at most once** unless a re-read proves it
//! did not take effect: a create whose answer was lost is never sent again (the tenant's rules
//! are listed by name first: one is there, it is done; none, it failed and the next apply
//! makes it); an update whose answer was lost is read back and sent once more only if it is
//! not in effect (a merge patch is idempotent); a delete whose answer was lost, or that was
//! answered 404, is settled by reading the rule again: gone, it is done.

use central_api::{NotificationRule, TenantClient};
use futures::TryStreamExt as _;
use glp_transport::ApiError;
use serde_json::{Value, json};

use super::execute::{ActionResult, ActionStatus, ApplyOptions};
use super::once::{Settled, drive, never_twice, not_carried_out};
use super::rules::{RuleAction, RuleTenant, merged, same_name};
use crate::Cancel;

/// The tenant's rules named as one of `names` (trimmed, without case), each read whole (a
/// listing shows only a count of the alert names).
pub async fn read_rules(
    client: &TenantClient,
    names: &[&str],
) -> Result<Vec<NotificationRule>, ApiError> {
    let listed: Vec<NotificationRule> = client.notification_rules().stream().try_collect().await?;
    let mut whole = Vec::new();
    for name in names {
        for r in same_name(&listed, name) {
            if !whole.iter().any(|w: &NotificationRule| w.id == r.id) {
                whole.push(client.notification_rule(&r.id).await?);
            }
        }
    }
    Ok(whole)
}

/// The kind recorded for a rule action: `rule_create`, `rule_update`, `rule_delete`,
/// `nothing`, `skip` or `cannot`.
fn recorded_kind(action: &RuleAction) -> &'static str {
    match action {
        RuleAction::Create { .. } => "rule_create",
        RuleAction::Update { .. } => "rule_update",
        RuleAction::Delete { .. } => "rule_delete",
        other => other.kind(),
    }
}

/// A result for rule action `action` at plan position `index`, not yet carried out.
fn pending(index: usize, action: &RuleAction) -> ActionResult {
    let name = action.name();
    let (before, after) = match action {
        RuleAction::Create { spec, .. } => (Value::Null, json!({ "rule": name, "spec": spec })),
        RuleAction::Update {
            rule_id, changes, ..
        } => {
            let before: serde_json::Map<String, Value> = changes
                .iter()
                .map(|c| (c.field.clone(), c.before.clone()))
                .collect();
            let after: serde_json::Map<String, Value> = changes
                .iter()
                .map(|c| (c.field.clone(), c.after.clone()))
                .collect();
            (
                json!({ "rule": name, "id": rule_id, "fields": before }),
                json!({ "rule": name, "id": rule_id, "fields": after }),
            )
        }
        RuleAction::Delete {
            rule_id, before, ..
        } => (
            json!({ "rule": name, "id": rule_id, "fields": before }),
            Value::Null,
        ),
        _ => (Value::Null, Value::Null),
    };
    let detail = match action {
        RuleAction::Nothing { rule_id, .. } if rule_id.is_empty() => {
            format!("rule '{name}': nothing to do (no such rule)")
        }
        _ => not_carried_out(&format!("rule '{name}'"), action.kind(), action.why()),
    };
    ActionResult::in_tenant(
        index,
        recorded_kind(action),
        action.tenant(),
        &detail,
        (before, after),
    )
}

/// Whether the update `action` now reads as asked on `rule`.
fn update_in_effect(action: &RuleAction, rule: &NotificationRule) -> bool {
    let RuleAction::Update { changes, .. } = action else {
        return true;
    };
    changes.iter().all(|c| {
        let now = rule.fields.get(&c.field).cloned().unwrap_or(Value::Null);
        merged(&now, &c.after) == now
    })
}

async fn send(client: &TenantClient, action: &RuleAction) -> Result<NotificationRule, ApiError> {
    match action {
        RuleAction::Create { spec, .. } => client.create_notification_rule(spec).await,
        RuleAction::Update {
            rule_id, changes, ..
        } => {
            let fields = changes
                .iter()
                .map(|c| (c.field.clone(), c.after.clone()))
                .collect();
            client.update_notification_rule(rule_id, &fields).await
        }
        RuleAction::Delete { rule_id, .. } => {
            client
                .delete_notification_rule(rule_id)
                .await
                .map(|()| NotificationRule {
                    id: rule_id.clone(),
                    name: action.name().to_owned(),
                    fields: serde_json::Map::new(),
                })
        }
        _ => Err(ApiError::InvalidRequest(
            "this action does not write".into(),
        )),
    }
}

/// Whether the write of `action` whose answer was lost took effect: `Ok(Some(id))` yes (the
/// rule's id), `Ok(None)` no, `Err` the re-read failed.
async fn took_effect(client: &TenantClient, action: &RuleAction) -> Result<Option<String>, String> {
    let reread = |e: ApiError| format!("re-reading the rules failed: {e}");
    match action {
        RuleAction::Update { rule_id, .. } => {
            let rule = client.notification_rule(rule_id).await.map_err(reread)?;
            Ok(update_in_effect(action, &rule).then_some(rule.id))
        }
        RuleAction::Delete { rule_id, .. } => match client.notification_rule(rule_id).await {
            Ok(_) => Ok(None),
            Err(e) if e.status() == Some(404) => Ok(Some(rule_id.clone())),
            Err(e) => Err(reread(e)),
        },
        _ => {
            let found = read_rules(client, &[action.name()]).await.map_err(reread)?;
            Ok(found.first().map(|r| r.id.clone()))
        }
    }
}

/// Carries out one writing rule action, never twice (see the module's documentation).
async fn run_one(client: &TenantClient, action: &RuleAction, r: &mut ActionResult) {
    let name = glp_core::text::escape_control(action.name()).into_owned();
    let create = matches!(action, RuleAction::Create { .. });
    let check = || async {
        let id = took_effect(client, action).await?;
        Ok(id.map(|id| format!(" ({})", glp_core::text::untrusted(&id))))
    };
    match never_twice(r, !create, || send(client, action), check).await {
        Settled::Answered(rule) => {
            r.status = ActionStatus::Done;
            r.http_status = Some(match action {
                RuleAction::Create { .. } => 201,
                RuleAction::Delete { .. } => 204,
                _ => 200,
            });
            r.detail = format!("rule '{name}' ({})", glp_core::text::untrusted(&rule.id));
        }
        Settled::InEffect(id) => {
            r.status = ActionStatus::Done;
            r.detail =
                format!("rule '{name}'{id}: the answer was lost; a re-read shows it took effect");
        }
        Settled::Failed(why) => {
            r.status = ActionStatus::Failed;
            r.detail = format!("rule '{name}': {why}");
            if matches!(action, RuleAction::Delete { .. }) && r.http_status == Some(404) {
                gone_already(client, action, &name, r).await;
            }
        }
    }
}

/// A delete answered 404: done when a re-read shows the rule gone (someone deleted it first),
/// failed as it was otherwise.
async fn gone_already(
    client: &TenantClient,
    action: &RuleAction,
    name: &str,
    r: &mut ActionResult,
) {
    match took_effect(client, action).await {
        Ok(Some(id)) => {
            r.status = ActionStatus::Done;
            r.detail = format!(
                "rule '{name}' ({}): already gone (404); a re-read shows no such rule",
                glp_core::text::untrusted(&id)
            );
        }
        Ok(None) => r.detail.push_str("; a re-read still shows the rule"),
        Err(why) => r.detail = format!("{}; {why}", r.detail),
    }
}

/// Carries out `actions` (numbered from `first_index` in the record), at most
/// `options.concurrency` writes at once, each with the Central client `client_of` gives for its
/// tenant (its token, its cluster); once `cancel` asks to stop, no new write starts. Each result
/// is handed to `done` as it is known.
pub async fn execute_rules(
    client_of: impl Fn(&RuleTenant) -> TenantClient,
    actions: &[RuleAction],
    first_index: usize,
    options: ApplyOptions,
    cancel: &Cancel,
    done: impl FnMut(&ActionResult),
) -> Vec<ActionResult> {
    let groups = (0..actions.len())
        .filter(|&i| actions[i].writes())
        .map(|i| vec![i])
        .collect();
    let client_of = &client_of;
    let run = |i: usize, mut r: ActionResult| async move {
        let client = client_of(actions[i].tenant());
        run_one(&client, &actions[i], &mut r).await;
        r
    };
    let pending = |i| pending(first_index + i, &actions[i]);
    let (n, at_once) = (actions.len(), options.concurrency);
    drive(n, pending, groups, run, at_once, cancel, done).await
}
