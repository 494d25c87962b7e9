//! Scenario: GreenLake's own lists of every tenant (`glp/devices`, `glp/subscriptions`) beside a
//! Central one, through GreenLake's offset paging with a small page cap and a few transient
//! faults: every record exactly once, attributed to its tenant, one token exchange per tenant
//! for both APIs.

use glp_msp_e2e::compare;

use crate::common::{collect_exactly, run_exit, served, start};

const RESOURCES: [&str; 3] = ["glp/devices", "glp/subscriptions", "device-inventory"];

#[test]
fn every_greenlake_device_and_subscription_of_every_tenant_exactly_once() {
    let (bins, wd, sim) = start(
        "greenlake",
        &[
            "--tenants=60",
            "--max-devices=400",
            "--glp-page-cap=25",
            "--fail-rate=0.02",
        ],
    );
    let extra = ["--concurrency=12", "--failed-out=failed.txt"];
    let (_, truth) = collect_exactly((&bins, &wd, &sim), &RESOURCES, &extra);
    let glp_records: u64 = truth
        .tenants
        .iter()
        .map(|t| t.counts["glp/devices"] + t.counts["glp/subscriptions"])
        .sum();
    assert!(
        glp_records > 1000,
        "a real amount of GreenLake data: {glp_records}"
    );
    assert_eq!(std::fs::read_to_string(wd.run("failed.txt")).unwrap(), "");

    let stats = sim.stats().unwrap();
    // The page cap forced several pages of devices per large tenant.
    assert!(
        served(&stats, "glp/devices") > 60 * 2,
        "{:?}",
        stats.requests
    );
    assert!(served(&stats, "glp/subscriptions") >= 60);
    // One tenant token serves both APIs.
    assert_eq!(stats.token_exchanges, 60);
    assert!(stats.exchanges_per_tenant.values().all(|&n| n == 1));
    assert_eq!((stats.unauthorized, stats.forbidden), (0, 0));
}

/// `collect devices/v1/devices`: a path of GreenLake's spec, sent to the GreenLake base URL with
/// each tenant's exchanged token and paged by offset as the spec says, records the same items
/// as the typed `glp/devices` (the simulator's truth), and asks no Central.
#[test]
fn a_path_of_greenlakes_spec_records_every_device_of_every_tenant() {
    let (bins, wd, sim) = start(
        "greenlake-path",
        &["--tenants=12", "--max-devices=120", "--glp-page-cap=25"],
    );
    let args = [
        "collect",
        "-q",
        "devices/v1/devices",
        "--output",
        "records.jsonl",
    ];
    run_exit("collect", (&bins, &wd, &sim), &args, 0);
    // The records name the path as given; the truth names the list `glp/devices`.
    let text = std::fs::read_to_string(wd.run("records.jsonl")).unwrap();
    let mut renamed = String::new();
    for line in text.lines() {
        let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(record["resource"], "devices/v1/devices", "{line}");
        assert!(record.get("cluster").is_none(), "{line}");
        record["resource"] = "glp/devices".into();
        renamed.push_str(&format!("{record}\n"));
    }
    std::fs::write(wd.run("as-glp.jsonl"), renamed).unwrap();
    let truth = sim.truth().unwrap();
    let cmp = compare(&truth, &["glp/devices"], &[&wd.run("as-glp.jsonl")]).unwrap();
    assert!(cmp.is_exact(), "{cmp}");
    assert!(
        cmp.expected > 100,
        "a real amount of devices: {}",
        cmp.expected
    );

    let stats = sim.stats().unwrap();
    assert!(served(&stats, "glp/devices") > 12, "{:?}", stats.requests);
    assert_eq!(served(&stats, "device-inventory"), 0);
    assert_eq!(stats.token_exchanges, 12);
}
