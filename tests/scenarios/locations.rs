//! Scenario 7: a Central gateway that is unreachable, of another region, or named wrong.

use glp_msp_e2e::{Bins, Finished, Sim, Workdir, compare};

use crate::common::{assert_exit, orchestrator, run, start};

/// `collect` with Central at `url`: it must exit 1 (each caller checks that no tenant was
/// contacted).
fn collect_with_central(bins: &Bins, wd: &Workdir, sim: &Sim, url: &str) -> Finished {
    let mut cmd = orchestrator(bins, wd, sim, &["collect", "-q", "--output", "x.jsonl"]);
    cmd.env("CENTRAL_BASE_URL", url);
    let out = run("collect", wd, cmd);
    assert_exit(&out, 1);
    out
}

#[test]
fn an_unreachable_central_fails_at_once_before_any_tenant() {
    let (bins, wd, sim) = start("central-unreachable", &["--tenants", "40"]);
    // A port nobody listens on.
    let refused = test_support::refused_url();
    let out = collect_with_central(&bins, &wd, &sim, &refused);
    assert!(
        out.stderr
            .contains(&format!("cannot use Central at {refused}"))
            && out.stderr.contains("CENTRAL_BASE_URL")
            && out.stderr.contains("no tenant was contacted")
            && out.stderr.contains("onnection refused"),
        "{}",
        out.stderr
    );
    let stats = sim.stats().unwrap();
    assert_eq!(stats.token_exchanges, 0, "no tenant may have been started");
}

#[test]
fn a_central_of_another_region_answers_401_and_the_error_names_the_cluster() {
    let (bins, wd, sim) = start("central-other-region", &["--tenants", "10"]);
    // Another platform (another seed: other credentials and tokens) stands for the gateway of
    // another region: it knows none of our tokens.
    let elsewhere = Sim::start(&bins, &wd.root().join("elsewhere"), &["--seed", "7"]).unwrap();
    let out = collect_with_central(&bins, &wd, &sim, &elsewhere.endpoint.central_base_url);
    assert!(
        out.stderr.contains("HTTP 401")
            && out.stderr.contains("check the Central cluster / base URL")
            && out.stderr.contains("no tenant was contacted"),
        "{}",
        out.stderr
    );
    assert_eq!(sim.stats().unwrap().token_exchanges, 0);
    // The foreign gateway saw the check (and its one retry with a fresh token), nothing more.
    let there = elsewhere.stats().unwrap();
    assert!(
        (1..=2).contains(&there.total_requests),
        "{:?}",
        there.requests
    );
}

#[test]
fn a_wrong_cluster_name_or_a_plain_http_gateway_is_refused_before_any_request() {
    let (bins, wd, sim) = start("central-misnamed", &["--tenants", "5"]);
    let mut cmd = orchestrator(&bins, &wd, &sim, &["collect", "-q"]);
    cmd.env_remove("CENTRAL_BASE_URL")
        .env("CENTRAL_CLUSTER", "US-WESTT-4");
    let out = run("cluster", &wd, cmd);
    assert_exit(&out, 1);
    assert!(
        out.stderr
            .contains("unknown Central cluster \"US-WESTT-4\"")
            && out.stderr.contains("US-WEST-4")
            && out.stderr.contains("API Gateway page"),
        "{}",
        out.stderr
    );

    let mut cmd = orchestrator(&bins, &wd, &sim, &["collect", "-q"]);
    cmd.env("CENTRAL_BASE_URL", "http://central.example.com");
    let out = run("plain-http", &wd, cmd);
    assert_exit(&out, 1);
    assert!(out.stderr.contains("https"), "{}", out.stderr);

    assert_eq!(
        sim.stats().unwrap().total_requests,
        0,
        "a configuration error must stop the tool before its first request"
    );
}

#[test]
fn an_msp_on_two_clusters_is_collected_whole_with_auto_and_a_tenant_on_none_is_reported() {
    let (bins, wd, sim) = start(
        "two-clusters",
        &[
            "--tenants",
            "30",
            "--clusters",
            "US-WEST-4,EU-1",
            "--tenants-on-no-cluster",
            "1",
            "--central-page-cap",
            "40",
        ],
    );
    let resources = ["device-inventory", "aps"];
    let mut cmd = orchestrator(
        &bins,
        &wd,
        &sim,
        &[
            "collect",
            "device-inventory",
            "aps",
            "-q",
            "--central-cluster",
            "auto",
            "--output",
            "two.jsonl",
            "--report",
            "two-report.json",
            "--failed-out",
            "two-failed.txt",
        ],
    );
    cmd.env_remove("CENTRAL_BASE_URL")
        .env("CENTRAL_CLUSTER_URLS", sim.endpoint.cluster_urls());
    let out = run("two-clusters", &wd, cmd);
    // Both clusters found; one tenant on no cluster: not complete, and said, once.
    assert_exit(&out, 3);
    let found = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("Central clusters found: "))
        .unwrap_or_else(|| panic!("{}", out.stderr));
    let mut found: Vec<&str> = found.split(", ").collect();
    found.sort_unstable();
    assert_eq!(found, ["EU-1", "US-WEST-4"], "{}", out.stderr);
    assert!(
        out.stderr.contains("1 tenant on no Central cluster"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("NO CLUSTER").count(),
        1,
        "{}",
        out.stderr
    );
    let mut truth = sim.truth().unwrap();
    let nowhere: Vec<String> = truth
        .tenants
        .iter()
        .filter(|t| t.cluster.is_none())
        .map(|t| t.workspace_id.clone())
        .collect();
    assert_eq!(nowhere.len(), 1);
    // Every record of every placed tenant exactly once, attributed right.
    truth.tenants.retain(|t| t.cluster.is_some());
    let file = wd.run("two.jsonl");
    let cmp = compare(&truth, &resources, &[&file]).unwrap();
    assert!(cmp.is_exact(), "{cmp:?}");
    // Every record says its tenant's cluster.
    let clusters: std::collections::HashMap<&str, &str> = truth
        .tenants
        .iter()
        .map(|t| {
            (
                t.workspace_id.as_str(),
                t.cluster.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    for line in std::fs::read_to_string(&file).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            v["cluster"].as_str(),
            clusters.get(v["workspace_id"].as_str().unwrap()).copied(),
            "{line}"
        );
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.run("two-report.json")).unwrap()).unwrap();
    let no_cluster: Vec<&str> = report["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "no_cluster")
        .map(|t| t["workspace_id"].as_str().unwrap())
        .collect();
    assert_eq!(no_cluster, nowhere);
    // The rerun list names it.
    let rerun = std::fs::read_to_string(wd.run("two-failed.txt")).unwrap();
    assert!(rerun.contains(&nowhere[0]), "{rerun}");
    // The tenant on no cluster was never exchanged for; every other was, once; and the foreign
    // clusters' 401s to the probes cost no token: one grant for the whole run.
    let stats = sim.stats().unwrap();
    assert_eq!(stats.token_exchanges, 29);
    assert_eq!(stats.client_credentials_grants, 1, "{stats:?}");
}
