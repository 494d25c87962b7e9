//! One Central cluster named where the MSP's tenants live on two (issue 25): the tenants the
//! named cluster does not know are reported once, with their count and first names and the
//! hint `--central-cluster auto`, not as one long credential error per tenant.
#![allow(clippy::unwrap_used)]

mod support;

use platform_sim::{SimConfig, Simulator};
use serde_json::Value;
use support::{Cli, assert_refused, bin, sim_with, target, temp_dir};

/// The binary with the simulator's credentials and every cluster's gateway at the simulator.
fn cli(sim: &Simulator) -> Cli {
    bin()
        .target(&target(sim).with_central(None))
        .log("off")
        .env("CENTRAL_CLUSTER_URLS", sim.cluster_urls().join(","))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_on_another_cluster_are_reported_once_with_the_fix() {
    let sim = sim_with(SimConfig {
        tenants: 12,
        clusters: vec!["US-WEST-4".into(), "EU-1".into()],
        ..SimConfig::default()
    })
    .await;
    let mut elsewhere: Vec<String> = sim
        .truth()
        .tenants
        .iter()
        .filter(|t| t.cluster.as_deref() != Some("EU-1"))
        .map(|t| t.name.clone())
        .collect();
    // The summary names the first three by name.
    elsewhere.sort();
    assert_eq!(elsewhere.len(), 6, "half the tenants are on US-WEST-4");
    let dir = temp_dir("cluster-mismatch");
    let (file, failed, report) = (
        dir.path().join("out.jsonl"),
        dir.path().join("failed.txt"),
        dir.path().join("report.json"),
    );
    let out = cli(&sim)
        .args([
            "collect",
            "devices",
            "-q",
            "--summary",
            "totals",
            "--central-cluster",
            "EU-1",
            "-o",
        ])
        .arg(&file)
        .arg("--failed-out")
        .arg(&failed)
        .arg("--report")
        .arg(&report)
        .output()
        .await;
    assert_refused(
        &out,
        3,
        &["6 tenants are not on EU-1", "--central-cluster auto"],
    );
    let stderr = &out.stderr;
    assert!(
        elsewhere[..3]
            .iter()
            .all(|name| stderr.contains(name.as_str())),
        "the first names: {stderr}"
    );
    assert!(
        !stderr.contains("GLP_CLIENT_SECRET"),
        "no credential hint: {stderr}"
    );
    for line in stderr.lines() {
        assert!(line.chars().count() <= 300, "a long line: {line}");
    }
    assert!(
        stderr.len() < 3000,
        "{} bytes of stderr: {stderr}",
        stderr.len()
    );
    // The tenants elsewhere are still in --failed-out and the report, with their own status.
    assert_eq!(std::fs::read_to_string(&failed).unwrap().lines().count(), 6);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let other: Vec<&Value> = r["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] != "ok")
        .collect();
    assert_eq!(other.len(), 6);
    for t in other {
        assert_eq!(t["kind"], "other_cluster", "{t}");
    }
}
