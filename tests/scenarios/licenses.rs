//! Scenario: `licenses` over GreenLake's offset paging with a small page cap and a few
//! transient faults: the MSP workspace's own subscriptions and every tenant's, read whole, sum
//! to what the simulator holds (issue 21, deliver 4).

use serde_json::Value;

use crate::common::{run_exit, start};

/// The simulator's fixed now.
const NOW: &str = "2026-12-01T00:00:00Z";
/// NOW + 90 days.
const HORIZON: &str = "2027-03-01T00:00:00Z";

fn n(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.trim().parse().unwrap(),
        other => other.as_u64().unwrap(),
    }
}

#[test]
fn licenses_of_every_tenant_sum_to_the_simulator_s_subscriptions() {
    let (bins, wd, sim) = start(
        "licenses",
        &[
            "--tenants=30",
            "--max-devices=400",
            "--glp-page-cap=10",
            "--fail-rate=0.02",
        ],
    );
    let args = [
        "licenses",
        "-q",
        "--concurrency=8",
        "--now",
        NOW,
        "-o",
        "licences.json",
    ];
    run_exit("licenses", (&bins, &wd, &sim), &args, 0);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(wd.run("licences.json")).unwrap()).unwrap();

    let truth = sim.truth().unwrap();
    let mut subscriptions: Vec<Value> =
        truth.msp_records.as_ref().unwrap()["glp/subscriptions"].clone();
    let mut devices: Vec<Value> = Vec::new();
    for t in &truth.tenants {
        let records = t.records.as_ref().unwrap();
        subscriptions.extend(records["glp/subscriptions"].iter().cloned());
        devices.extend(records["glp/devices"].iter().cloned());
    }
    let live: Vec<&Value> = subscriptions
        .iter()
        .filter(|s| s["subscriptionStatus"] != "ENDED" && s["endTime"].as_str().unwrap() > NOW)
        .collect();
    let sum = |rows: &Value, field: &str| -> u64 {
        rows.as_array().unwrap().iter().map(|r| n(&r[field])).sum()
    };
    let quantity: u64 = live.iter().map(|s| n(&s["quantity"])).sum();
    let available: u64 = live.iter().map(|s| n(&s["availableQuantity"])).sum();
    assert!(quantity > 0);
    assert_eq!(sum(&report["tiers"], "quantity"), quantity);
    assert_eq!(sum(&report["tiers"], "available"), available);
    assert_eq!(sum(&report["tiers"], "assigned"), quantity - available);
    assert_eq!(sum(&report["tiers"], "subscriptions"), live.len() as u64);
    let unsubscribed = devices
        .iter()
        .filter(|d| d["subscription"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(
        report["unsubscribed"].as_array().unwrap().len(),
        unsubscribed
    );
    let ending = live
        .iter()
        .filter(|s| s["endTime"].as_str().unwrap() <= HORIZON)
        .count();
    assert_eq!(report["ending"].as_array().unwrap().len(), ending);
    // The burndown's twelve months: everything live that ends before 2027-12.
    let expiring: u64 = live
        .iter()
        .filter(|s| s["endTime"].as_str().unwrap() < "2027-12")
        .map(|s| n(&s["quantity"]))
        .sum();
    assert_eq!(sum(&report["burndown"], "expiring"), expiring);
}
