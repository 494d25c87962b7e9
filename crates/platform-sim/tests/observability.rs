//! `/_sim/stats` and `/_sim/truth`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_descending, config, item, msp_env, quick, start};
use platform_sim::{SimConfig, Stats, Truth};
use serde_json::Value;

#[tokio::test]
async fn stats_shape_and_issued_tokens() {
    let env = quick().await;
    let t = env.largest();
    let tenant = env.tenant_token(&t).await;
    let _ = env.get("/network-monitoring/v1/aps?limit=5", &tenant).await;
    let _ = env.get("/nope", &tenant).await;
    let v: Value = env.plain_json("/_sim/stats").await;
    for f in [
        "uptime_ms",
        "total_requests",
        "requests",
        "client_credentials_grants",
        "token_exchanges",
        "exchanges_per_tenant",
        "rate_limited",
        "unauthorized",
        "forbidden",
        "hyphen_rejections",
        "early_requests",
        "injected_failures",
        "dropped_connections",
        "malformed_bodies",
        "revoked",
        "in_flight",
        "max_in_flight",
        "issued_tokens",
    ] {
        assert!(v.get(f).is_some(), "{f} missing");
    }
    let s: Stats = serde_json::from_value(v).unwrap();
    assert_eq!(s.requests["token"]["200"], 2);
    assert_eq!(s.requests["aps"]["200"], 1);
    assert_eq!(s.requests["other"]["404"], 1);
    assert_eq!(s.total_requests, 4);
    assert_eq!(s.issued_tokens.len(), 2);
    assert!(s.issued_tokens.contains(&tenant));
    assert_eq!(s.exchanges_per_tenant[&t.workspace_id], 1);
    // The library snapshot agrees (stats requests are not counted).
    let lib = env.sim.stats();
    assert_eq!(lib.total_requests, s.total_requests);
    assert_eq!(lib.issued_tokens, s.issued_tokens);
}

#[tokio::test]
async fn truth_shape_counts_and_records() {
    let env = quick().await;
    let v: Value = env.plain_json("/_sim/truth").await;
    let truth: Truth = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(truth, env.sim.truth());
    assert_eq!(truth.tenants.len(), 25);
    assert_eq!(truth.tenant_count, 25);
    assert_eq!(truth.msp_workspace_id, env.sim.credentials().workspace_id);
    assert!(v["tenants"][0].get("records").is_none());
    let t = &truth.tenants[0];
    // Every resource counted, and nothing else: the monitoring ones, alerts, GreenLake's.
    let counted: Vec<&str> = t.counts.keys().map(String::as_str).collect();
    assert_eq!(
        counted,
        [
            "alerts",
            "aps",
            "clients",
            "device-inventory",
            "devices",
            "gateways",
            "glp/audit-logs",
            "glp/devices",
            "glp/subscriptions",
            "sites-health",
            "switches",
        ]
    );
    assert!(
        truth
            .tenants
            .iter()
            .filter(|t| t.counts["device-inventory"] == 0)
            .count()
            >= 3
    );
    assert_eq!(
        truth.total_devices,
        truth
            .tenants
            .iter()
            .map(|t| t.counts["device-inventory"])
            .sum::<u64>()
    );

    // One tenant with records, id with or without hyphens.
    let largest = env.largest();
    let one: Truth = env
        .plain_json(&format!(
            "/_sim/truth?tenant={}",
            largest.workspace_id.replace('-', "")
        ))
        .await;
    assert_eq!(one.tenants.len(), 1);
    let rec = one.tenants[0].records.as_ref().unwrap();
    assert_eq!(
        rec["aps"].len() as u64,
        largest.counts["aps"],
        "records match counts"
    );
    assert_eq!(
        one.tenants[0].glp_item.as_ref().unwrap()["id"],
        largest.workspace_id.as_str()
    );
    assert_eq!(
        one.tenants[0].central_item.as_ref().unwrap()["tenantName"],
        largest.name.as_str()
    );
    let r = env
        .get_plain("/_sim/truth?tenant=00000000000000000000000000000000")
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn truth_with_all_records_is_served() {
    let env = start(config(|c| {
        c.tenants = 4;
        c.max_devices = 50;
    }))
    .await;
    let truth: Truth = env.plain_json("/_sim/truth?records=true").await;
    assert_eq!(truth, env.sim.truth_with_records());
    for t in &truth.tenants {
        let rec = t.records.as_ref().unwrap();
        for (k, n) in &t.counts {
            assert_eq!(rec[k].len() as u64, *n);
        }
    }
}

#[tokio::test]
async fn same_seed_same_world_other_seed_other_world() {
    let a = quick().await;
    let b = quick().await;
    let c = start(config(|c| c.seed = 7)).await;
    assert_eq!(a.sim.truth(), b.sim.truth());
    assert_eq!(a.sim.credentials(), b.sim.credentials());
    assert_ne!(a.sim.truth(), c.sim.truth());
    assert_ne!(
        a.sim.credentials().client_secret,
        c.sim.credentials().client_secret
    );
    assert!(!format!("{:?}", a.sim.credentials()).contains(&a.sim.credentials().client_secret));
}

#[tokio::test]
async fn truth_items_equal_what_the_tenant_apis_serve() {
    let (env, msp) = msp_env(SimConfig::default()).await;
    let glp = env
        .expect("/workspaces/v1/msp-tenants?limit=100", &msp, 200)
        .await;
    let central_path = "/network-msp/v1/list-tenants?limit=100&next=1";
    let central = env.expect(central_path, &msp, 200).await;
    let truth = env.sim.truth_with_records();
    for t in &truth.tenants {
        let g = item(&glp, "id", &t.workspace_id);
        assert_eq!(Some(g), t.glp_item.as_ref());
        let c = item(&central, "tenantId", &t.central_tenant_id);
        assert_eq!(Some(c), t.central_item.as_ref());
        assert_eq!(c["tenantName"], g["workspaceName"]);
    }
    // Default list-tenants order: alerts descending.
    assert_descending(&central, |i| i["alerts"]["total"].as_u64().unwrap());
}
