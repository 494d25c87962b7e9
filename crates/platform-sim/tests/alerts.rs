//! Alerts (`GET /network-notifications/v1/alerts`): every page of every tenant is the truth,
//! open alerts agree with list-tenants and sites-health, a generation change clears some
//! alerts and raises others (open ones keep their ids), and the spec's filter, sort and limit
//! are enforced.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Env, config, items, start, tenant_env};
use serde_json::Value;

const ALERTS: &str = "/network-notifications/v1/alerts";

/// Every alert of the tenant with `token`, paged `limit` at a time through the `next` cursor.
async fn all_alerts(env: &Env, token: &str, limit: u32, extra: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next = "1".to_owned();
    loop {
        let v = env
            .expect(
                &format!("{ALERTS}?limit={limit}&next={next}{extra}"),
                token,
                200,
            )
            .await;
        assert_eq!(v["count"].as_u64().unwrap() as usize, items(&v).len());
        out.extend(items(&v).iter().cloned());
        match v.get("next") {
            Some(Value::String(n)) => next = n.clone(),
            None => break,
            Some(other) => panic!("next {other}"),
        }
    }
    out
}

fn open_by_severity(alerts: &[Value]) -> BTreeMap<String, u64> {
    let mut n = BTreeMap::new();
    for a in alerts.iter().filter(|a| a["status"] != "Cleared") {
        *n.entry(a["severity"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    n
}

#[tokio::test]
async fn every_tenant_s_alerts_are_the_truth_and_agree_with_the_rollups() {
    let env = start(config(|c| c.tenants = 5)).await;
    let msp = env.msp_token().await;
    let truth = env.sim.truth_with_records();
    let rollup = env
        .expect("/network-msp/v1/list-tenants?limit=100&next=1", &msp, 200)
        .await;
    let mut cleared = 0;
    for t in &truth.tenants {
        let token = env.tenant_token(t).await;
        let got = all_alerts(&env, &token, 7, "").await;
        let records = t.records.as_ref().unwrap();
        assert_eq!(&got, &records["alerts"], "{}", t.name);
        assert_eq!(got.len() as u64, t.counts["alerts"]);
        let ids: BTreeSet<&str> = got.iter().map(|a| a["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), got.len(), "ids are unique");
        let open = open_by_severity(&got);
        assert_eq!(open, t.open_alerts, "{}", t.name);
        cleared += got.iter().filter(|a| a["status"] == "Cleared").count();
        // list-tenants: the tenant's rollup.
        let item = items(&rollup)
            .iter()
            .find(|i| i["tenantId"] == t.central_tenant_id.as_str())
            .unwrap();
        for (field, severity) in [
            ("critical", "Critical"),
            ("major", "Major"),
            ("minor", "Minor"),
        ] {
            assert_eq!(
                item["alerts"][field].as_u64().unwrap(),
                open.get(severity).copied().unwrap_or(0),
                "{} {field}",
                t.name
            );
        }
        // sites-health: each site's groups are its open alerts.
        for site in &records["sites-health"] {
            let here: Vec<Value> = got
                .iter()
                .filter(|a| a["siteId"] == site["id"])
                .cloned()
                .collect();
            let open = open_by_severity(&here);
            for group in site["alerts"]["groups"].as_array().unwrap() {
                let name = group["name"].as_str().unwrap();
                assert_eq!(
                    group["count"].as_u64().unwrap(),
                    open.get(name).copied().unwrap_or(0),
                    "{} {} {name}",
                    t.name,
                    site["siteName"]
                );
            }
        }
        // The spec's required fields are strings.
        for a in &got {
            for field in [
                "id",
                "key",
                "category",
                "typeId",
                "name",
                "severity",
                "priority",
                "status",
                "summary",
                "createdAt",
                "updatedAt",
                "updatedBy",
                "type",
                "deviceType",
                "clearedReason",
            ] {
                assert!(a[field].is_string(), "{field} of {a}");
            }
        }
    }
    assert!(cleared > 0, "some alerts are cleared");
}

#[tokio::test]
async fn a_generation_clears_some_alerts_raises_others_and_keeps_the_rest() {
    let before = start(config(|c| c.tenants = 3)).await;
    let after = start(config(|c| {
        c.tenants = 3;
        c.generation = 1;
    }))
    .await;
    let (mut new, mut cleared, mut kept) = (0, 0, 0);
    for (a, b) in before
        .sim
        .truth_with_records()
        .tenants
        .iter()
        .zip(after.sim.truth_with_records().tenants.iter())
    {
        let of = |t: &platform_sim::TenantTruth| -> BTreeMap<String, String> {
            t.records.as_ref().unwrap()["alerts"]
                .iter()
                .map(|a| {
                    (
                        a["id"].as_str().unwrap().to_owned(),
                        a["status"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        };
        let (a, b) = (of(a), of(b));
        for (id, status) in &b {
            match (a.get(id).map(String::as_str), status.as_str()) {
                (None, "Active") => new += 1,
                (Some("Active"), "Cleared") => cleared += 1,
                (Some(x), y) if x == y => kept += 1,
                other => panic!("{id}: {other:?}"),
            }
        }
        // Every alert open before is still listed: open, or cleared.
        for (id, status) in &a {
            if status == "Active" {
                assert!(b.contains_key(id), "{id} vanished");
            }
        }
    }
    assert!(new > 0 && cleared > 0 && kept > 0, "{new} {cleared} {kept}");
}

#[tokio::test]
async fn filter_sort_limit_and_tokens_follow_the_spec() {
    let (env, _, token) = tenant_env(config(|c| c.tenants = 2)).await;
    let all = all_alerts(&env, &token, 100, "").await;
    let cleared = all_alerts(&env, &token, 100, "&filter=status%20eq%20%27Cleared%27").await;
    assert!(!cleared.is_empty());
    assert!(cleared.iter().all(|a| a["status"] == "Cleared"));
    assert_eq!(
        cleared.len(),
        all.iter().filter(|a| a["status"] == "Cleared").count()
    );
    let aps = all_alerts(
        &env,
        &token,
        100,
        "&filter=deviceType%20in%20(%27Access%20Point%27)%20and%20status%20eq%20%27Active%27",
    )
    .await;
    assert!(aps.iter().all(|a| a["deviceType"] == "Access Point"));
    // The spec's default limit is 20.
    let v = env.expect(ALERTS, &token, 200).await;
    assert_eq!(items(&v).len(), 20.min(all.len()));
    let sorted = all_alerts(&env, &token, 100, "&sort=severity%20asc").await;
    let severities: Vec<&str> = sorted
        .iter()
        .map(|a| a["severity"].as_str().unwrap())
        .collect();
    assert!(
        severities.windows(2).all(|w| w[0] <= w[1]),
        "{severities:?}"
    );
    for bad in [
        "?limit=101",
        "?limit=0",
        "?filter=severity%20eq%20%27Critical%27",
        "?sort=summary%20asc",
        "?offset=3",
    ] {
        env.expect(&format!("{ALERTS}{bad}"), &token, 400).await;
    }
    let msp = env.msp_token().await;
    env.expect(ALERTS, &msp, 403).await;
}
