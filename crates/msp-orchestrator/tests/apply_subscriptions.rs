//! `[[subscriptions]]` against the simulator: keys planned against what the workspace lists
//! (the MSP's own, or the one tenant selected), added with every answer lost after it took
//! effect (each batch sent once, re-read, done), then nothing to do; keys the simulator does
//! not know fail in the operation's words, masked; a glob selecting several tenants cannot be
//! planned.
#![allow(clippy::unwrap_used)]

mod support;

use glp_workspaces::{SubscriptionKey, WorkspacesClient};
use msp_orchestrator::Cancel;
use msp_orchestrator::apply::{
    ActionStatus, ApplyOptions, Manifest, SubscriptionAction, SubscriptionEntry,
    execute_subscriptions, plan_subscriptions,
};
use platform_sim::{DEFAULT_CLAIMABLE_KEYS, SimConfig, Simulator};
use support::tenants;

fn entry(keys: &[&str], tenants: Option<&str>) -> SubscriptionEntry {
    SubscriptionEntry {
        keys: keys
            .iter()
            .map(|k| SubscriptionKey::new(*k).unwrap())
            .collect(),
        tenants: tenants.map(|t| vec![t.to_owned()]),
    }
}

async fn sim(change: impl FnOnce(&mut SimConfig)) -> (Simulator, WorkspacesClient) {
    let mut cfg = SimConfig {
        tenants: 3,
        ..SimConfig::default()
    };
    change(&mut cfg);
    let (sim, glp, _) = support::started(cfg).await;
    (sim, glp)
}

fn posts(sim: &Simulator) -> u64 {
    sim.stats()
        .requests
        .get("subscriptions-add")
        .map_or(0, |r| r.values().sum())
}

#[tokio::test]
async fn lost_answers_are_re_read_each_batch_sent_once_then_nothing_to_do() {
    let (sim, glp) = sim(|c| c.write_fault_after_apply = 1.0).await;
    let all = tenants(&glp).await;
    let one = all[1].clone();
    // Six of the simulator's claimable keys for the MSP, a seventh for one tenant.
    let six = &DEFAULT_CLAIMABLE_KEYS[..6];
    let m = Manifest {
        subscriptions: vec![
            entry(six, None),
            entry(&[DEFAULT_CLAIMABLE_KEYS[6]], Some(&one.id.hyphenated())),
        ],
        ..Manifest::default()
    };
    m.check().unwrap();
    let actions = plan_subscriptions(&glp, &m, &all, 4).await;
    assert_eq!(
        actions
            .iter()
            .map(SubscriptionAction::kind)
            .collect::<Vec<_>>(),
        ["add", "add"],
        "{actions:?}"
    );
    assert_eq!(actions[1].workspace().id, Some(one.id));
    let mut seen = Vec::new();
    let results = execute_subscriptions(
        &glp,
        &actions,
        10,
        ApplyOptions { concurrency: 4 },
        &Cancel::new(),
        |r| seen.push(r.index),
    )
    .await;
    for r in &results {
        assert_eq!(r.status, ActionStatus::Done, "{}", r.detail);
        assert!(r.answer_lost, "{}", r.detail);
        assert!(!r.detail.contains("SIMAPKEY0001"), "{}", r.detail);
    }
    assert_eq!(
        results[0].writes_sent, 2,
        "six keys: two batches, each once"
    );
    assert_eq!(results[1].writes_sent, 1);
    assert_eq!(posts(&sim), 3);
    seen.sort_unstable();
    assert_eq!(seen, [10, 11]);
    let truth = sim.truth();
    assert_eq!(truth.subscriptions_added[&truth.msp_workspace_id], six);
    assert_eq!(
        truth.subscriptions_added[&one.id.hyphenated()],
        ["SIMGWKEY0001"]
    );

    // Applied again: nothing to do, nothing sent.
    let again = plan_subscriptions(&glp, &m, &all, 4).await;
    assert!(again.iter().all(|a| a.kind() == "nothing"), "{again:?}");
    assert_eq!(posts(&sim), 3);
}

#[tokio::test]
async fn unknown_keys_fail_in_the_operation_s_words_and_a_wide_glob_cannot_be_planned() {
    let (sim, glp) = sim(|_| {}).await;
    let all = tenants(&glp).await;
    let m = Manifest {
        subscriptions: vec![
            entry(&["NOSUCHKEY9876"], None),
            entry(&["SIMGWKEY0002"], Some("*")),
        ],
        ..Manifest::default()
    };
    let actions = plan_subscriptions(&glp, &m, &all, 4).await;
    assert_eq!(actions[1].kind(), "cannot");
    let SubscriptionAction::Cannot { why, .. } = &actions[1] else {
        unreachable!()
    };
    assert!(why.contains("selects 3 workspaces"), "{why}");
    let results = execute_subscriptions(
        &glp,
        &actions,
        0,
        ApplyOptions { concurrency: 2 },
        &Cancel::new(),
        |_| {},
    )
    .await;
    assert_eq!(results[0].status, ActionStatus::Failed);
    assert!(
        results[0].detail.contains("not found"),
        "{}",
        results[0].detail
    );
    assert!(
        results[0].detail.contains("****9876"),
        "{}",
        results[0].detail
    );
    assert!(
        !results[0].detail.contains("NOSUCHKEY9876"),
        "{}",
        results[0].detail
    );
    assert_eq!(results[1].action, "cannot");
    assert_eq!(posts(&sim), 1);
}
