//! Scenario: GreenLake's own lists of every tenant (`glp/devices`, `glp/subscriptions`) beside a
//! Central one, through GreenLake's offset paging with a small page cap and a few transient
//! faults: every record exactly once, attributed to its tenant, one token exchange per tenant
//! for both APIs.

use crate::common::{collect_exactly, served, start};

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
