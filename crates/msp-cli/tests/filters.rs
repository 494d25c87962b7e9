//! `--filter` (issue 25): a filter that breaks Central's grammar, or names a field the list
//! does not filter on, is a usage error before anything is contacted; a query the server still
//! refuses stops the run after the first tenant, with one message.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;
use support::{Cli, Finished, cli, sim, temp_dir};

async fn output(cmd: Cli) -> Finished {
    cmd.output().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_filter_is_refused_before_any_contact() {
    let sim = sim(6).await;
    // (the list, the filter, what the error says)
    for (list, filter, says) in [
        (
            "aps",
            "status eq OFFLINE",
            "string values need single quotes: status eq 'OFFLINE'",
        ),
        (
            "aps",
            "status eq \"OFFLINE\"",
            "single quotes, not double: status eq 'OFFLINE'",
        ),
        ("aps", "status == 'OFFLINE'", "write `status eq ...`"),
        ("aps", "status eq 'UP' or status eq 'DOWN'", "`and` only"),
        (
            "aps",
            "colour eq 'red'",
            "`colour` cannot be filtered on in aps",
        ),
        (
            "device-inventory",
            "status eq 'UP'",
            "cannot be filtered on in device-inventory",
        ),
        ("v1alpha1/aps", "status eq OFFLINE", "status eq 'OFFLINE'"),
        // GreenLake's own grammar (or, ne, ge...), checked for what it cannot accept.
        (
            "glp/devices",
            "deviceType eq ACCESS_POINT",
            "string values need single quotes: deviceType eq 'ACCESS_POINT'",
        ),
        ("glp/subscriptions", "quantity >= 10", "(write `ge`)"),
        ("glp/devices", "(archived eq false", "is not closed"),
    ] {
        let args = ["collect", list, "--filter", filter];
        let out = output(cli(&sim).args(args)).await;
        let stderr = &out.stderr;
        assert_eq!(out.code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(stderr.matches("error:").count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("FAILED"), "{args:?}: {stderr}");
    }
    assert_eq!(sim.stats().total_requests, 0, "nothing was contacted");
    // GreenLake's filters have their own grammar, not Central's (its unit tests: `or`, `ne`...).
    let out = output(cli(&sim).args([
        "collect",
        "glp/devices",
        "-q",
        "--filter",
        "serialNumber eq 'NOPE'",
    ]))
    .await;
    assert_ne!(out.code, Some(2), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_the_server_refuses_stops_after_the_first_tenant() {
    let sim = sim(12).await;
    let dir = temp_dir("filters-refused");
    let (failed, report) = (
        dir.path().join("failed.txt"),
        dir.path().join("report.json"),
    );
    // A sort on a field the list does not have: not checked locally, refused by the server.
    let out = output(
        cli(&sim)
            .args([
                "collect",
                "aps",
                "-q",
                "--summary",
                "totals",
                "--sort",
                "colour asc",
                "--failed-out",
            ])
            .arg(&failed)
            .arg("--report")
            .arg(&report),
    )
    .await;
    let stderr = &out.stderr;
    assert_eq!(out.code, Some(2), "{stderr}");
    assert_eq!(stderr.matches("FAILED  ").count(), 1, "{stderr}");
    assert!(stderr.contains("HTTP 400"), "{stderr}");
    assert!(
        stderr.contains("SKIPPED 11 tenants not started"),
        "{stderr}"
    );
    assert!(stderr.contains("fix --filter or --sort"), "{stderr}");
    assert!(stderr.lines().count() <= 6, "a few lines: {stderr}");
    assert_eq!(
        sim.stats().exchanges_per_tenant.len(),
        1,
        "one tenant was contacted"
    );
    assert_eq!(
        std::fs::read_to_string(&failed).unwrap().lines().count(),
        12
    );
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(r["query_refused"].is_string(), "{r}");
}
