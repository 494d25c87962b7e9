//! A tenant's notification rules (HPE's notifications spec): create, read, list, update and
//! delete with the tenant token, the spec's validation (400, 422), a duplicate name (409), the
//! fault that fails a write after it took effect, and the truth per tenant.
#![allow(clippy::unwrap_used)]

mod common;

use common::{answers_lost, assert_name_taken, config, items, msp_env, tenant_env};
use reqwest::Method;
use serde_json::{Value, json};

const PATH: &str = "/network-notifications/v1/notification-rules";

fn rule(name: &str) -> Value {
    json!({"notificationRuleInput": {
        "name": name,
        "enabled": true,
        "sourceTypes": ["ALERTS"],
        "source": {"alerts": {"enabled": true, "alertNames": ["AP Down", "Switch Down"],
                               "minAlertSeverity": "CRITICAL"}},
        "destination": {"email": {"enabled": true, "emailIds": ["noc@msp.example"]}}
    }})
}

#[tokio::test]
async fn create_read_list_update_delete_round_trip_per_tenant() {
    let (env, t, token) = tenant_env(config(|c| c.tenants = 3)).await;
    let (location, made) = env.create(PATH, &token, &rule("NOC critical")).await;
    let id = made["id"].as_str().unwrap().to_owned();
    // Absolute, as the spec's `Location` (a `uri`) is.
    let base = env.sim.base_url();
    assert_eq!(
        location,
        format!("{}{PATH}/{id}", base.trim_end_matches('/'))
    );
    assert!(location.starts_with("http://"), "{location}");
    assert_eq!(made["type"], "network-notifications/notification-rule");
    assert_eq!(made["name"], "NOC critical");

    let (status, page) = env.write(Method::GET, PATH, &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (page["count"].as_u64(), page["total"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(page["offset"], Value::Null, "the last page");
    let listed = &items(&page)[0];
    assert_eq!(listed["id"], id.as_str());
    assert_eq!(listed["source"]["alerts"]["alertCount"], 2);
    assert!(listed["source"]["alerts"].get("alertNames").is_none());

    let (status, one) = env
        .write(Method::GET, &format!("{PATH}/{id}"), &token, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(one, made);

    let (status, patched) = env
        .write(
            Method::PATCH,
            &format!("{PATH}/{id}"),
            &token,
            Some(
                json!({"notificationRuleInput": {"description": "to the NOC",
                "source": {"alerts": {"minAlertSeverity": "MAJOR"}}}}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["description"], "to the NOC");
    assert_eq!(patched["source"]["alerts"]["minAlertSeverity"], "MAJOR");
    assert_eq!(
        patched["source"]["alerts"]["alertNames"],
        json!(["AP Down", "Switch Down"])
    );

    let truth = env.sim.truth();
    assert_eq!(truth.notification_rules.len(), 1, "only the one tenant");
    assert_eq!(truth.notification_rules[&t.workspace_id], vec![patched]);

    // Another tenant sees none of them.
    let other = truth
        .tenants
        .iter()
        .find(|o| o.workspace_id != t.workspace_id && o.cluster.is_some())
        .unwrap();
    let other_token = env.tenant_token(other).await;
    let (status, page) = env.write(Method::GET, PATH, &other_token, None).await;
    assert_eq!((status, page["total"].as_u64()), (200, Some(0)));
    let (status, _) = env
        .write(Method::DELETE, &format!("{PATH}/{id}"), &other_token, None)
        .await;
    assert_eq!(status, 404);

    let (status, _) = env
        .write(Method::DELETE, &format!("{PATH}/{id}"), &token, None)
        .await;
    assert_eq!(status, 204);
    assert!(env.sim.truth().notification_rules.is_empty());
    let (status, _) = env
        .write(Method::GET, &format!("{PATH}/{id}"), &token, None)
        .await;
    assert_eq!(status, 404);
    env.assert_one_write_of_each("notification-rules");
}

#[tokio::test]
async fn invalid_bodies_are_400_or_422_and_duplicates_409() {
    let (env, t, token) = tenant_env(config(|c| c.tenants = 2)).await;
    for (body, status, words) in [
        (
            json!({"notificationRuleInput": {"enabled": true}}),
            400,
            "'name' is required",
        ),
        (json!({"name": "x"}), 400, "notificationRuleInput"),
        (
            json!({"notificationRuleInput": {"name": "x".repeat(129)}}),
            400,
            "128",
        ),
        (
            json!({"notificationRuleInput": {"name": "A", "colour": "red"}}),
            400,
            "'colour'",
        ),
        (
            json!({"notificationRuleInput": {"name": "A", "sourceTypes": ["AUDIT"]}}),
            400,
            "ALERTS",
        ),
        (
            json!({"notificationRuleInput": {"name": "A",
                "destination": {"email": {"enabled": true, "emailIds": ["nobody"]}}}}),
            400,
            "email address",
        ),
        (
            json!({"notificationRuleInput": {"name": "A",
                "source": {"alerts": {"enabled": true}},
                "destination": {"email": {"enabled": true}}}}),
            400,
            "alertNames' is required",
        ),
        (
            json!({"notificationRuleInput": {"name": "A"}}),
            422,
            "destination",
        ),
    ] {
        let (got, err) = env
            .write(Method::POST, PATH, &token, Some(body.clone()))
            .await;
        assert_eq!(got, status, "{body}: {err}");
        let message = err["message"].as_str().unwrap();
        assert!(message.contains(words), "{message} lacks {words}");
        assert!(err["debugId"].is_string());
    }
    assert!(
        env.sim.truth().notification_rules.is_empty(),
        "nothing created"
    );

    let (status, made) = env
        .write(Method::POST, PATH, &token, Some(rule("NOC")))
        .await;
    assert_eq!(status, 201);
    let (status, err) = env
        .write(Method::POST, PATH, &token, Some(rule(" noc ")))
        .await;
    assert_name_taken(status, &err);
    let (status, _) = env
        .write(
            Method::PATCH,
            &format!("{PATH}/{}", made["id"].as_str().unwrap()),
            &token,
            Some(json!({"notificationRuleInput": {"name": "renamed"}})),
        )
        .await;
    assert_eq!(status, 400, "the update input has no name");
    let (status, _) = env
        .write(Method::GET, &format!("{PATH}?limit=21"), &token, None)
        .await;
    assert_eq!(status, 400);
    assert_eq!(env.sim.truth().notification_rules[&t.workspace_id].len(), 1);
}

#[tokio::test]
async fn the_msp_token_cannot_read_or_write_rules() {
    let (env, msp) = msp_env(config(|c| c.tenants = 1)).await;
    assert_eq!(env.write(Method::GET, PATH, &msp, None).await.0, 403);
    assert_eq!(
        env.write(Method::POST, PATH, &msp, Some(rule("X"))).await.0,
        403
    );
}

#[tokio::test]
async fn a_rule_write_failed_after_apply_still_took_effect() {
    let (env, t, token) = tenant_env(answers_lost(1)).await;
    for i in 0..6 {
        env.post_answer_lost(PATH, &token, &rule(&format!("Lost {i}")))
            .await;
    }
    let (status, page) = env.write(Method::GET, PATH, &token, None).await;
    assert_eq!(
        (status, page["total"].as_u64()),
        (200, Some(6)),
        "created all the same"
    );
    assert_eq!(env.sim.truth().notification_rules[&t.workspace_id].len(), 6);
    assert_eq!(env.sim.stats().failed_after_apply, 6);
}
