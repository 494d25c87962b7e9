//! Scenario 3: the server's Central limit well below the client's rate.

use crate::common::{collect_exactly, served, served_with, start, summary_count};

#[test]
fn a_server_limit_below_the_client_rate_costs_429s_but_no_early_retry_and_no_record() {
    let (bins, wd, sim) = start(
        "rate-limited",
        &[
            "--tenants=20",
            "--max-devices=150",
            "--central-page-cap=25",
            "--central-rps=15",
            // Without headers the client can learn the budget only from the 429s themselves
            // (with headers it paces itself and meets almost none: see the bench).
            "--no-rate-headers",
            // Requests in flight when the budget runs out meet the 429s: without latency the
            // client's pause on `X-RateLimit-Remaining: 0` would avoid them all.
            "--latency-ms=50",
        ],
    );
    let extra = [
        "--concurrency=8",
        "--rate=100",
        "--glp-rate=100",
        "--report=report.json",
    ];
    let (out, _) = collect_exactly((&bins, &wd, &sim), &[], &extra);

    let stats = sim.stats().unwrap();
    let served_429 =
        served_with(&stats, "device-inventory", "429") + served_with(&stats, "list-tenants", "429");
    assert!(
        served_429 > 0,
        "the client at 100/s must have met the server's 15/s limit"
    );
    assert_eq!(served_429, stats.rate_limited, "only Central was limited");
    // Judged per request by the simulator (a refused request that came back before the wait
    // its 429 announced), so it does not depend on how fast this machine is.
    assert_eq!(
        stats.early_requests, 0,
        "no refused request may come back before the wait the server announced (new Central: \
         X-RateLimit-Reset, no Retry-After)"
    );
    // The client slowed to the server's limit: at 100/s against 15/s, most of its requests
    // would be refused if it did not.
    let central = served(&stats, "device-inventory") + served(&stats, "list-tenants");
    assert!(
        served_429 * 4 < central,
        "{served_429} of {central} Central requests refused: the client did not slow down"
    );
    // What the user is told matches what the server did.
    assert_eq!(summary_count(&out.stderr, "rate-limited (429)"), served_429);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.run("report.json")).unwrap()).unwrap();
    let reported: u64 = report["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["rate_limited"].as_u64().unwrap())
        .sum();
    assert_eq!(reported, served_429);
}
