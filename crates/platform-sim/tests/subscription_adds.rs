//! The subscriptions write: `POST subscriptions/v1/subscriptions` validated as
//! `subscription-management.json` says (1 to 5 keys, none empty or repeated, no unknown
//! field), 202 with the operation to read, claimable keys added (listed and in the truth) and
//! the others failed in the operation, a key claimed once, the budget per workspace (4 a
//! minute by default), and a write that fails after it took effect.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Env, answers_lost, config, msp_env, tenant_env, write_answer};
use platform_sim::SimConfig;
use serde_json::{Value, json};

const SUBS: &str = "/subscriptions/v1/subscriptions";

async fn post(env: &Env, token: &str, body: Value) -> (u16, Option<String>, Value) {
    let r = env
        .http
        .post(env.url(SUBS))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    write_answer(r).await
}

/// The status of a `POST` of `key`, `None` when the connection was dropped.
async fn send(env: &Env, token: &str, key: &str) -> Option<u16> {
    let r = env
        .http
        .post(env.url(SUBS))
        .bearer_auth(token)
        .json(&keys(&[key]))
        .send()
        .await
        .ok()?;
    Some(r.status().as_u16())
}

/// `tenants` workspaces whose subscription adds have no budget.
fn unbudgeted(tenants: usize) -> SimConfig {
    config(|c| {
        c.tenants = tenants;
        c.glp_subscription_writes_per_minute = None;
    })
}

fn keys(keys: &[&str]) -> Value {
    json!({"subscriptions": keys.iter().map(|k| json!({"key": k})).collect::<Vec<_>>()})
}

async fn listed_keys(env: &Env, token: &str) -> Vec<String> {
    env.expect(SUBS, token, 200).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["key"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn claimable_keys_are_added_once_and_the_others_fail_in_the_operation() {
    let (env, t, token) = tenant_env(unbudgeted(3)).await;
    let before = listed_keys(&env, &token).await;

    let answer = post(&env, &token, keys(&["SIMAPKEY0001", "simswkey0001"])).await;
    let (location, op) = env.operation(answer, "subscriptions", &token).await;
    assert_eq!(op["status"], "SUCCEEDED", "{op}");
    let after = listed_keys(&env, &token).await;
    assert_eq!(after.len(), before.len() + 2);
    assert_eq!(&after[before.len()..], ["SIMAPKEY0001", "simswkey0001"]);
    let listed = env.expect(SUBS, &token, 200).await;
    let added = listed["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(added["tier"], "FOUNDATION_SWITCH_6300");
    assert_eq!(added["subscriptionStatus"], "STARTED");
    assert_eq!(
        env.sim.truth().subscriptions_added[&t.workspace_id],
        ["SIMAPKEY0001", "simswkey0001"]
    );
    // Another operation's id is not this workspace's to read.
    let msp = env.msp_token().await;
    env.expect(&location, &msp, 404).await;

    // Unknown, already here, claimed elsewhere: FAILED, naming each; a good one still added.
    let answer = post(
        &env,
        &token,
        keys(&["NOPE0001", "SIMAPKEY0001", "SIMAPKEY0002"]),
    )
    .await;
    let (_, op) = env.operation(answer, "subscriptions", &token).await;
    assert_eq!(op["status"], "FAILED", "{op}");
    let message = op["result"]["message"].as_str().unwrap();
    assert!(message.contains("not found"), "{message}");
    assert!(
        message.contains("already added to this workspace"),
        "{message}"
    );
    assert_eq!(op["result"]["succeeded"], json!(["SIMAPKEY0002"]));
    let answer = post(&env, &msp, keys(&["SIMSWKEY0001"])).await;
    let (_, op) = env.operation(answer, "subscriptions", &msp).await;
    assert!(
        op["result"]["message"]
            .as_str()
            .unwrap()
            .contains("claimed by another workspace"),
        "{op}"
    );
    assert!(
        !env.sim
            .truth()
            .subscriptions_added
            .contains_key(&env.sim.truth().msp_workspace_id)
    );
}

#[tokio::test]
async fn bad_bodies_are_400s_in_the_spec_s_shape() {
    let (env, token) = msp_env(unbudgeted(2)).await;
    let six = keys(&["A1", "A2", "A3", "A4", "A5", "A6"]);
    for body in [
        json!({}),
        json!({"subscriptions": []}),
        six,
        json!({"subscriptions": [{"key": ""}]}),
        json!({"subscriptions": [{"key": "SIMAPKEY0001"}, {"key": "simapkey0001"}]}),
        json!({"subscriptions": [{"key": "SIMAPKEY0001", "colour": "red"}]}),
        json!({"subscriptions": [{"key": "SIMAPKEY0001"}], "extra": 1}),
    ] {
        let (status, _, answer) = post(&env, &token, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["httpStatusCode"], 400, "{answer}");
        assert!(
            answer["errorDetails"][0]["issues"][0]["description"].is_string(),
            "{answer}"
        );
    }
    assert!(env.sim.truth().subscriptions_added.is_empty());
}

#[tokio::test]
async fn four_adds_a_minute_per_workspace_then_429_and_faults_after_apply_keep_the_change() {
    let (env, t, token) = tenant_env(answers_lost(3)).await;
    // Every answer is lost (a 500 or no answer at all), every add took effect.
    for key in ["NOPE1", "NOPE2", "NOPE3", "SIMGWKEY0001"] {
        assert_ne!(send(&env, &token, key).await, Some(202));
    }
    assert_eq!(
        env.sim.truth().subscriptions_added[&t.workspace_id],
        ["SIMGWKEY0001"]
    );
    assert_eq!(env.sim.stats().failed_after_apply, 4);
    // The fifth in the minute is refused before it does anything.
    assert_eq!(send(&env, &token, "SIMGWKEY0002").await, Some(429));
    // Another workspace has a budget of its own.
    let msp = env.msp_token().await;
    assert_ne!(send(&env, &msp, "SIMGWKEY0002").await, Some(429));
    assert_eq!(
        env.sim.truth().subscriptions_added[&env.sim.truth().msp_workspace_id],
        ["SIMGWKEY0002"]
    );
}
