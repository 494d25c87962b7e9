//! Scenario 9: with every log on, no secret and no issued token in anything the tool prints or
//! writes.

use glp_msp_e2e::{compare, leaks};

use crate::common::{assert_exit, orchestrator, run, start};

#[test]
fn trace_logs_output_and_reports_hold_no_secret_and_no_token() {
    // Short tokens, a revocation and faults: refresh, the 401 path, retries and exchanges all
    // log at trace level.
    let (bins, wd, sim) = start(
        "leaks",
        &[
            // The secret's raw, form-encoded and HTTP Basic forms all differ, so each needle
            // below is its own check.
            "--hostile-secret",
            "--tenants",
            "12",
            "--max-devices",
            "120",
            "--central-page-cap",
            "30",
            "--token-ttl",
            "2",
            "--revoke-after",
            "1",
            "--fail-rate",
            "0.05",
            "--drop-rate",
            "0.02",
            "--malformed-rate",
            "0.02",
        ],
    );
    let runs: [(&str, &[&str]); 3] = [
        (
            "collect-text",
            &[
                "collect",
                "device-inventory",
                "aps",
                "--concurrency",
                "3",
                "--rate",
                "20",
                "--retries",
                "10",
                "--output",
                "records.jsonl",
                "--failed-out",
                "failed.txt",
                "--report",
                "report.json",
            ],
        ),
        (
            "collect-json-logs",
            &[
                "collect",
                "--log-format",
                "json",
                "--rate",
                "200",
                "--retries",
                "10",
                "--format",
                "csv",
                "--output",
                "records.csv",
            ],
        ),
        (
            "tenants",
            &["tenants", "--format", "json", "--retries", "10"],
        ),
    ];
    for (name, args) in runs {
        let mut cmd = orchestrator(&bins, &wd, &sim, args);
        cmd.env("RUST_LOG", "trace");
        let out = run(name, &wd, cmd);
        assert_exit(&out, 0);
        assert!(
            out.stderr.contains("TRACE"),
            "{name}: trace logging was not on:\n{}",
            out.stderr
        );
    }
    // Through all of that, nothing was lost either.
    let truth = sim.truth().unwrap();
    let cmp = compare(
        &truth,
        &["device-inventory", "aps"],
        &[&wd.run("records.jsonl")],
    )
    .unwrap();
    assert!(cmp.is_exact(), "{cmp}");
    let stats = sim.stats().unwrap();
    assert!(stats.revoked && stats.unauthorized > 0 && stats.injected_failures > 0);
    let e = &sim.endpoint;
    let mut needles: Vec<(String, String)> = leaks::secret_forms(&e.client_id, &e.client_secret)
        .into_iter()
        .enumerate()
        .map(|(i, s)| (format!("the client secret (form {i})"), s))
        .collect();
    assert!(
        stats.issued_tokens.len() > 10,
        "{}",
        stats.issued_tokens.len()
    );
    needles.extend(
        stats
            .issued_tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("issued token #{i}"), t.clone())),
    );
    let files = wd.run_files().unwrap();
    // stdout and stderr of each run, the records, failed list and report.
    assert!(
        files.len() >= 10,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let hits = leaks::find(&needles, &files);
    assert!(hits.is_empty(), "{hits:#?}");
}
