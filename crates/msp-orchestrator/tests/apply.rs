//! Carrying out a plan against the simulator: every write answer lost after it took effect,
//! and still no duplicate, the end state reached, and a second plan with nothing to write.
#![allow(clippy::unwrap_used)]

mod support;

use futures::TryStreamExt as _;
use glp_auth::AuthOptions;
use glp_workspaces::{Tenant, TenantSpec, WorkspacesClient};
use msp_orchestrator::Cancel;
use msp_orchestrator::apply::{ActionStatus, ApplyOptions, Manifest, Plan, execute};
use platform_sim::{SimConfig, Simulator};

async fn tenants(c: &WorkspacesClient) -> Vec<Tenant> {
    c.msp_tenants().stream().try_collect().await.unwrap()
}

#[tokio::test]
async fn lost_answers_make_no_duplicate_and_a_second_plan_writes_nothing() {
    let sim = Simulator::start(SimConfig {
        tenants: 4,
        write_fault_after_apply: 1.0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (glp, _) = support::sim_clients(&sim, AuthOptions::default(), (None, None));
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
        delete_tenants: Vec::new(),
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
    let sim = Simulator::start(SimConfig {
        tenants: 2,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (glp, _) = support::sim_clients(&sim, AuthOptions::default(), (None, None));
    let manifest = Manifest {
        tenants: vec![TenantSpec::named("Brand new")],
        delete_tenants: Vec::new(),
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
        delete_tenants: Vec::new(),
    };
    let plan = Plan::compute(&other, &tenants(&glp).await, false);
    let report = execute(&glp, &plan, ApplyOptions::default(), &cancel, |_| {}).await;
    assert_eq!(report.results[0].status, ActionStatus::Skipped);
    assert_eq!(report.writes_sent(), 0);
}
