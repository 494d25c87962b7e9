//! Carrying out a plan against the simulator: every write answer lost after it took effect,
//! and still no duplicate, the end state reached, and a second plan with nothing to write.
#![allow(clippy::unwrap_used)]

mod support;

use central_api::CentralClient;
use glp_workspaces::{Tenant, TenantSpec, WorkspacesClient};
use msp_orchestrator::Cancel;
use msp_orchestrator::apply::{
    ActionStatus, ApplyOptions, Manifest, Plan, execute, plan_rule, read_rules,
};
use platform_sim::{SimConfig, Simulator};
use support::tenants;

/// A simulator of `tenants` tenants whose writes fail at `write_fault_after_apply` after they
/// took effect, and its GreenLake and Central clients (default auth, unpaced).
async fn sim(
    tenants: usize,
    write_fault_after_apply: f64,
) -> (Simulator, WorkspacesClient, CentralClient) {
    support::started(SimConfig {
        tenants,
        write_fault_after_apply,
        ..SimConfig::default()
    })
    .await
}

#[tokio::test]
async fn lost_answers_make_no_duplicate_and_a_second_plan_writes_nothing() {
    let (sim, glp, _) = sim(4, 1.0).await;
    let existing = sim.truth().workspaces[0].workspace_name.clone();
    let manifest = Manifest {
        tenants: (0..3)
            .map(|i| TenantSpec {
                description: Some(format!("Customer {i}")),
                ..TenantSpec::named(format!("New customer {i}"))
            })
            .chain([TenantSpec {
                description: Some("Now described".into()),
                ..TenantSpec::named(existing.clone())
            }])
            .collect(),
        ..Manifest::default()
    };
    let plan = Plan::compute(&manifest, &tenants(&glp).await, false);
    assert_eq!(plan.writes(), 4);

    let mut seen = 0;
    let report = execute(&glp, &plan, ApplyOptions::default(), &Cancel::new(), |_| {
        seen += 1
    })
    .await;
    assert_eq!(seen, 4);
    for r in &report.results {
        assert_eq!(r.status, ActionStatus::Done, "{r:?}");
        assert!(r.answer_lost, "{r:?}");
        assert_eq!(r.writes_sent, 1, "{r:?}");
        assert!(r.id.is_some(), "{r:?}");
    }
    let stats = sim.stats();
    let sent = |ep: &str| {
        stats
            .requests
            .get(ep)
            .map_or(0, |by| by.values().sum::<u64>())
    };
    assert_eq!(sent("msp-tenants-create"), 3, "one POST per new tenant");
    assert_eq!(sent("msp-tenants-update"), 1);

    let truth = sim.truth().workspaces;
    assert_eq!(truth.len(), 7);
    for spec in &manifest.tenants {
        let named: Vec<_> = truth
            .iter()
            .filter(|w| w.workspace_name == spec.workspace_name)
            .collect();
        assert_eq!(named.len(), 1, "{}", spec.workspace_name);
        assert_eq!(named[0].description, spec.description);
    }
    let again = Plan::compute(&manifest, &tenants(&glp).await, false);
    assert_eq!(again.writes(), 0, "{:?}", again.actions);
    assert!(again.drift(&tenants(&glp).await).is_empty());
    assert!(
        !plan.drift(&tenants(&glp).await).is_empty(),
        "the first plan is stale now"
    );
}

#[tokio::test]
async fn a_refusal_is_failed_in_the_servers_words_and_cancel_starts_nothing() {
    let (_sim, glp, _) = sim(2, 0.0).await;
    let manifest = Manifest {
        tenants: vec![TenantSpec::named("Brand new")],
        ..Manifest::default()
    };
    let plan = Plan::compute(&manifest, &tenants(&glp).await, false);
    // Someone else creates it between plan and apply: the POST is refused (409).
    glp.create_tenant(&TenantSpec::named("Brand new"))
        .await
        .unwrap();
    let report = execute(&glp, &plan, ApplyOptions::default(), &Cancel::new(), |_| {}).await;
    let r = &report.results[0];
    assert_eq!((r.status, r.http_status), (ActionStatus::Failed, Some(409)));
    assert!(r.detail.contains("already exists"), "{}", r.detail);
    assert!(report.has_failures());

    let cancel = Cancel::new();
    cancel.stop(msp_orchestrator::StopLevel::Drain);
    let other = Manifest {
        tenants: vec![TenantSpec::named("Never made")],
        ..Manifest::default()
    };
    let plan = Plan::compute(&other, &tenants(&glp).await, false);
    let report = execute(&glp, &plan, ApplyOptions::default(), &cancel, |_| {}).await;
    assert_eq!(report.results[0].status, ActionStatus::Skipped);
    assert_eq!(report.writes_sent(), 0);
}

/// The plan of `manifest`'s rules in every tenant of `sim` (all on its one cluster).
async fn rule_plan(
    central: &central_api::CentralClient,
    manifest: &Manifest,
    tenants: &[Tenant],
) -> Vec<msp_orchestrator::apply::RuleAction> {
    let mut actions = Vec::new();
    for entry in &manifest.notification_rules {
        for t in tenants {
            let tenant = msp_orchestrator::TenantRef::from_workspace(t.id, &t.workspace_name);
            if !entry.selects(&tenant) {
                continue;
            }
            let found = read_rules(&central.tenant(t.id), &[entry.rule.name.as_str()])
                .await
                .unwrap();
            actions.push(plan_rule(entry.spec(), &tenant, &found));
        }
    }
    actions
}

#[tokio::test]
async fn a_rule_in_every_tenant_with_every_answer_lost_is_made_once_each() {
    let (sim, glp, central) = sim(4, 1.0).await;
    let manifest: Manifest = serde_json::from_value(serde_json::json!({
        "notification_rules": [{
            "tenants": ["*"], "name": "NOC critical", "enabled": true,
            "sourceTypes": ["ALERTS"],
            "source": {"alerts": {"enabled": true, "alertNames": ["AP Down"],
                                  "minAlertSeverity": "CRITICAL"}},
            "destination": {"email": {"enabled": true, "emailIds": ["noc@msp.example"]}}
        }]
    }))
    .unwrap();
    manifest.check().unwrap();
    // Only the tenants Central knows (a tenant on no cluster has no rules to write).
    let truth = sim.truth();
    let on_central: Vec<Tenant> = tenants(&glp)
        .await
        .into_iter()
        .filter(|t| {
            truth
                .tenants
                .iter()
                .any(|x| x.workspace_id == t.id.hyphenated() && x.cluster.is_some())
        })
        .collect();
    assert!(on_central.len() >= 2, "{truth:?}");
    let actions = rule_plan(&central, &manifest, &on_central).await;
    assert!(actions.iter().all(|a| a.kind() == "create"), "{actions:?}");
    let results = support::run_rules(&central, &actions).await;
    for r in &results {
        assert_eq!(
            (r.status, r.writes_sent, r.answer_lost),
            (ActionStatus::Done, 1, true),
            "{r:?}"
        );
    }
    let truth = sim.truth();
    assert_eq!(truth.notification_rules.len(), on_central.len());
    for rules in truth.notification_rules.values() {
        assert_eq!(rules.len(), 1, "no duplicate: {rules:?}");
        assert_eq!(
            rules[0]["source"]["alerts"]["alertNames"],
            serde_json::json!(["AP Down"])
        );
    }
    let again = rule_plan(&central, &manifest, &on_central).await;
    assert!(again.iter().all(|a| a.kind() == "nothing"), "{again:?}");

    // A changed field is an update of that field alone, re-read after its lost answer.
    let mut changed = manifest.clone();
    changed.notification_rules[0].rule.description = Some("to the NOC".into());
    let actions = rule_plan(&central, &changed, &on_central).await;
    match &actions[0] {
        msp_orchestrator::apply::RuleAction::Update { changes, .. } => {
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].field, "description");
        }
        other => panic!("{other:?}"),
    }
    let results = support::run_rules(&central, &actions).await;
    assert!(
        results
            .iter()
            .all(|r| r.status == ActionStatus::Done && r.writes_sent == 1)
    );
    let again = rule_plan(&central, &changed, &on_central).await;
    assert!(again.iter().all(|a| a.kind() == "nothing"), "{again:?}");
}
