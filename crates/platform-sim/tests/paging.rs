//! Pagination, caps, cursors, filters and query strictness.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashSet};

use common::{Env, assert_descending, config, msp_env, quick, start, tenant_env};
use platform_sim::{SimConfig, TenantTruth};
use serde_json::Value;

fn issue_subject(v: &Value) -> String {
    let code = v["errorCode"].as_str().unwrap_or_default();
    assert!(
        code == "HPE_GL_ERROR_BAD_REQUEST" || code.ends_with("_INVALID_INPUT"),
        "{v}"
    );
    let d = &v["errorDetails"][0];
    assert_eq!(d["type"], "hpe.greenlake.bad_request");
    d["issues"][0]["subject"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn msp_tenants_caps_pages_and_offset_counts_items() {
    let env = start(config(|c| c.tenants = 250)).await;
    let msp = env.msp_token().await;
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let v = env
            .expect(
                &format!("/workspaces/v1/msp-tenants?offset={offset}&limit=300"),
                &msp,
                200,
            )
            .await;
        assert_eq!(v["offset"], offset);
        assert_eq!(v["total"], 250);
        let count = v["count"].as_u64().unwrap() as usize;
        let items = v["items"].as_array().unwrap();
        assert_eq!(count, items.len());
        assert!(count <= 100, "capped at glp_page_cap");
        for it in items {
            for f in [
                "id",
                "type",
                "generation",
                "createdAt",
                "updatedAt",
                "workspaceName",
                "createdBy",
                "resourceUri",
                "inventoryOwnership",
                "x-sim-extra",
            ] {
                assert!(it.get(f).is_some(), "{f} missing");
            }
            ids.push(it["id"].as_str().unwrap().to_string());
        }
        offset += count;
        if offset >= 250 || count == 0 {
            break;
        }
    }
    let truth: Vec<String> = env
        .sim
        .truth()
        .tenants
        .into_iter()
        .map(|t| t.workspace_id)
        .collect();
    assert_eq!(ids, truth);
}

#[tokio::test]
async fn msp_tenants_limit_is_required_and_bounded() {
    let env = quick().await;
    let msp = env.msp_token().await;
    for q in [
        "",
        "?limit=0",
        "?limit=301",
        "?limit=ten",
        "?offset=-1&limit=5",
    ] {
        let v = env
            .expect(&format!("/workspaces/v1/msp-tenants{q}"), &msp, 400)
            .await;
        assert!(["limit", "offset"].contains(&issue_subject(&v).as_str()));
    }
    let v = env
        .expect("/workspaces/v1/msp-tenants?limit=300", &msp, 200)
        .await;
    assert_eq!(v["count"], 25);
    // Unknown and repeated parameters are rejected.
    let (status, v) = env
        .get_json("/workspaces/v1/msp-tenants?limit=5&page=2", &msp)
        .await;
    assert_eq!((status, issue_subject(&v)), (400, "page".into()));
    env.expect("/workspaces/v1/msp-tenants?limit=5&limit=6", &msp, 400)
        .await;
}

/// The first ten MSP tenants matching `filter`, asserting the answer's status is `want`.
async fn msp_tenants_where(env: &Env, msp: &str, filter: &str, want: u16) -> Value {
    let query = [("limit", "10"), ("filter", filter)];
    env.expect_query("/workspaces/v1/msp-tenants", &query, msp, want)
        .await
}

#[tokio::test]
async fn msp_tenants_filter_by_name_with_quote_doubling_and_by_id() {
    let env = quick().await;
    let msp = env.msp_token().await;
    let truth = env.sim.truth();
    let t = truth
        .tenants
        .iter()
        .find(|t| t.name.contains('\''))
        .unwrap();
    let filter = format!("workspaceName eq '{}'", t.name.replace('\'', "''"));
    let v = msp_tenants_where(&env, &msp, &filter, 200).await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["id"], t.workspace_id.as_str());
    for id in [t.workspace_id.clone(), t.workspace_id.replace('-', "")] {
        let filter = format!("id eq '{id}'");
        let v = msp_tenants_where(&env, &msp, &filter, 200).await;
        assert_eq!(v["items"][0]["workspaceName"], t.name.as_str());
    }
    for bad in [
        "workspaceName ne 'x'",
        "name eq 'x'",
        "workspaceName eq 'unterminated",
    ] {
        msp_tenants_where(&env, &msp, bad, 400).await;
    }
}

#[tokio::test]
async fn list_tenants_requires_limit_and_next() {
    let env = quick().await;
    let msp = env.msp_token().await;
    for (q, subject) in [
        ("?limit=10", "next"),
        ("?next=1", "limit"),
        ("?limit=10&next=0", "next"),
        ("?limit=101&next=1", "limit"),
        ("?limit=0&next=1", "limit"),
    ] {
        let v = env
            .expect(&format!("/network-msp/v1/list-tenants{q}"), &msp, 400)
            .await;
        assert_eq!(issue_subject(&v), subject);
        assert_eq!(v["httpStatusCode"], 400);
    }
}

#[tokio::test]
async fn list_tenants_walk_matches_truth_and_ids_differ_from_workspaces() {
    let (env, msp) = msp_env(config(|c| {
        c.tenants = 40;
        c.central_page_cap = Some(7);
    }))
    .await;
    let mut names = Vec::new();
    let mut next = Value::from(1);
    let mut pages = 0;
    while !next.is_null() {
        let v = env
            .expect(
                &format!(
                    "/network-msp/v1/list-tenants?limit=100&next={}",
                    next.as_str()
                        .map_or_else(|| next.to_string(), str::to_owned)
                ),
                &msp,
                200,
            )
            .await;
        assert_eq!(v["total"], 40);
        assert!(v["count"].as_u64().unwrap() <= 7);
        for it in v["items"].as_array().unwrap() {
            names.push(it["tenantName"].as_str().unwrap().to_string());
            assert_eq!(it["tenantId"].as_str().unwrap().len(), 32);
        }
        next = v["next"].clone();
        assert!(
            next.is_null() || next.is_string(),
            "list-tenants cursor is a string, absent on the last page"
        );
        pages += 1;
    }
    assert_eq!(pages, 6);
    let truth = env.sim.truth();
    let mut expected: Vec<String> = truth.tenants.iter().map(|t| t.name.clone()).collect();
    let mut got = names.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    for t in &truth.tenants {
        assert_ne!(t.central_tenant_id, t.workspace_id.replace('-', ""));
    }
    // Filter by name.
    let t = &truth.tenants[3];
    let filter = format!("tenantName eq '{}'", t.name.replace('\'', "''"));
    let v = env
        .expect_query(
            "/network-msp/v1/list-tenants",
            &[("limit", "10"), ("next", "1"), ("filter", filter.as_str())],
            &msp,
            200,
        )
        .await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["tenantId"], t.central_tenant_id.as_str());
}

/// The records of the tenant `t`, by resource.
fn records_of(env: &Env, t: &TenantTruth) -> BTreeMap<String, Vec<Value>> {
    let truth = env.sim.tenant_truth(&t.workspace_id).unwrap();
    truth.tenants[0].records.clone().unwrap()
}

async fn walk(env: &Env, token: &str, resource: &str, limit: u64) -> (Vec<Value>, Vec<Value>) {
    let mut items = Vec::new();
    let mut cursors = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut path = format!("/network-monitoring/v1/{resource}?limit={limit}");
        if let Some(n) = &next {
            path.push_str(&format!("&next={n}"));
        }
        let v = env.expect(&path, token, 200).await;
        let page = v["items"].as_array().unwrap();
        assert_eq!(v["count"].as_u64().unwrap() as usize, page.len());
        items.extend(page.iter().cloned());
        cursors.push(v["next"].clone());
        next = match &v["next"] {
            Value::Null => break,
            Value::String(s) if s.is_empty() => break,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            other => panic!("bad cursor {other}"),
        };
    }
    (items, cursors)
}

#[tokio::test]
async fn monitoring_full_walks_equal_truth_with_cursor_types() {
    let (env, t, token) = tenant_env(SimConfig::default()).await;
    let records = records_of(&env, &t);
    for (resource, string_cursor) in [
        ("device-inventory", true),
        ("aps", true),
        ("clients", true),
        ("switches", true),
        ("gateways", true),
        ("devices", true),
    ] {
        let limit = if resource == "gateways" { 100 } else { 1000 };
        let (items, cursors) = walk(&env, &token, resource, limit).await;
        assert_eq!(&items, &records[resource], "{resource}");
        assert_eq!(items.len() as u64, t.counts[resource]);
        for c in &cursors[..cursors.len() - 1] {
            assert_eq!(c.is_string(), string_cursor, "{resource}: {c}");
        }
        // The last page: `next` absent where the spec makes it optional, else "".
        let last = cursors.last().unwrap();
        assert!(last.is_null() || last == "", "{resource}: {last}");
        let key = match resource {
            "clients" => "macAddress",
            _ => "serialNumber",
        };
        let unique: HashSet<&str> = items.iter().map(|i| i[key].as_str().unwrap()).collect();
        assert_eq!(unique.len(), items.len(), "{resource} ids unique");
        assert!(items.iter().all(|i| i.get("x-sim-extra").is_some()));
    }
}

/// `sites-health` is paged by offset (`{items, count, total, offset}`, no `next`), and
/// `network-monitoring/v1/sites` does not exist.
#[tokio::test]
async fn sites_health_pages_by_offset_and_sites_is_not_found() {
    let (env, t, token) = tenant_env(config(|c| c.central_page_cap = Some(7))).await;
    let truth = env.sim.tenant_truth(&t.workspace_id).unwrap();
    let records = &truth.tenants[0].records.as_ref().unwrap()["sites-health"];
    assert!(records.len() > 14, "several pages");
    let mut items = Vec::new();
    loop {
        let path = format!(
            "/network-monitoring/v1/sites-health?limit=100&offset={}",
            items.len()
        );
        let v = env.expect(&path, &token, 200).await;
        assert!(v.get("next").is_none(), "{v}");
        assert_eq!(v["offset"], items.len() as u64);
        assert_eq!(v["total"], records.len() as u64);
        let page = v["items"].as_array().unwrap();
        assert!(page.len() <= 7);
        assert_eq!(v["count"], page.len() as u64);
        if page.is_empty() {
            break;
        }
        items.extend(page.iter().cloned());
    }
    assert_eq!(&items, records);
    let ids: HashSet<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), items.len());
    for site in &items {
        assert!(site["siteName"].is_string(), "{site}");
        assert!(site["address"]["city"].is_string(), "{site}");
        for part in ["health", "devices", "clients"] {
            let groups = if part == "health" {
                &site["health"]["groups"]
            } else {
                &site[part]["health"]["groups"]
            };
            let names: Vec<&str> = groups
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["Poor", "Fair", "Good"], "{part}");
        }
        assert!(site["devices"]["count"].is_u64() && site["clients"]["count"].is_u64());
        assert!(site["alerts"]["totalCount"].is_u64());
        assert_eq!(site["alerts"]["groups"][0]["name"], "Critical");
        assert!(site["reasons"].is_array());
    }
    // Filtered and sorted, still offset-paged.
    let v = env
        .expect(
            "/network-monitoring/v1/sites-health?limit=100&sort=siteName%20desc",
            &token,
            200,
        )
        .await;
    assert_eq!(v["offset"], 0);
    assert!(v.get("next").is_none());
    env.expect("/network-monitoring/v1/sites?limit=10", &token, 404)
        .await;
}

#[tokio::test]
async fn monitoring_limits_and_cursors_are_strict() {
    let env = quick().await;
    let t = env.largest();
    let token = env.tenant_token(&t).await;
    for (path, subject) in [
        ("/network-monitoring/v1/aps", "limit"),
        ("/network-monitoring/v1/aps?limit=0", "limit"),
        ("/network-monitoring/v1/aps?limit=1001", "limit"),
        ("/network-monitoring/v1/gateways?limit=101", "limit"),
        ("/network-monitoring/v1/sites-health?limit=101", "limit"),
        (
            "/network-monitoring/v1/sites-health?limit=10&next=1",
            "next",
        ),
        (
            "/network-monitoring/v1/sites-health?limit=10&offset=-1",
            "offset",
        ),
        ("/network-monitoring/v1/clients?limit=1001", "limit"),
        ("/network-monitoring/v1/aps?limit=10&next=0", "next"),
        ("/network-monitoring/v1/aps?limit=10&next=abc", "next"),
        ("/network-monitoring/v1/aps?limit=10&offset=5", "offset"),
    ] {
        let v = env.expect(path, &token, 400).await;
        assert_eq!(issue_subject(&v), subject, "{path}");
    }
    for path in [
        "/network-monitoring/v1/aps?limit=1000",
        "/network-monitoring/v1/gateways?limit=100",
        "/network-monitoring/v1/aps?limit=10&next=1",
    ] {
        assert_eq!(env.get(path, &token).await.status(), 200, "{path}");
    }
    let long = "x".repeat(257);
    env.expect_query(
        "/network-monitoring/v1/aps",
        &[("limit", "10"), ("filter", long.as_str())],
        &token,
        400,
    )
    .await;
    // A page past the end is empty with a null cursor.
    let v = env
        .expect("/network-monitoring/v1/aps?limit=1000&next=99", &token, 200)
        .await;
    assert_eq!(v["count"], 0);
    assert_eq!(v["next"], "");
    let r = env
        .get("/network-monitoring/v1/routers?limit=10", &token)
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn monitoring_central_page_cap_and_exact_boundary() {
    let env = start(config(|c| c.central_page_cap = Some(250))).await;
    let truth = env.sim.truth();
    // The tenant with exactly 1000 devices: 4 full pages, the last with a null cursor.
    let t = truth
        .tenants
        .iter()
        .find(|t| t.counts["device-inventory"] == 1000)
        .unwrap();
    let token = env.tenant_token(t).await;
    let (items, cursors) = walk(&env, &token, "device-inventory", 1000).await;
    assert_eq!(items.len(), 1000);
    assert_eq!(cursors.len(), 4);
}

#[tokio::test]
async fn monitoring_filter_sort_and_extra_parameters() {
    let (env, t, token) = tenant_env(SimConfig::default()).await;
    let records = records_of(&env, &t);
    let offline = records["aps"]
        .iter()
        .filter(|a| a["status"] == "OFFLINE")
        .count();
    let v = env
        .expect_query(
            "/network-monitoring/v1/aps",
            &[("limit", "1000"), ("filter", "status eq 'OFFLINE'")],
            &token,
            200,
        )
        .await;
    assert_eq!(v["total"], offline);
    let unassigned = records["device-inventory"]
        .iter()
        .filter(|d| d["siteId"] == "")
        .count();
    let (_, v) = env
        .get_json(
            "/network-monitoring/v1/device-inventory?limit=1000&site-assigned=UNASSIGNED",
            &token,
        )
        .await;
    assert_eq!(v["total"], unassigned);
    let (_, v) = env
        .get_json(
            "/network-monitoring/v1/sites-health?limit=100&sort=devices.count%20desc",
            &token,
        )
        .await;
    assert_descending(&v, |s| s["devices"]["count"].as_u64().unwrap());
    env.expect_query(
        "/network-monitoring/v1/aps",
        &[("limit", "10"), ("filter", "nosuchfield eq 'x'")],
        &token,
        400,
    )
    .await;
}
