//! Planning and carrying out `[[notification_rules]]` and `[[delete_notification_rules]]`
//! through [`plan_rules`] against the simulator: a tenant no Central lists is skipped when a
//! glob selects it and cannot be done when the entry names it; the plan carries the state of
//! each tenant's rules; a deletion is held back without deletion allowed, made once despite a
//! lost answer, and done when the rule was already gone (404, re-read).
#![allow(clippy::unwrap_used)]

mod support;

use central_api::CentralClient;
use glp_workspaces::{Tenant, WorkspacesClient};
use msp_orchestrator::Clusters;
use msp_orchestrator::apply::{
    ActionStatus, ApplyReport, Manifest, NO_CENTRAL, RuleAction, plan_rules,
};
use platform_sim::{SimConfig, Simulator};
use serde_json::json;

/// A simulator of `tenants` tenants, the last `unplaced` on no Central cluster, whose writes
/// fail at `fault` after they took effect; its clients and tenants.
async fn sim(
    tenants: usize,
    unplaced: usize,
    fault: f64,
) -> (Simulator, WorkspacesClient, CentralClient, Vec<Tenant>) {
    let (sim, glp, central) = support::started(SimConfig {
        tenants,
        tenants_on_no_cluster: unplaced,
        write_fault_after_apply: fault,
        ..SimConfig::default()
    })
    .await;
    let listed = support::tenants(&glp).await;
    (sim, glp, central, listed)
}

fn manifest(v: serde_json::Value) -> Manifest {
    let m: Manifest = serde_json::from_value(v).unwrap();
    m.check().unwrap();
    m
}

fn rule(tenants: serde_json::Value, name: &str) -> serde_json::Value {
    json!({
        "tenants": tenants, "name": name, "enabled": true, "sourceTypes": ["ALERTS"],
        "source": {"alerts": {"enabled": true, "alertNames": ["AP Down"],
                              "minAlertSeverity": "CRITICAL"}},
        "destination": {"email": {"enabled": true, "emailIds": ["noc@msp.example"]}}
    })
}

async fn plan(
    central: &CentralClient,
    m: &Manifest,
    tenants: &[Tenant],
    allow: bool,
) -> Vec<RuleAction> {
    plan_rules(&Clusters::single(central.clone()), m, tenants, allow, 4)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_tenant_without_central_is_skipped_when_a_glob_selects_it_and_cannot_when_named() {
    let (_sim, _, central, tenants) = sim(3, 1, 0.0).await;
    let unplaced = tenants.last().unwrap().clone();
    let m = manifest(json!({
        "notification_rules": [
            rule(json!(["*"]), "NOC critical"),
            rule(json!([unplaced.workspace_name.clone()]), "Named"),
            rule(json!([unplaced.id.hyphenated()]), "By id"),
        ]
    }));
    let actions = plan(&central, &m, &tenants, false).await;
    let kinds: Vec<(&str, &str)> = actions.iter().map(|a| (a.name(), a.kind())).collect();
    assert_eq!(
        kinds,
        [
            ("NOC critical", "create"),
            ("NOC critical", "create"),
            ("NOC critical", "skip"),
            ("Named", "cannot"),
            ("By id", "cannot"),
        ]
    );
    let RuleAction::Skipped { tenant, why, .. } = &actions[2] else {
        unreachable!()
    };
    assert_eq!((tenant.id, why.as_str()), (unplaced.id, NO_CENTRAL));
    let RuleAction::Cannot { why, .. } = &actions[3] else {
        unreachable!()
    };
    assert!(why.contains("no Central cluster of the run"), "{why}");

    // Carried out, a skip is no failure; a cannot is.
    let results = support::run_rules(&central, &actions[..3]).await;
    assert_eq!(results[2].status, ActionStatus::Skipped);
    assert_eq!(results[2].action, "skip");
    assert!(
        results[2]
            .detail
            .contains("skipped: no Central for this tenant"),
        "{}",
        results[2].detail
    );
    assert!(!ApplyReport { results }.has_failures());
    let results = support::run_rules(&central, &actions[3..]).await;
    assert!(ApplyReport { results }.has_failures());
}

#[tokio::test]
async fn the_plan_carries_the_state_of_each_tenant_s_rules() {
    let (_sim, _, central, tenants) = sim(2, 0, 0.0).await;
    let m = manifest(json!({ "notification_rules": [rule(json!(["*"]), "NOC")] }));
    let made = support::run_rules(&central, &plan(&central, &m, &tenants, false).await).await;
    assert!(made.iter().all(|r| r.status == ActionStatus::Done));
    let before = plan(&central, &m, &tenants, false).await;
    assert!(
        before
            .iter()
            .all(|a| a.kind() == "nothing" && !a.state().is_empty())
    );
    assert_eq!(before, plan(&central, &m, &tenants, false).await, "stable");
    // Someone sets a field the manifest leaves alone in the first tenant: still nothing to
    // do there, but the state read differs, and only there.
    let RuleAction::Nothing { rule_id, .. } = &before[0] else {
        unreachable!()
    };
    let fields = json!({"description": "edited by hand"});
    central
        .tenant(tenants[0].id)
        .update_notification_rule(rule_id, fields.as_object().unwrap())
        .await
        .unwrap();
    let after = plan(&central, &m, &tenants, false).await;
    assert_eq!(after[0].kind(), "nothing");
    assert_ne!(after[0].state(), before[0].state());
    assert_eq!(after[1], before[1]);
}

#[tokio::test]
async fn a_deletion_is_held_back_without_leave_then_made_once_despite_a_lost_answer() {
    let (sim, _, central, tenants) = sim(3, 0, 1.0).await;
    let make = manifest(json!({ "notification_rules": [rule(json!(["*"]), "Old")] }));
    support::run_rules(&central, &plan(&central, &make, &tenants, false).await).await;
    assert_eq!(sim.truth().notification_rules.len(), 3);
    let delete = manifest(json!({
        "delete_notification_rules": [{ "tenants": ["*"], "name": "Old" }]
    }));

    let held = plan(&central, &delete, &tenants, false).await;
    for a in &held {
        let RuleAction::Cannot { why, .. } = a else {
            panic!("{a:?}")
        };
        assert!(why.starts_with("held back: deleting rule "), "{why}");
        assert!(why.ends_with("needs --allow-delete"), "{why}");
    }
    let results = support::run_rules(&central, &held).await;
    assert!(results.iter().all(|r| r.writes_sent == 0));
    assert_eq!(sim.truth().notification_rules.len(), 3, "nothing deleted");

    let allowed = plan(&central, &delete, &tenants, true).await;
    assert!(allowed.iter().all(|a| a.kind() == "delete"), "{allowed:?}");
    let results = support::run_rules(&central, &allowed).await;
    for r in &results {
        assert_eq!(
            (r.status, r.action, r.writes_sent, r.answer_lost),
            (ActionStatus::Done, "rule_delete", 1, true),
            "{r:?}"
        );
        assert_eq!(r.before["rule"], "Old", "the before is recorded");
        assert_eq!(r.before["fields"]["name"], "Old");
    }
    assert!(sim.truth().notification_rules.is_empty(), "every one gone");
    let again = plan(&central, &delete, &tenants, true).await;
    assert!(again.iter().all(|a| a.kind() == "nothing"), "{again:?}");
    assert!(
        support::run_rules(&central, &again)
            .await
            .iter()
            .all(|r| r.writes_sent == 0)
    );
}

#[tokio::test]
async fn a_rule_deleted_by_someone_else_first_is_done_after_a_re_read() {
    let (sim, _, central, tenants) = sim(1, 0, 0.0).await;
    let make = manifest(json!({ "notification_rules": [rule(json!(["*"]), "Old")] }));
    support::run_rules(&central, &plan(&central, &make, &tenants, false).await).await;
    let delete = manifest(json!({
        "delete_notification_rules": [{ "tenants": ["*"], "name": "Old" }]
    }));
    let actions = plan(&central, &delete, &tenants, true).await;
    let RuleAction::Delete { rule_id, .. } = &actions[0] else {
        panic!("{actions:?}")
    };
    central
        .tenant(tenants[0].id)
        .delete_notification_rule(rule_id)
        .await
        .unwrap();
    let results = support::run_rules(&central, &actions).await;
    let r = &results[0];
    assert_eq!(
        (r.status, r.http_status, r.writes_sent),
        (ActionStatus::Done, Some(404), 1)
    );
    assert!(r.detail.contains("already gone (404)"), "{}", r.detail);
    assert!(sim.truth().notification_rules.is_empty());
}
