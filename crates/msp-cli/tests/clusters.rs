//! Several Central clusters, run as a process against the simulator: named clusters place
//! every tenant; a wrong cluster is named; `auto` with no cluster answering says what it tried;
//! the overview and the MSP inventory span every cluster. `auto` collecting every record of an
//! MSP on two clusters, a tenant on none reported, is the end-to-end suite's
//! (`tests/scenarios/locations.rs`).
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;

use platform_sim::{SimConfig, Simulator};
use serde_json::Value;
use support::{Cli, Finished, bin, sim, sim_with, target, temp_dir, texts};

/// `NAME=URL,...` of every public cluster's gateway, each at the simulator (so that nothing can
/// reach a real host), the MSP's own cluster at `msp` when given.
fn cluster_urls(sim: &Simulator, msp: Option<&str>) -> String {
    sim.clusters()
        .into_iter()
        .map(|c| match msp.filter(|_| c.msp) {
            Some(url) => format!("{}={url}", c.name),
            None => format!("{}={}", c.name, c.base_url),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The binary with the simulator's credentials and every cluster's gateway at the simulator.
fn cli(sim: &Simulator, args: &[&str]) -> Cli {
    bin()
        .target(&target(sim).with_central(None))
        .log("off")
        .env("CENTRAL_CLUSTER_URLS", cluster_urls(sim, None))
        .args(args)
}

async fn output(cmd: Cli) -> Finished {
    cmd.output().await
}

async fn two_clusters(tenants: usize, on_none: usize) -> Simulator {
    sim_with(SimConfig {
        tenants,
        clusters: vec!["US-WEST-4".into(), "EU-1".into()],
        tenants_on_no_cluster: on_none,
        ..SimConfig::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_clusters_place_tenants_and_tenants_lists_the_cluster() {
    let sim = two_clusters(8, 0).await;
    let out = output(cli(
        &sim,
        &[
            "tenants",
            "--central-cluster",
            "eu-1,us-west-4",
            "--format",
            "jsonl",
        ],
    ))
    .await;
    let stdout = &out.stdout;
    out.assert_code(0);
    let truth = sim.truth();
    assert_eq!(stdout.lines().count(), truth.tenants.len());
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let t = truth
            .tenants
            .iter()
            .find(|t| v["workspace_id"] == t.workspace_id)
            .unwrap();
        assert_eq!(v["cluster"].as_str(), t.cluster.as_deref(), "{line}");
    }
    let out = output(cli(
        &sim,
        &["tenants", "--central-cluster", "eu-1,us-west-4"],
    ))
    .await;
    let table = &out.stdout;
    assert!(table.lines().next().unwrap().contains("CLUSTER"), "{table}");
    assert_eq!(table.matches("EU-1").count(), 4, "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_cluster_is_named_before_any_tenant_runs() {
    let sim = two_clusters(4, 0).await;
    let out = output(cli(
        &sim,
        &[
            "collect",
            "devices",
            "-q",
            "--central-cluster",
            "US-WEST-4,UK",
        ],
    ))
    .await;
    let stderr = &out.stderr;
    out.assert_code(1);
    assert!(stderr.contains("cannot use Central at UK ("), "{stderr}");
    assert!(stderr.contains("no tenant was contacted"), "{stderr}");
    assert!(sim.stats().exchanges_per_tenant.is_empty(), "no tenant ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_answer_that_does_not_decode_is_said_as_such_without_the_url_hint() {
    let sim = sim(2).await;
    // A gateway that answers 200 with JSON of another shape (no `items`), as a server of
    // published example responses may.
    let gateway = test_support::http::Server::start();
    gateway.always(
        "GET",
        "/network-msp/v1/list-tenants",
        test_support::http::Reply::json(200, r#"{"tenants": [], "total": 0}"#),
    );
    let out = bin()
        .target(&target(&sim).with_central(Some(gateway.base_url())))
        .log("off")
        .args(["collect", "devices", "-q"])
        .output()
        .await;
    out.assert_code(1);
    let stderr = &out.stderr;
    assert!(
        stderr.contains("could not decode the answer of GET /network-msp/v1/list-tenants"),
        "{stderr}"
    );
    assert!(stderr.contains("missing field `items`"), "{stderr}");
    assert!(stderr.contains("no tenant was contacted"), "{stderr}");
    assert!(!stderr.contains("--central-base-url"), "{stderr}");
    assert!(sim.stats().exchanges_per_tenant.is_empty(), "no tenant ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_with_no_cluster_answering_says_what_was_tried() {
    // The MSP's cluster is US-1; its gateway is not pointed at the simulator's US-1 but at a
    // cluster that refuses (UK), so every us-west candidate refuses.
    let sim = sim_with(SimConfig {
        tenants: 3,
        clusters: vec!["US-1".into()],
        ..SimConfig::default()
    })
    .await;
    let uk = sim
        .clusters()
        .into_iter()
        .find(|c| c.name == "UK")
        .unwrap()
        .base_url;
    let cmd = cli(
        &sim,
        &["collect", "devices", "-q", "--central-cluster", "auto"],
    )
    .env("CENTRAL_CLUSTER_URLS", cluster_urls(&sim, Some(&uk)));
    let out = output(cmd).await;
    let stderr = &out.stderr;
    out.assert_code(1);
    assert!(stderr.contains("no Central cluster found"), "{stderr}");
    assert!(stderr.contains("US-1, US-2, US-WEST-4"), "{stderr}");
    assert!(stderr.contains("--central-base-url"), "{stderr}");
    // A few lines, each candidate on its own.
    for name in ["US-1", "US-2", "US-WEST-4"] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&format!("  - {name} (")) && l.contains("refused")),
            "{name}: {stderr}"
        );
    }
    assert!(stderr.lines().all(|l| l.len() < 300), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_is_every_tenant_health_on_every_cluster_worst_first() {
    let sim = two_clusters(9, 1).await;
    let out = output(cli(
        &sim,
        &["overview", "--central-cluster", "auto", "--format", "json"],
    ))
    .await;
    // One tenant is on no cluster: shown, and the exit code says the view is not whole.
    out.assert_code(3);
    let rows: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let truth = sim.truth_with_records();
    assert_eq!(rows.len(), truth.tenants.len());
    let worst = |r: &Value| {
        [
            r["alerts_critical"].as_u64().unwrap_or(0),
            r["alerts_major"].as_u64().unwrap_or(0),
            r["poor"].as_u64().unwrap_or(0),
            r["degraded_sites"].as_u64().unwrap_or(0),
        ]
    };
    for pair in rows.windows(2) {
        assert!(worst(&pair[0]) >= worst(&pair[1]), "worst first: {pair:?}");
    }
    for t in &truth.tenants {
        let row = rows
            .iter()
            .find(|r| r["workspace_id"] == t.workspace_id)
            .unwrap_or_else(|| panic!("{} missing", t.name));
        assert_eq!(row["cluster"].as_str(), t.cluster.as_deref());
        if t.cluster.is_none() {
            assert!(
                row["note"].as_str().unwrap().starts_with("no_cluster"),
                "{row}"
            );
            continue;
        }
        let item = t.central_item.as_ref().unwrap();
        assert_eq!(row["sites"], item["totalSites"]);
        assert_eq!(row["degraded_sites"], item["degradedSites"]);
        assert_eq!(row["poor"], item["deviceHealthStatus"]["poor"]);
        assert_eq!(row["alerts_critical"], item["alerts"]["critical"]);
        assert_eq!(
            row["central_tenant_id"].as_str(),
            Some(t.central_tenant_id.as_str())
        );
    }
    // No tenant token was needed.
    assert!(sim.stats().exchanges_per_tenant.is_empty());
    let out = output(cli(&sim, &["overview", "--central-cluster", "auto"])).await;
    let table = &out.stdout;
    assert!(table.starts_with("TENANT"), "{table}");
    assert_eq!(table.lines().count(), 1 + truth.tenants.len(), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_msp_inventory_is_every_tenant_inventory_without_one_exchange() {
    // Small pages: the pages after the first are fetched several at once.
    let sim = sim_with(SimConfig {
        tenants: 10,
        clusters: vec!["US-WEST-4".into(), "EU-1".into()],
        tenants_on_no_cluster: 1,
        central_page_cap: Some(97),
        ..SimConfig::default()
    })
    .await;
    let dir = temp_dir("clusters-msp-inventory");
    let (file, report) = (dir.path().join("msp.jsonl"), dir.path().join("report.json"));
    let out = output(cli(
        &sim,
        &[
            "collect",
            "msp/device-inventory",
            "-q",
            "--central-cluster",
            "auto",
            "-o",
            file.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    ))
    .await;
    // The tenant on no cluster has no inventory there: said, exit 3.
    out.assert_code(3);
    assert!(sim.stats().exchanges_per_tenant.is_empty(), "no exchange");
    let truth = sim.truth_with_records();
    let mut got: HashMap<String, Vec<Value>> = HashMap::new();
    for line in std::fs::read_to_string(&file).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["resource"], "msp/device-inventory");
        let t = truth
            .tenants
            .iter()
            .find(|t| v["workspace_id"] == t.workspace_id)
            .unwrap_or_else(|| panic!("unattributed: {line}"));
        assert_eq!(v["cluster"].as_str(), t.cluster.as_deref());
        assert_eq!(
            v["central_tenant_id"].as_str(),
            Some(t.central_tenant_id.as_str())
        );
        let mut data = v["data"].clone();
        let object = data.as_object_mut().unwrap();
        object.remove("tenantId");
        object.remove("tenantName");
        got.entry(t.workspace_id.clone()).or_default().push(data);
    }
    // The union of the per-tenant inventories of every placed tenant, record for record.
    for t in &truth.tenants {
        let want = if t.cluster.is_some() {
            t.records.as_ref().unwrap()["device-inventory"].clone()
        } else {
            Vec::new()
        };
        assert_eq!(
            got.remove(&t.workspace_id).unwrap_or_default(),
            want,
            "{}",
            t.name
        );
    }
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let statuses = texts(&r, "tenants", "status");
    assert_eq!(statuses.iter().filter(|s| *s == "ok").count(), 9);
    assert_eq!(statuses.iter().filter(|s| *s == "no_cluster").count(), 1);
    // Mixed with tenant resources it is a usage error, before anything is contacted.
    let out = output(cli(&sim, &["collect", "msp/device-inventory", "aps"])).await;
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("on its own"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greenlake_resources_alone_need_no_central_gateway() {
    let sim = sim(4).await;
    let dir = temp_dir("clusters-glp-only");
    let file = dir.path().join("subs.jsonl");
    // No CENTRAL_BASE_URL, no CENTRAL_CLUSTER: only GreenLake is called.
    let out = output(cli(
        &sim,
        &[
            "collect",
            "glp/subscriptions",
            "-q",
            "-o",
            file.to_str().unwrap(),
        ],
    ))
    .await;
    out.assert_code(0);
    let lines = std::fs::read_to_string(&file).unwrap().lines().count() as u64;
    let want: u64 = sim
        .truth()
        .tenants
        .iter()
        .map(|t| t.counts["glp/subscriptions"])
        .sum();
    assert_eq!(lines, want);
    assert!(
        !sim.stats().requests.contains_key("list-tenants"),
        "Central was not called"
    );
    // A Central resource still needs the gateway, and says so.
    let out = output(cli(&sim, &["collect", "aps", "-q"])).await;
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("no Central gateway"));
}
