//! `[[device_assignments]]` against the simulator: planned through the service catalog and
//! each tenant's devices, carried out with every answer lost after it took effect (each batch
//! sent once, re-read, done), then nothing to do; an operation that ends `FAILED` fails its
//! action in the server's words.
#![allow(clippy::unwrap_used)]

mod support;

use glp_workspaces::{Tenant, WorkspacesClient};
use msp_orchestrator::Cancel;
use msp_orchestrator::apply::{
    ActionResult, ActionStatus, ApplyOptions, DeviceAction, DeviceEntry, HELD_BACK, Manifest,
    UnassignEntry, execute_devices, plan_assignments,
};
use platform_sim::{SimConfig, Simulator};
use support::tenants;

fn manifest(application: &str) -> Manifest {
    Manifest {
        device_assignments: vec![DeviceEntry {
            tenants: vec!["*".into()],
            device_types: vec!["AP".into()],
            application: Some(application.into()),
            region: Some("us-west".into()),
            subscription_tier: Some("FOUNDATION_AP".into()),
            ..DeviceEntry::default()
        }],
        ..Manifest::default()
    }
}

/// Carries out `actions` (numbered from 0) through `glp`'s tenants, by default options.
async fn execute(glp: &WorkspacesClient, actions: &[DeviceAction]) -> Vec<ActionResult> {
    let client_of = |id| glp.tenant(id);
    let options = ApplyOptions::default();
    execute_devices(client_of, actions, 0, options, &Cancel::new(), |_| {}).await
}

/// The plan of `m` for `listed` through `glp` (four tenants at a time), deletion `allowed` or
/// not.
async fn plan(
    glp: &WorkspacesClient,
    m: &Manifest,
    listed: &[Tenant],
    allowed: bool,
) -> Vec<DeviceAction> {
    plan_assignments(glp, m, listed, 4, allowed).await.unwrap()
}

async fn sim(change: impl FnOnce(&mut SimConfig)) -> (Simulator, WorkspacesClient) {
    let mut cfg = SimConfig {
        tenants: 3,
        max_devices: 12,
        spare_seats: 50,
        ..SimConfig::default()
    };
    change(&mut cfg);
    let (sim, glp, _) = support::started(cfg).await;
    (sim, glp)
}

#[tokio::test]
async fn lost_answers_are_re_read_each_batch_sent_once_then_nothing_to_do() {
    let (sim, glp) = sim(|c| c.write_fault_after_apply = 1.0).await;
    let m = manifest("HPE Aruba Networking Central");
    let actions = plan(&glp, &m, &tenants(&glp).await, false).await;
    let writing: Vec<&DeviceAction> = actions.iter().filter(|a| a.writes()).collect();
    assert!(!writing.is_empty(), "{actions:?}");
    let batches: u32 = writing
        .iter()
        .map(|a| a.devices().len().div_ceil(5) as u32)
        .sum();
    let mut seen = 0;
    let results = execute_devices(
        |id| glp.tenant(id),
        &actions,
        10,
        ApplyOptions::default(),
        &Cancel::new(),
        |_| seen += 1,
    )
    .await;
    assert_eq!(seen, actions.len(), "each result handed on");
    for r in results
        .iter()
        .filter(|r| r.action == "assign" || r.action == "license")
    {
        assert_eq!(r.status, ActionStatus::Done, "{r:?}");
        assert!(r.answer_lost, "{r:?}");
        assert!(
            r.detail.contains("an answer was lost, a re-read decided"),
            "{r:?}"
        );
    }
    assert_eq!(results[0].index, 10, "numbered from the first index");
    let sent: u32 = results.iter().map(|r| r.writes_sent).sum();
    assert_eq!(sent, batches, "each batch sent once");
    assert_eq!(
        u64::from(batches),
        sim.stats().requests["devices-update"].values().sum::<u64>()
    );
    let again = plan(&glp, &m, &tenants(&glp).await, false).await;
    assert!(again.iter().all(|a| !a.writes()), "{again:?}");
}

#[tokio::test]
async fn a_failed_operation_fails_the_action_in_the_server_s_words() {
    let (_sim, glp) = sim(|c| c.device_operation_fail_rate = 1.0).await;
    let m = manifest("HPE Aruba Networking Central");
    let actions = plan(&glp, &m, &tenants(&glp).await, false).await;
    let results = execute(&glp, &actions).await;
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.status == ActionStatus::Failed)
        .collect();
    assert!(!failed.is_empty(), "{results:?}");
    for r in failed {
        assert!(
            r.detail.contains(
                "the operation ended Failed: Device update failed (injected by platform-sim)"
            ),
            "{r:?}"
        );
        assert!(!r.answer_lost);
    }
}

#[tokio::test]
async fn an_unknown_or_unprovisioned_application_cannot_be_assigned() {
    let (_sim, glp) = sim(|_| {}).await;
    let listed = tenants(&glp).await;
    let unknown = plan(&glp, &manifest("Nope"), &listed, false).await;
    let DeviceAction::Cannot { why, .. } = &unknown[0] else {
        panic!("{unknown:?}")
    };
    assert!(why.contains("no application named 'Nope'"), "{why}");
    let mut elsewhere = manifest("HPE Aruba Networking Central");
    elsewhere.device_assignments[0].region = Some("eu-central".into());
    let planned = plan(&glp, &elsewhere, &listed, false).await;
    let DeviceAction::Cannot { why, .. } = &planned[0] else {
        panic!("{planned:?}")
    };
    assert!(
        why.contains("is not provisioned in region eu-central"),
        "{why}"
    );
}

#[tokio::test]
async fn unassignments_share_the_one_path_lost_answers_re_read_each_batch_sent_once() {
    let (sim, glp) = sim(|c| c.write_fault_after_apply = 1.0).await;
    let listed = tenants(&glp).await;
    let m = manifest("HPE Aruba Networking Central");
    let assign = plan(&glp, &m, &listed, false).await;
    execute(&glp, &assign).await;
    let before = sim.stats().requests["devices-update"].values().sum::<u64>();
    let off = Manifest {
        device_unassignments: vec![UnassignEntry {
            tenants: vec!["*".into()],
            device_types: vec!["AP".into()],
            unlicense: true,
            unassign: true,
            ..UnassignEntry::default()
        }],
        ..Manifest::default()
    };

    // Without leave: planned, held back, nothing written.
    let held = plan(&glp, &off, &listed, false).await;
    assert!(
        !held.is_empty() && held.iter().all(|a| !a.writes()),
        "{held:?}"
    );
    assert!(
        held.iter()
            .any(|a| matches!(a, DeviceAction::Cannot { why, .. } if why == HELD_BACK)),
        "{held:?}"
    );

    let actions = plan(&glp, &off, &listed, true).await;
    let kinds: Vec<&str> = actions.iter().map(DeviceAction::kind).collect();
    assert!(
        kinds.contains(&"unlicense") && kinds.contains(&"unassign"),
        "{kinds:?}"
    );
    let first_unassign = kinds.iter().position(|k| *k == "unassign").unwrap();
    assert!(
        kinds[..first_unassign].contains(&"unlicense"),
        "unlicense first: {kinds:?}"
    );
    let batches: u64 = actions
        .iter()
        .filter(|a| a.writes())
        .map(|a| a.devices().len().div_ceil(5) as u64)
        .sum();
    let results = execute(&glp, &actions).await;
    for r in results.iter().filter(|r| r.writes_sent > 0) {
        assert_eq!(r.status, ActionStatus::Done, "{r:?}");
        assert!(r.answer_lost, "{r:?}");
        assert!(!r.before.is_null() && !r.after.is_null(), "{r:?}");
    }
    let sent = sim.stats().requests["devices-update"].values().sum::<u64>() - before;
    assert_eq!(sent, batches, "each batch sent once");
    let truth = sim.truth();
    for devices in truth.devices.values() {
        for d in devices.iter().filter(|d| d["deviceType"] == "AP") {
            assert!(d["application"].is_null(), "{d}");
            assert_eq!(d["subscription"], serde_json::json!([]), "{d}");
        }
    }
    let again = plan(&glp, &off, &listed, true).await;
    assert!(again.iter().all(|a| !a.writes()), "{again:?}");
}

#[tokio::test]
async fn a_device_both_assigned_and_unassigned_through_two_globs_cannot_be_planned() {
    let (_sim, glp) = sim(|_| {}).await;
    let listed = tenants(&glp).await;
    let name: Vec<char> = listed[0].workspace_name.chars().collect();
    let head: String = name[..3].iter().collect();
    let tail: String = name[name.len() - 3..].iter().collect();
    let mut m = manifest("HPE Aruba Networking Central");
    m.device_assignments[0].tenants = vec![format!("{head}*")];
    m.device_unassignments = vec![UnassignEntry {
        tenants: vec![format!("*{tail}")],
        device_types: vec!["AP".into()],
        unassign: true,
        ..UnassignEntry::default()
    }];
    assert!(m.check().is_ok(), "the globs do not meet on their own");
    let planned = plan(&glp, &m, &listed, true).await;
    let whys: Vec<&str> = planned
        .iter()
        .filter_map(|a| match a {
            DeviceAction::Cannot { why, tenant, .. } if tenant.id == listed[0].id => {
                Some(why.as_str())
            }
            _ => None,
        })
        .collect();
    assert!(
        whys.iter()
            .any(|w| w.contains("is selected by a [[device_assignments]] entry too")),
        "{planned:?}"
    );
    assert!(
        !planned
            .iter()
            .any(|a| a.kind() == "unassign" && a.tenant().id == listed[0].id),
        "{planned:?}"
    );
}

#[tokio::test]
async fn a_workspace_just_made_is_skipped_when_a_glob_selects_it_and_cannot_when_named() {
    let (_sim, glp) = sim(|_| {}).await;
    glp.create_tenant(&glp_workspaces::TenantSpec::named("Just made"))
        .await
        .unwrap();
    let all = tenants(&glp).await;
    let made = all
        .iter()
        .find(|t| t.workspace_name == "Just made")
        .unwrap();
    let mut m = manifest("HPE Aruba Networking Central");
    let actions = plan(&glp, &m, &all, false).await;
    let mine: Vec<&DeviceAction> = actions
        .iter()
        .filter(|a| a.tenant().id == made.id)
        .collect();
    match mine.as_slice() {
        [DeviceAction::Skipped { why, .. }] => {
            assert_eq!(why, msp_orchestrator::apply::NOT_READY);
        }
        other => panic!("{other:?}"),
    }
    let others = actions.iter().filter(|a| a.tenant().id != made.id);
    assert!(
        others
            .clone()
            .all(|a| a.kind() != "skip" && a.kind() != "cannot")
    );
    let results = execute(&glp, &actions).await;
    let report = msp_orchestrator::apply::ApplyReport { results };
    assert!(!report.has_failures(), "a skip is no failure");

    // Named exactly, the user expects it: it cannot be done, and says why.
    m.device_assignments[0].tenants = vec!["Just made".into()];
    let actions = plan(&glp, &m, &all, false).await;
    match actions.as_slice() {
        [DeviceAction::Cannot { why, .. }] => assert!(why.contains("invalid_target"), "{why}"),
        other => panic!("{other:?}"),
    }
}
