//! The devices write: `PATCH devices/v1/devices` validated as `device-management.json` says
//! (1 to 5 ids, one kind per call, an application provisioned in the region, a subscription
//! the workspace holds), 202 with the operation to read, the seats it takes (and a removal
//! returns), `dry-run`, a
//! failed operation, the budget per workspace, and the truth.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Env, config, item, items, start, write_answer};
use platform_sim::TenantTruth;
use serde_json::{Value, json};

const DEVICES: &str = "/devices/v1/devices";

async fn patch(
    env: &Env,
    token: &str,
    ids: &[&str],
    extra: &str,
    body: Value,
) -> (u16, Option<String>, Value) {
    let query: Vec<String> = ids.iter().map(|id| format!("id={id}")).collect();
    let r = env
        .http
        .patch(format!("{}?{}{extra}", env.url(DEVICES), query.join("&")))
        .bearer_auth(token)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    write_answer(r).await
}

/// A tenant with devices, its token, its devices and subscriptions.
async fn tenant(env: &Env) -> (TenantTruth, String, Vec<Value>, Vec<Value>) {
    let t = env.largest();
    let token = env.tenant_token(&t).await;
    let devices = items(&env.expect(DEVICES, &token, 200).await).to_vec();
    let subs = env
        .expect("/subscriptions/v1/subscriptions", &token, 200)
        .await;
    let subs = items(&subs).to_vec();
    (t, token, devices, subs)
}

/// A simulator of three tenants of at most 30 devices, each with spares of `seats` seats.
async fn small(seats: u32, change: impl FnOnce(&mut platform_sim::SimConfig)) -> Env {
    start(config(|c| {
        c.tenants = 3;
        c.max_devices = 30;
        c.spare_seats = seats;
        change(c);
    }))
    .await
}

/// The spare Foundation AP subscription among `subs`.
fn spare(subs: &[Value]) -> &Value {
    subs.iter()
        .find(|s| s["tier"] == "FOUNDATION_AP" && s["key"].as_str().unwrap().starts_with("SPARE"))
        .unwrap()
}

#[tokio::test]
async fn an_assignment_a_licence_and_their_removal_take_effect_through_an_operation() {
    let env = small(50, |_| {}).await;
    let msp = env.msp_token().await;
    let (t, token, devices, subs) = tenant(&env).await;
    let catalog = env
        .expect("/service-catalog/v1/service-managers", &msp, 200)
        .await;
    let app = item(&catalog, "name", "HPE Aruba Networking Central")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let aps: Vec<&Value> = devices
        .iter()
        .filter(|d| d["deviceType"] == "AP")
        .take(2)
        .collect();
    let ids: Vec<&str> = aps.iter().map(|d| d["id"].as_str().unwrap()).collect();

    // A dry run validates and changes nothing.
    let assign = json!({"application": {"id": app}, "region": "us-west"});
    let (status, location, _) = patch(&env, &token, &ids, "&dry-run=true", assign.clone()).await;
    assert_eq!((status, location), (202, None));
    assert!(env.sim.truth().devices.is_empty());

    let answer = patch(&env, &token, &ids, "", assign).await;
    let (location, op) = env.operation(answer, "devices", &token).await;
    assert_eq!(op["status"], "SUCCEEDED", "{op}");
    let other = env.tenant_token(&env.sim.truth().tenants[0]).await;
    if env.sim.truth().tenants[0].workspace_id != t.workspace_id {
        env.expect(&location, &other, 404).await;
    }

    let spare = spare(&subs);
    let sid = spare["id"].as_str().unwrap();
    let answer = patch(
        &env,
        &token,
        &ids,
        "",
        json!({"subscription": [{"id": sid}]}),
    )
    .await;
    let (_, op) = env.operation(answer, "devices", &token).await;
    assert_eq!(op["status"], "SUCCEEDED", "{op}");

    let truth = env.sim.truth();
    let now = &truth.devices[&t.workspace_id];
    for id in &ids {
        let d = now.iter().find(|d| d["id"] == *id).unwrap();
        assert_eq!(d["application"], app.as_str());
        assert_eq!(d["region"], "us-west");
        assert_eq!(d["subscription"], json!([sid]));
    }
    let listed = env.expect(DEVICES, &token, 200).await;
    let d = item(&listed, "id", ids[0]);
    assert_eq!(d["application"]["id"], app.as_str());
    assert_eq!(d["assignedState"], "ASSIGNED_TO_SERVICE");
    let subs_now = env
        .expect("/subscriptions/v1/subscriptions", &token, 200)
        .await;
    let s = item(&subs_now, "id", sid);
    assert_eq!(s["availableQuantity"], "48", "two seats taken");
    assert_eq!(
        env.sim.truth().subscriptions[&t.workspace_id]
            .iter()
            .find(|s| s["id"] == sid)
            .unwrap()["availableQuantity"],
        "48"
    );

    // Removed again, each kind in a call of its own: the seats come back, the devices are
    // on no application.
    let half = json!({"application": {"id": null}, "region": "us-west"});
    assert_eq!(patch(&env, &token, &ids, "", half).await.0, 400);
    for removal in [
        json!({"subscription": []}),
        json!({"application": {"id": null}, "region": null}),
    ] {
        let answer = patch(&env, &token, &ids, "", removal).await;
        let (_, op) = env.operation(answer, "devices", &token).await;
        assert_eq!(op["status"], "SUCCEEDED", "{op}");
    }
    let truth = env.sim.truth();
    for id in &ids {
        let d = truth.devices[&t.workspace_id]
            .iter()
            .find(|d| d["id"] == *id)
            .unwrap();
        assert_eq!(
            (&d["application"], &d["region"], &d["subscription"]),
            (&Value::Null, &Value::Null, &json!([])),
            "{d}"
        );
    }
    // As GreenLake lists them: no `application`, no `region` (left out, not null: the spec's
    // device has `region` a string).
    let listed = env
        .expect("/devices/v1/devices?limit=2000", &token, 200)
        .await;
    let listed: Vec<&Value> = items(&listed)
        .iter()
        .filter(|d| ids.iter().any(|id| d["id"] == *id))
        .collect();
    assert_eq!(listed.len(), ids.len());
    for d in listed {
        assert!(
            d.get("region").is_none() && d.get("application").is_none(),
            "{d}"
        );
    }
    let s = truth.subscriptions[&t.workspace_id]
        .iter()
        .find(|s| s["id"] == sid)
        .unwrap();
    assert_eq!(s["availableQuantity"], "50", "the two seats returned");
    let listed = env.expect(DEVICES, &token, 200).await;
    let d = item(&listed, "id", ids[0]);
    assert_eq!(d["assignedState"], "UNASSIGNED", "{d}");
    // The spec's own example: the application's id null alone.
    let (status, _, body) = patch(
        &env,
        &token,
        &ids[..1],
        "",
        json!({"application": {"id": null}}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test]
async fn what_the_spec_refuses_is_refused() {
    let env = small(1, |_| {}).await;
    let (_, token, devices, subs) = tenant(&env).await;
    let ids: Vec<&str> = devices.iter().map(|d| d["id"].as_str().unwrap()).collect();
    let uuid = "0892c36d-40df-4f26-923b-76b5d213b420";
    let assign = json!({"application": {"id": uuid}, "region": "us-west"});
    for (ids, body, want) in [
        (&ids[..6], assign.clone(), 400),
        (&[][..], assign.clone(), 400),
        (&["not-a-uuid"][..], assign.clone(), 400),
        (&[ids[0], ids[0]][..], assign.clone(), 400),
        (
            &ids[..1],
            json!({"application": {"id": uuid}, "region": "us-west", "subscription": []}),
            400,
        ),
        (&ids[..1], json!({"region": "us-west"}), 400),
        (&ids[..1], json!({}), 400),
        (&ids[..1], assign.clone(), 422),
        (&ids[..1], json!({"subscription": [{"id": uuid}]}), 422),
    ] {
        let (status, _, body) = patch(&env, &token, ids, "", body.clone()).await;
        assert_eq!(status, want, "{ids:?}: {body}");
        assert!(body["message"].is_string(), "{body}");
    }
    // A spare of one seat for two APs: accepted, then the operation fails in its words.
    let aps: Vec<&str> = devices
        .iter()
        .filter(|d| d["deviceType"] == "AP")
        .take(2)
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let spare = spare(&subs);
    let answer = patch(
        &env,
        &token,
        &aps,
        "",
        json!({"subscription": [{"id": spare["id"]}]}),
    )
    .await;
    let (_, op) = env.operation(answer, "devices", &token).await;
    assert_eq!(op["status"], "FAILED");
    assert!(
        op["result"]["message"]
            .as_str()
            .unwrap()
            .contains("1 seats available, 2 needed"),
        "{op}"
    );
    assert!(env.sim.truth().devices.is_empty(), "nothing changed");
    // A switch subscription for an AP: 422.
    if let Some(sw) = subs
        .iter()
        .find(|s| s["subscriptionType"] == "CENTRAL_SWITCH" && s["subscriptionStatus"] == "STARTED")
    {
        let (status, _, _) = patch(
            &env,
            &token,
            &aps[..1],
            "",
            json!({"subscription": [{"id": sw["id"]}]}),
        )
        .await;
        assert_eq!(status, 422);
    }
}

#[tokio::test]
async fn operations_fail_on_demand_and_the_budget_is_per_workspace() {
    let env = small(50, |c| {
        c.device_operation_fail_rate = 1.0;
        c.glp_device_writes_per_minute = Some(2);
    })
    .await;
    let (_, token, devices, subs) = tenant(&env).await;
    let ap = devices.iter().find(|d| d["deviceType"] == "AP").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let spare = spare(&subs);
    let body = json!({"subscription": [{"id": spare["id"]}]});
    for _ in 0..2 {
        let answer = patch(&env, &token, &[&ap], "", body.clone()).await;
        let (_, op) = env.operation(answer, "devices", &token).await;
        assert_eq!(op["status"], "FAILED");
        assert_eq!(
            op["result"]["message"],
            "Device update failed (injected by platform-sim)"
        );
    }
    let r = env
        .http
        .patch(format!("{}?id={ap}", env.url(DEVICES)))
        .bearer_auth(&token)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // Another workspace has a budget of its own.
    let other = env
        .sim
        .truth()
        .tenants
        .into_iter()
        .find(|t| t.workspace_id != env.largest().workspace_id && t.counts["glp/devices"] > 0)
        .unwrap();
    let other_token = env.tenant_token(&other).await;
    let (status, _, _) = patch(
        &env,
        &other_token,
        &["0892c36d-40df-4f26-923b-76b5d213b420"],
        "",
        body,
    )
    .await;
    assert_ne!(status, 429);
}
