//! Carrying out [`SubscriptionAction`]s ([`execute_subscriptions`]): each action's keys in
//! batches of [`MAX_KEYS_PER_POST`], one `POST subscriptions/v1/subscriptions` each, its
//! asynchronous operation polled to its end. A workspace's actions run one after the other
//! (GreenLake allows 4 adds a minute per workspace: the transport paces writes per workspace
//! and slows down on a 429, never failing for it); workspaces run side by side.
//!
//! **Never twice**: when a batch's answer is lost
//! ([`ApiError::OutcomeUnknown`](glp_transport::ApiError::OutcomeUnknown)), or its operation could
//! not be followed to its end, the workspace's subscriptions are read again: the batch is done if
//! every key is now listed. Otherwise it is **not** sent again (an add may still be under way, and
//! a key is claimed once): the action fails, saying so, and the next apply plans what is still
//! missing.

use std::collections::BTreeMap;

use glp_workspaces::{
    MAX_KEYS_PER_POST, SubscriptionKey, WorkspacesClient, subscription_operation_id,
};
use serde_json::{Value, json};

use super::execute::{ActionResult, ActionStatus, ApplyOptions};
use super::once::{drive, not_carried_out, run_batches, write_and_follow};
use super::subscriptions::{SubscriptionAction, SubscriptionWorkspace, masked};
use crate::Cancel;

/// `text` with every key of `keys` found in it masked (the server's words may quote them).
fn scrub(text: &str, keys: &[&SubscriptionKey]) -> String {
    keys.iter()
        .fold(text.to_owned(), |t, k| t.replace(k.expose(), &k.masked()))
}

/// Sends one batch, never twice (see the module's documentation), counting into `r`: `Err`
/// says why it failed.
async fn run_batch(
    client: &WorkspacesClient,
    workspace: &SubscriptionWorkspace,
    keys: &[&SubscriptionKey],
    r: &mut ActionResult,
) -> Result<(), String> {
    let scope = workspace.scope();
    let check = || async {
        let listed = client
            .subscription_keys(scope)
            .await
            .map_err(|e| format!("re-reading the subscriptions failed: {e}"))?;
        let all = keys.iter().all(|k| listed.iter().any(|l| k.is(l)));
        Ok(all.then(String::new))
    };
    let send = || client.add_subscriptions(scope, keys);
    let wait = async |op: String| client.wait_subscription_operation(scope, &op).await;
    write_and_follow(r, (false, send), check, subscription_operation_id, wait)
        .await
        .map_err(|why| scrub(&why, keys))
}

/// A result for `action` at plan position `index`, not yet carried out.
fn pending(index: usize, action: &SubscriptionAction) -> ActionResult {
    let after = match action {
        SubscriptionAction::Add { keys, .. } => json!({ "keys": masked(keys) }),
        _ => Value::Null,
    };
    let detail = not_carried_out(&action.describe(), action.kind(), action.why());
    let w = action.workspace();
    ActionResult {
        index,
        action: action.kind(),
        workspace_name: w.name.clone(),
        id: w.id,
        status: ActionStatus::Skipped,
        detail: glp_core::text::escape_control(&detail).into_owned(),
        http_status: None,
        writes_sent: 0,
        answer_lost: false,
        before: Value::Null,
        after,
    }
}

/// Carries out one writing action, batch after batch (stopping between two when asked).
async fn run_one(
    client: &WorkspacesClient,
    action: &SubscriptionAction,
    r: &mut ActionResult,
    cancel: &Cancel,
) {
    let SubscriptionAction::Add {
        workspace, keys, ..
    } = action
    else {
        return;
    };
    let batches: Vec<Vec<&SubscriptionKey>> = keys
        .chunks(MAX_KEYS_PER_POST)
        .map(|c| c.iter().collect())
        .collect();
    let failed = |batch: &Vec<&SubscriptionKey>, why| {
        let owned: Vec<SubscriptionKey> = batch.iter().map(|k| (*k).clone()).collect();
        format!("keys {}: {why}", masked(&owned))
    };
    let send = async |batch: &Vec<&SubscriptionKey>, r: &mut ActionResult| {
        run_batch(client, workspace, batch, r).await
    };
    let describe = action.describe();
    run_batches(r, (&describe, &batches), cancel, failed, send).await;
}

/// Carries out `actions` (numbered from `first_index` in the record) through `client` (the
/// MSP's, whose provider also exchanges the tenants' tokens): each workspace's in order, at
/// most `options.concurrency` workspaces at once; once `cancel` asks to stop, no new batch
/// starts. Each result is handed to `done` as it is known.
pub async fn execute_subscriptions(
    client: &WorkspacesClient,
    actions: &[SubscriptionAction],
    first_index: usize,
    options: ApplyOptions,
    cancel: &Cancel,
    done: impl FnMut(&ActionResult),
) -> Vec<ActionResult> {
    let mut by_workspace: BTreeMap<Option<glp_core::WorkspaceId>, Vec<usize>> = BTreeMap::new();
    for (i, a) in actions.iter().enumerate().filter(|(_, a)| a.writes()) {
        by_workspace.entry(a.workspace().id).or_default().push(i);
    }
    let run = |i: usize, mut r: ActionResult| async move {
        run_one(client, &actions[i], &mut r, cancel).await;
        r
    };
    let groups = by_workspace.into_values().collect();
    let pending = |i| pending(first_index + i, &actions[i]);
    let (n, at_once) = (actions.len(), options.concurrency);
    drive(n, pending, groups, run, at_once, cancel, done).await
}
