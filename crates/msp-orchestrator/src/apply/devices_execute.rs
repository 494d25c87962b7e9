//! Carrying out [`DeviceAction`]s ([`execute_devices`]): each action's devices in batches of
//! [`MAX_DEVICES_PER_PATCH`], one `PATCH` each (one kind per call: an assignment or its
//! removal, or the subscriptions set or removed), its asynchronous operation polled to its
//! end: one path for every kind. A tenant's actions run one after the other (assign before
//! license, unlicense before unassign, and GreenLake's budget of 40 device writes a minute
//! is per workspace: the transport paces the `devices` family and slows down on a 429);
//! tenants run side by side.
//!
//! **Never twice**: when a batch's answer is lost
//! ([`ApiError::OutcomeUnknown`](glp_transport::ApiError::OutcomeUnknown)), or its operation could
//! not be followed to its end, the tenant's devices are read again: the batch is done if they now
//! read as asked (a removal: they hold no subscription, or are on no application). A lost `PATCH`
//! that the re-read shows not in effect is sent once more (setting or removing the same application
//! or subscription is idempotent); an accepted one whose operation was not followed is not (it may
//! still complete): the next apply sees.

use std::collections::BTreeMap;

use glp_core::WorkspaceId;
use glp_workspaces::{DevicePatch, MAX_DEVICES_PER_PATCH, TenantResources, operation_id};
use serde_json::{Value, json};

use super::devices::{DeviceAction, SeenDevice};
use super::devices_plan::read_devices;
use super::execute::{ActionResult, ApplyOptions};
use super::once::{drive, not_carried_out, run_batches, write_and_follow};
use crate::Cancel;

/// The patch an action sends (`None`: it writes nothing).
fn patch_of(action: &DeviceAction) -> Option<DevicePatch> {
    match action {
        DeviceAction::Assign {
            application_id,
            region,
            ..
        } => Some(DevicePatch::Assign {
            application_id: application_id.clone(),
            region: region.clone(),
        }),
        DeviceAction::License {
            subscription_id, ..
        } => Some(DevicePatch::Subscriptions {
            ids: vec![subscription_id.clone()],
        }),
        DeviceAction::Unlicense { .. } => Some(DevicePatch::unlicense()),
        DeviceAction::Unassign { .. } => Some(DevicePatch::Unassign),
        DeviceAction::Nothing { .. }
        | DeviceAction::Skipped { .. }
        | DeviceAction::Cannot { .. } => None,
    }
}

/// Whether every device of `ids` reads in `now` as `patch` asks.
fn in_effect(patch: &DevicePatch, ids: &[&str], now: &[SeenDevice]) -> bool {
    ids.iter().all(|id| {
        now.iter()
            .find(|d| d.id == *id)
            .is_some_and(|d| match patch {
                DevicePatch::Assign {
                    application_id,
                    region,
                } => {
                    d.application_id.as_deref() == Some(application_id.as_str())
                        && d.region.as_deref() == Some(region.as_str())
                }
                DevicePatch::Unassign => d.application_id.is_none() && d.region.is_none(),
                DevicePatch::Subscriptions { ids } if ids.is_empty() => d.subscriptions.is_empty(),
                DevicePatch::Subscriptions { ids } => {
                    ids.iter().all(|s| d.subscriptions.contains(s))
                }
            })
    })
}

/// Sends one batch, never twice (see the module's documentation), counting into `r`: `Err`
/// says why it failed.
async fn run_batch(
    t: &TenantResources,
    patch: &DevicePatch,
    ids: &[&str],
    r: &mut ActionResult,
) -> Result<(), String> {
    let check = || async {
        let now = read_devices(t)
            .await
            .map_err(|e| format!("re-reading the devices failed: {e}"))?;
        Ok(in_effect(patch, ids, &now).then(String::new))
    };
    let send = || t.patch_devices(ids, patch, false);
    let wait = async |op: String| t.wait_device_operation(&op).await;
    write_and_follow(r, (true, send), check, operation_id, wait).await
}

/// A result for `action` at plan position `index`, not yet carried out.
fn pending(index: usize, action: &DeviceAction) -> ActionResult {
    let ids: Vec<&str> = action.devices().iter().map(|d| d.id.as_str()).collect();
    let after = match action {
        DeviceAction::Assign {
            application,
            application_id,
            region,
            ..
        } => json!({ "application": application, "applicationId": application_id,
            "region": region, "devices": ids }),
        DeviceAction::License {
            tier,
            subscription_id,
            subscription_key,
            ..
        } => json!({ "tier": tier, "subscriptionId": subscription_id,
            "subscriptionKey": subscription_key, "devices": ids }),
        DeviceAction::Unlicense { .. } => json!({ "subscription": [], "devices": ids }),
        DeviceAction::Unassign { .. } => {
            json!({ "application": null, "region": null, "devices": ids })
        }
        DeviceAction::Nothing { .. }
        | DeviceAction::Skipped { .. }
        | DeviceAction::Cannot { .. } => Value::Null,
    };
    let before = if action.writes() {
        json!({ "devices": action.devices() })
    } else {
        Value::Null
    };
    let detail = not_carried_out(&action.describe(), action.kind(), action.why());
    ActionResult::in_tenant(
        index,
        action.kind(),
        action.tenant(),
        &detail,
        (before, after),
    )
}

/// Carries out one writing action, batch after batch (stopping between two when asked).
async fn run_one(
    t: &TenantResources,
    action: &DeviceAction,
    r: &mut ActionResult,
    cancel: &Cancel,
) {
    let Some(patch) = patch_of(action) else {
        return;
    };
    let batches: Vec<Vec<&str>> = action
        .devices()
        .chunks(MAX_DEVICES_PER_PATCH)
        .map(|c| c.iter().map(|d| d.id.as_str()).collect())
        .collect();
    let failed = |ids: &Vec<&str>, why| format!("devices {}: {why}", ids.join(", "));
    let send = async |ids: &Vec<&str>, r: &mut ActionResult| run_batch(t, &patch, ids, r).await;
    run_batches(r, (&action.describe(), &batches), cancel, failed, send).await;
}

/// Carries out `actions` (numbered from `first_index` in the record): each tenant's in order,
/// at most `options.concurrency` tenants at once, each through the client `client_of` gives
/// for it (its token); once `cancel` asks to stop, no new batch starts. Each result is handed
/// to `done` as it is known.
pub async fn execute_devices(
    client_of: impl Fn(WorkspaceId) -> TenantResources,
    actions: &[DeviceAction],
    first_index: usize,
    options: ApplyOptions,
    cancel: &Cancel,
    done: impl FnMut(&ActionResult),
) -> Vec<ActionResult> {
    let mut by_tenant: BTreeMap<WorkspaceId, Vec<usize>> = BTreeMap::new();
    for (i, a) in actions.iter().enumerate().filter(|(_, a)| a.writes()) {
        by_tenant.entry(a.tenant().id).or_default().push(i);
    }
    let client_of = &client_of;
    let run = |i: usize, mut r: ActionResult| async move {
        let action = &actions[i];
        run_one(&client_of(action.tenant().id), action, &mut r, cancel).await;
        r
    };
    let groups = by_tenant.into_values().collect();
    let pending = |i| pending(first_index + i, &actions[i]);
    let (n, at_once) = (actions.len(), options.concurrency);
    drive(n, pending, groups, run, at_once, cancel, done).await
}
