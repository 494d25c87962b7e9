//! Scenario 1: the happy path, with server page caps that force many pages on both APIs.

use crate::common::{collect_exactly, served, start};

const RESOURCES: [&str; 4] = ["device-inventory", "aps", "sites-health", "gateways"];

#[test]
fn every_record_of_200_tenants_exactly_once_through_many_pages() {
    let (bins, wd, sim) = start(
        "happy",
        &[
            "--tenants=200",
            "--max-devices=300",
            "--glp-page-cap=30",
            "--central-page-cap=40",
        ],
    );
    let extra = [
        "--concurrency=16",
        "--rate=2000",
        "--glp-rate=500",
        "--failed-out=failed.txt",
        "--report=report.json",
    ];
    let (out, _) = collect_exactly((&bins, &wd, &sim), &RESOURCES, &extra);
    assert!(
        out.stderr
            .contains("200 tenants: 200 ok, 0 failed, 0 skipped"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(wd.run("failed.txt")).unwrap(), "");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.run("report.json")).unwrap()).unwrap();
    assert_eq!(report["tenants"].as_array().unwrap().len(), 200);

    let stats = sim.stats().unwrap();
    // The page caps did force many pages: 200 tenants in 30s, and most resources in 40s.
    assert!(served(&stats, "msp-tenants") >= 7, "{:?}", stats.requests);
    let pages: u64 = RESOURCES.iter().map(|r| served(&stats, r)).sum();
    assert!(
        pages > 3 * 200,
        "several pages per tenant expected, got {pages} monitoring requests"
    );
    // One MSP token, one exchange per tenant, no hyphenated id, nothing refused.
    assert_eq!(stats.client_credentials_grants, 1);
    assert_eq!(stats.token_exchanges, 200);
    assert!(stats.exchanges_per_tenant.values().all(|&n| n == 1));
    assert_eq!(stats.hyphen_rejections, 0);
    assert_eq!(
        (stats.unauthorized, stats.forbidden, stats.rate_limited),
        (0, 0, 0)
    );
}
