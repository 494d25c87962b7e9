//! Scenario 4: transient faults everywhere, the token endpoint included.

use glp_msp_e2e::compare;

use crate::common::{assert_exit, orchestrator, run, start};

const RESOURCES: [&str; 2] = ["device-inventory", "aps"];

#[test]
fn server_errors_dropped_connections_and_truncated_bodies_lose_nothing() {
    let (bins, wd, sim) = start(
        "faults",
        &[
            "--tenants",
            "60",
            "--max-devices",
            "300",
            "--glp-page-cap",
            "20",
            "--central-page-cap",
            "50",
            "--fail-rate",
            "0.1",
            "--drop-rate",
            "0.03",
            "--malformed-rate",
            "0.03",
            "--faults-on-token-endpoint",
        ],
    );
    let records = wd.run("records.jsonl");
    let mut args = vec!["collect"];
    args.extend(RESOURCES);
    // About one request in six fails; 12 attempts make losing one a 1-in-10^9 event.
    args.extend([
        "-q",
        "--concurrency",
        "8",
        "--retries",
        "12",
        "--rate",
        "1000",
        "--glp-rate",
        "500",
        "--output",
        "records.jsonl",
    ]);
    let out = run("collect", &wd, orchestrator(&bins, &wd, &sim, &args));
    assert_exit(&out, 0);
    let truth = sim.truth().unwrap();
    let cmp = compare(&truth, &RESOURCES, &[&records]).unwrap();
    assert!(cmp.is_exact(), "{cmp}");

    let stats = sim.stats().unwrap();
    assert!(stats.injected_failures > 0, "no 5xx was injected");
    assert!(stats.dropped_connections > 0, "no connection was dropped");
    assert!(stats.malformed_bodies > 0, "no truncated body was sent");
    assert!(
        crate::common::summary_count(&out.stderr, "retries") > 0,
        "{}",
        out.stderr
    );
}
