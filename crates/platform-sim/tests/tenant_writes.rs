//! The msp-tenants writes: validation and answers as HPE's workspace spec gives them, the
//! writes' own budget, the fault that fails a write after it took effect, and the truth.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Env, answers_lost, assert_name_taken, config, msp_env, tenant_env};
use reqwest::Method;
use serde_json::{Value, json};

const PATH: &str = "/workspaces/v1/msp-tenants";

fn named(env: &Env, name: &str) -> Vec<platform_sim::WorkspaceTruth> {
    env.sim
        .truth()
        .workspaces
        .into_iter()
        .filter(|w| w.workspace_name == name)
        .collect()
}

/// A write of `method` to `path` with `token` whose body names the workspace `name` (alone):
/// its status and body.
async fn name(env: &Env, method: Method, path: &str, token: &str, name: &str) -> (u16, Value) {
    let body = json!({"workspaceName": name});
    env.write(method, path, token, Some(body)).await
}

#[tokio::test]
async fn create_update_delete_round_trip_is_listed_and_in_the_truth() {
    let (env, msp) = msp_env(config(|c| c.tenants = 3)).await;
    let acme = json!({"workspaceName": "Acme Retail", "description": "40 sites",
        "address": {"countryCode": "US", "city": "Austin"}});
    let (location, body) = env.create(PATH, &msp, &acme).await;
    assert!(body["message"].is_string(), "{body}");
    let made = named(&env, "Acme Retail");
    assert_eq!(made.len(), 1);
    let w = &made[0];
    assert!(location.ends_with(&w.id), "{location}");
    assert!(w.created);
    assert_eq!(w.description.as_deref(), Some("40 sites"));
    assert_eq!(w.inventory_ownership, "MSP_OWNED_INVENTORY");

    let (status, page) = env
        .write(Method::GET, &format!("{PATH}?limit=10"), &msp, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 4);
    let listed = &page["items"][3];
    assert_eq!(listed["id"], w.id.as_str());
    assert_eq!(listed["description"], "40 sites");

    let (status, body) = env
        .write(
            Method::PUT,
            &format!("{PATH}/{}", w.id),
            &msp,
            Some(json!({"workspaceName": "Acme Retail", "description": "41 sites"})),
        )
        .await;
    assert_eq!((status, body["message"].is_string()), (200, true), "{body}");
    let after = &named(&env, "Acme Retail")[0];
    assert_eq!(after.description.as_deref(), Some("41 sites"));
    assert_eq!(after.generation, w.generation + 1);
    assert_eq!(after.address, w.address, "fields not sent stay");

    let (status, _) = env
        .write(Method::DELETE, &format!("{PATH}/{}", w.id), &msp, None)
        .await;
    assert_eq!(status, 204);
    assert!(named(&env, "Acme Retail").is_empty());
    assert_eq!(env.sim.truth().workspaces.len(), 3);
    env.assert_one_write_of_each("msp-tenants");
}

#[tokio::test]
async fn invalid_bodies_are_400_in_greenlake_words() {
    let (env, msp) = msp_env(config(|c| c.tenants = 2)).await;
    for (body, words) in [
        (json!({"description": "x"}), "'workspaceName' is required"),
        (json!({"workspaceName": "  "}), "must not be blank"),
        (json!({"workspaceName": 7}), "must be a string"),
        (
            json!({"workspaceName": "A", "inventoryOwnership": "MINE"}),
            "inventoryOwnership",
        ),
        (json!({"workspaceName": "A", "email": "nobody"}), "email"),
        (
            json!({"workspaceName": "A", "address": {"city": "Paris"}}),
            "countryCode' is required",
        ),
        (
            json!({"workspaceName": "A", "address": {"countryCode": "FR", "zip": "12345678901"}}),
            "zip",
        ),
        (
            json!({"workspaceName": "A", "colour": "red"}),
            "'colour' is not a field",
        ),
        (json!(["workspaceName"]), "JSON object"),
    ] {
        let (status, err) = env
            .write(Method::POST, PATH, &msp, Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(err["httpStatusCode"], 400);
        assert_eq!(err["errorCode"], "HPE_GL_ERROR_BAD_REQUEST");
        assert!(err["debugId"].is_string());
        let message = err["message"].as_str().unwrap();
        assert!(message.contains(words), "{message} lacks {words}");
    }
    assert_eq!(env.sim.truth().workspaces.len(), 2, "nothing created");
    let (status, _) = name(&env, Method::PUT, &format!("{PATH}/not-a-uuid"), &msp, "A").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn duplicate_names_are_409_missing_tenants_404_and_tenants_with_devices_412() {
    let (env, msp) = msp_env(config(|c| c.tenants = 3)).await;
    let truth = env.sim.truth();
    let existing = &truth.workspaces[0];
    let shouted = existing.workspace_name.to_uppercase();
    let (status, err) = name(&env, Method::POST, PATH, &msp, &shouted).await;
    assert_name_taken(status, &err);

    let other = format!("{PATH}/{}", truth.workspaces[1].id);
    let (status, _) = name(&env, Method::PUT, &other, &msp, &existing.workspace_name).await;
    assert_eq!(status, 409, "renaming onto another's name");

    let missing = "00000000-0000-4000-8000-000000000000";
    for method in [Method::PUT, Method::DELETE] {
        let (status, _) = name(&env, method, &format!("{PATH}/{missing}"), &msp, "Z").await;
        assert_eq!(status, 404);
    }
    let with_devices = truth
        .tenants
        .iter()
        .find(|t| t.counts["device-inventory"] > 0)
        .unwrap();
    let (status, err) = env
        .write(
            Method::DELETE,
            &format!("{PATH}/{}", with_devices.workspace_id),
            &msp,
            None,
        )
        .await;
    assert_eq!(status, 412, "{err}");
    assert_eq!(env.sim.truth().workspaces.len(), 3);
}

#[tokio::test]
async fn a_tenant_token_cannot_write() {
    let (env, _, token) = tenant_env(config(|c| c.tenants = 2)).await;
    let (status, _) = name(&env, Method::POST, PATH, &token, "New").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn writes_have_their_own_budget() {
    let (env, msp) = msp_env(config(|c| {
        c.tenants = 1;
        c.glp_tenant_writes_per_minute = Some(10);
    }))
    .await;
    let mut statuses = Vec::new();
    for i in 0..11 {
        let body = json!({"workspaceName": format!("Customer {i}")});
        statuses.push(env.write(Method::POST, PATH, &msp, Some(body)).await.0);
    }
    assert_eq!(&statuses[..10], &[201; 10]);
    assert_eq!(statuses[10], 429);
    // Reads draw from the listing's budget, not the writes'.
    let (status, _) = env
        .write(Method::GET, &format!("{PATH}?limit=1"), &msp, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(env.sim.truth().workspaces.len(), 11);
}

#[tokio::test]
async fn a_write_failed_after_apply_still_took_effect() {
    let (env, msp) = msp_env(answers_lost(1)).await;
    for i in 0..12 {
        let body = json!({"workspaceName": format!("Lost answer {i}")});
        env.post_answer_lost(PATH, &msp, &body).await;
        let made = named(&env, &format!("Lost answer {i}"));
        assert_eq!(made.len(), 1, "created all the same");
    }
    // Reads are never failed by it.
    let (status, _) = env
        .write(Method::GET, &format!("{PATH}?limit=1"), &msp, None)
        .await;
    assert_eq!(status, 200);
    let s = env.sim.stats();
    assert_eq!(s.failed_after_apply, 12);
    let creates = &s.requests["msp-tenants-create"];
    assert_eq!(creates.get("201"), None);
    let failed = creates.get("500").unwrap_or(&0) + creates.get("dropped").unwrap_or(&0);
    assert_eq!(failed, 12, "{creates:?}");
}
