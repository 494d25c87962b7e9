//! Scenario 4: transient faults everywhere, the token endpoint included.

use crate::common::{collect_exactly, start};

const RESOURCES: [&str; 2] = ["device-inventory", "aps"];

#[test]
fn server_errors_dropped_connections_and_truncated_bodies_lose_nothing() {
    let (bins, wd, sim) = start(
        "faults",
        &[
            "--tenants=60",
            "--max-devices=300",
            "--glp-page-cap=20",
            "--central-page-cap=50",
            "--fail-rate=0.1",
            "--drop-rate=0.03",
            "--malformed-rate=0.03",
            "--faults-on-token-endpoint",
        ],
    );
    // About one request in six fails; 12 attempts make losing one a 1-in-10^9 event.
    let extra = [
        "--concurrency=8",
        "--retries=12",
        "--rate=1000",
        "--glp-rate=500",
    ];
    let (out, _) = collect_exactly((&bins, &wd, &sim), &RESOURCES, &extra);

    let stats = sim.stats().unwrap();
    assert!(stats.injected_failures > 0, "no 5xx was injected");
    assert!(stats.dropped_connections > 0, "no connection was dropped");
    assert!(stats.malformed_bodies > 0, "no truncated body was sent");
    assert!(
        // "1 retry" or "N retries" (issue 25: counts take the noun in their number).
        crate::common::summary_count(&out.stderr, "retr") > 0,
        "{}",
        out.stderr
    );
}
