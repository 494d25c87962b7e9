//! GreenLake devices and subscriptions: workspace scoping, offset paging, limits, the
//! per-workspace budgets, and the truth.
#![allow(clippy::unwrap_used)]

mod common;

use common::{config, start};
use serde_json::Value;

/// Every item of `path` for `token`, paging by the items received.
async fn all(env: &common::Env, path: &str, limit: u32, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        let v = env
            .expect(
                &format!("{path}?offset={}&limit={limit}", items.len()),
                token,
                200,
            )
            .await;
        assert_eq!(v["offset"], items.len());
        let page = v["items"].as_array().unwrap().clone();
        assert_eq!(v["count"], page.len());
        let total = v["total"].as_u64().unwrap() as usize;
        items.extend(page.iter().cloned());
        if page.is_empty() || items.len() >= total {
            return items;
        }
    }
}

#[tokio::test]
async fn tenant_tokens_get_their_own_records_as_the_truth_says() {
    let env = start(config(|c| {
        c.tenants = 6;
        c.glp_page_cap = 40;
        c.max_devices = 300;
    }))
    .await;
    let truth = env.sim.truth_with_records();
    for t in &truth.tenants {
        let token = env.tenant_token(t).await;
        let records = t.records.as_ref().unwrap();
        let devices = all(&env, "/devices/v1/devices", 2000, &token).await;
        assert_eq!(&devices, &records["glp/devices"], "{}", t.name);
        assert_eq!(devices.len() as u64, t.counts["glp/devices"]);
        let inventory: Vec<&Value> = records["device-inventory"]
            .iter()
            .map(|d| &d["serialNumber"])
            .collect();
        let serials: Vec<&Value> = devices.iter().map(|d| &d["serialNumber"]).collect();
        assert_eq!(serials, inventory, "same devices as Central's inventory");
        let subs = all(&env, "/subscriptions/v1/subscriptions", 50, &token).await;
        assert_eq!(&subs, &records["glp/subscriptions"], "{}", t.name);
    }
    // The MSP token gets the MSP workspace's own small inventory.
    let msp = env.msp_token().await;
    let own = all(&env, "/devices/v1/devices", 2000, &msp).await;
    assert_eq!(own.len() as u64, truth.msp_counts["glp/devices"]);
    assert!(!own.is_empty());
}

#[tokio::test]
async fn limits_are_checked_unknown_parameters_ignored_and_filters_applied() {
    let env = start(config(|c| c.tenants = 4)).await;
    let truth = env.sim.truth();
    let t = truth
        .tenants
        .iter()
        .max_by_key(|t| t.counts["glp/devices"])
        .unwrap();
    let token = env.tenant_token(t).await;
    for bad in [
        "/devices/v1/devices?limit=2001",
        "/devices/v1/devices?limit=0",
        "/devices/v1/devices?offset=-1",
        "/subscriptions/v1/subscriptions?limit=51",
        "/devices/v1/devices?limit=5&limit=6",
        "/devices/v1/devices?filter=nosuchField%20eq%20'x'",
    ] {
        env.expect(bad, &token, 400).await;
    }
    // Unknown parameters are ignored.
    let v = env
        .expect("/devices/v1/devices?limit=5&whatever=1", &token, 200)
        .await;
    assert_eq!(v["count"], 5);
    let (_, v) = env
        .get_json(
            "/devices/v1/devices?limit=2000&filter=assignedState%20eq%20'UNASSIGNED'&select=serialNumber,assignedState",
            &token,
        )
        .await;
    let items = v["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        assert_eq!(item["assignedState"], "UNASSIGNED");
        assert_eq!(item.as_object().unwrap().len(), 2, "{item}");
    }
    // No token: 401.
    let resp = env.get("/subscriptions/v1/subscriptions", "").await;
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn each_workspace_has_its_own_per_minute_budget() {
    let env = start(config(|c| {
        c.tenants = 3;
        c.glp_subscriptions_per_minute = Some(2);
    }))
    .await;
    let truth = env.sim.truth();
    let (a, b) = (&truth.tenants[0], &truth.tenants[1]);
    let (ta, tb) = (env.tenant_token(a).await, env.tenant_token(b).await);
    let path = "/subscriptions/v1/subscriptions?limit=50";
    for _ in 0..2 {
        assert_eq!(env.get(path, &ta).await.status(), 200);
    }
    let limited = env.get(path, &ta).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(env.get(path, &tb).await.status(), 200, "another workspace");
    assert_eq!(
        env.get("/devices/v1/devices?limit=1", &ta).await.status(),
        200
    );
}
