//! Several Central clusters: routing by `/clusters/{slug}`, tenants spread over the MSP's
//! clusters, tenants on no cluster, foreign clusters answering 401, the service catalog.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Env, config, item, start};
use platform_sim::SimConfig;
use serde_json::Value;

async fn two_clusters() -> Env {
    start(config(|c| {
        c.tenants = 10;
        c.clusters = vec!["us-west-4".into(), "EU-1".into()];
        c.tenants_on_no_cluster = 2;
    }))
    .await
}

async fn names_on(env: &Env, prefix: &str, msp: &str) -> Vec<String> {
    let v = env
        .expect(
            &format!("{prefix}/network-msp/v1/list-tenants?limit=100&next=1"),
            msp,
            200,
        )
        .await;
    let mut names: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["tenantName"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn tenants_are_spread_over_the_msp_clusters_and_some_are_on_none() {
    let env = two_clusters().await;
    let msp = env.msp_token().await;
    let truth = env.sim.truth();
    let expected = |cluster: Option<&str>| {
        let mut names: Vec<String> = truth
            .tenants
            .iter()
            .filter(|t| t.cluster.as_deref() == cluster)
            .map(|t| t.name.clone())
            .collect();
        names.sort();
        names
    };
    assert_eq!(expected(Some("US-WEST-4")).len(), 4);
    assert_eq!(expected(Some("EU-1")).len(), 4);
    assert_eq!(
        expected(None).len(),
        2,
        "the last two tenants are on no cluster"
    );
    assert_eq!(
        names_on(&env, "/clusters/us-west-4", &msp).await,
        expected(Some("US-WEST-4"))
    );
    assert_eq!(
        names_on(&env, "/clusters/eu-1", &msp).await,
        expected(Some("EU-1"))
    );
    // No prefix: the first cluster.
    assert_eq!(names_on(&env, "", &msp).await, expected(Some("US-WEST-4")));

    // A public cluster where the MSP is not provisioned: 401, as the probe expects.
    let v = env
        .expect(
            "/clusters/us-2/network-msp/v1/list-tenants?limit=1&next=1",
            &msp,
            401,
        )
        .await;
    assert!(v["message"].as_str().unwrap().contains("US-2"), "{v}");
    // An unknown cluster: 404.
    env.expect(
        "/clusters/mars-1/network-msp/v1/list-tenants?limit=1&next=1",
        &msp,
        404,
    )
    .await;

    let table = env.sim.clusters();
    assert_eq!(table.iter().filter(|c| c.msp).count(), 2);
    assert_eq!(
        env.sim.cluster_url("eu-1").unwrap(),
        format!("{}/clusters/eu-1", env.sim.base_url())
    );
    let v = env.expect("/_sim/clusters", "", 200).await;
    assert_eq!(v["clusters"].as_array().unwrap().len(), table.len());
}

#[tokio::test]
async fn a_tenant_token_works_only_on_its_own_cluster() {
    let env = two_clusters().await;
    let truth = env.sim.truth();
    let eu = truth
        .tenants
        .iter()
        .find(|t| t.cluster.as_deref() == Some("EU-1") && t.counts["devices"] > 0)
        .unwrap();
    let token = env.tenant_token(eu).await;
    env.expect(
        "/clusters/eu-1/network-monitoring/v1/devices?limit=1",
        &token,
        200,
    )
    .await;
    for other in ["/clusters/us-west-4", "", "/clusters/uk"] {
        env.expect(
            &format!("{other}/network-monitoring/v1/devices?limit=1"),
            &token,
            401,
        )
        .await;
    }
    let nowhere = truth.tenants.iter().find(|t| t.cluster.is_none()).unwrap();
    let token = env.tenant_token(nowhere).await;
    for cluster in ["/clusters/us-west-4", "/clusters/eu-1"] {
        env.expect(
            &format!("{cluster}/network-monitoring/v1/device-inventory?limit=1"),
            &token,
            401,
        )
        .await;
    }
}

#[tokio::test]
async fn the_catalog_names_the_central_regions_of_the_msp() {
    let env = two_clusters().await;
    let msp = env.msp_token().await;
    let managers = env
        .expect("/service-catalog/v1/service-managers", &msp, 200)
        .await;
    let central_id = item(&managers, "name", "HPE Aruba Networking Central")["id"].clone();
    let v = env
        .expect(
            "/service-catalog/v1/service-manager-provisions?limit=100",
            &msp,
            200,
        )
        .await;
    let items = v["items"].as_array().unwrap();
    assert_eq!(v["total"].as_u64().unwrap() as usize, items.len());
    let mut central: Vec<(String, String)> = items
        .iter()
        .filter(|p| p["serviceManager"]["id"] == central_id)
        .map(|p| {
            (
                p["region"].as_str().unwrap().to_string(),
                p["provisionStatus"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    central.sort();
    let provisioned: Vec<&str> = central
        .iter()
        .filter(|(_, s)| s == "PROVISIONED")
        .map(|(r, _)| r.as_str())
        .collect();
    assert_eq!(provisioned, ["eu-central", "us-west"]);
    assert!(
        central.iter().any(|(_, s)| s == "UNPROVISIONED"),
        "an unprovisioned Central region too: {central:?}"
    );
    assert!(
        items
            .iter()
            .any(|p| p["serviceManager"]["id"] != central_id),
        "a service that is not Central"
    );
    // Paging and strict parameters.
    let (_, one) = env
        .get_json(
            "/service-catalog/v1/service-manager-provisions?offset=1&limit=1",
            &msp,
        )
        .await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(one["items"][0], items[1]);
    env.expect(
        "/service-catalog/v1/service-manager-provisions?limit=0",
        &msp,
        400,
    )
    .await;
    let (status, _): (u16, Value) = env
        .get_json("/service-catalog/v1/service-manager-provisions", "nope")
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn bad_cluster_configurations_are_named() {
    for (clusters, word) in [
        (vec![], "at least one"),
        (vec!["Mars-1".to_string()], "Mars-1"),
        (vec!["EU-1".to_string(), "eu-1".to_string()], "twice"),
    ] {
        let e = SimConfig {
            clusters,
            ..SimConfig::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains(word), "{e}");
    }
}

#[tokio::test]
async fn the_msp_inventory_is_the_union_of_the_tenant_inventories_of_the_cluster() {
    let env = start(config(|c| {
        c.tenants = 12;
        c.clusters = vec!["US-WEST-4".into(), "EU-1".into()];
        c.tenants_on_no_cluster = 1;
        c.central_page_cap = Some(300);
    }))
    .await;
    let msp = env.msp_token().await;
    let truth = env.sim.truth_with_records();
    for (prefix, cluster) in [
        ("/clusters/us-west-4", "US-WEST-4"),
        ("/clusters/eu-1", "EU-1"),
    ] {
        let mut got: Vec<Value> = Vec::new();
        let mut next = "1".to_string();
        loop {
            let v = env
                .expect(
                    &format!("{prefix}/network-msp/v1/device-inventory?limit=1000&next={next}"),
                    &msp,
                    200,
                )
                .await;
            got.extend(v["items"].as_array().unwrap().iter().cloned());
            match &v["next"] {
                Value::Null => break,
                Value::String(s) => next = s.clone(),
                other => panic!("a string cursor, got {other}"),
            }
        }
        let mut want: Vec<Value> = Vec::new();
        for t in truth
            .tenants
            .iter()
            .filter(|t| t.cluster.as_deref() == Some(cluster))
        {
            for r in &t.records.as_ref().unwrap()["device-inventory"] {
                let mut r = r.clone();
                r["tenantId"] = Value::String(t.central_tenant_id.clone());
                r["tenantName"] = Value::String(t.name.clone());
                want.push(r);
            }
        }
        assert_eq!(got.len(), want.len(), "{cluster}");
        assert_eq!(got, want, "{cluster}");
    }
    // The MSP token only.
    let t = truth.tenants.iter().find(|t| t.cluster.is_some()).unwrap();
    let token = env.tenant_token(t).await;
    env.expect("/network-msp/v1/device-inventory?limit=10", &token, 403)
        .await;
}
