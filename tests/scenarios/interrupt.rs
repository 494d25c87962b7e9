//! Scenario 8: Ctrl-C mid-run, then a rerun of what did not complete.

use std::time::{Duration, Instant};

use glp_msp_e2e::{Proc, compare};

use crate::common::{RUN_LIMIT, assert_exit, orchestrator, run_exit, start};

#[test]
fn sigint_leaves_whole_lines_and_a_list_whose_rerun_completes_the_truth() {
    let (bins, wd, sim) = start(
        "interrupt",
        &[
            "--tenants=40",
            "--max-devices=200",
            "--central-page-cap=20",
            "--latency-ms=40",
        ],
    );
    let first = wd.run("first.jsonl");
    let args = [
        "collect",
        "-q",
        "--concurrency",
        "3",
        "--rate",
        "500",
        "--glp-rate",
        "100",
        "--output",
        "first.jsonl",
        "--failed-out",
        "failed.txt",
    ];
    let mut child =
        Proc::spawn("first", orchestrator(&bins, &wd, &sim, &args), &wd.run("")).unwrap();
    // Interrupt once records are flowing, well before the end (~40 tenants x 5 pages x 40 ms / 3).
    let hang_guard = Instant::now();
    while std::fs::metadata(&first).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(
            hang_guard.elapsed() < RUN_LIMIT && !child.has_exited(),
            "the run ended, or hung, before its first record: {}",
            child.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.interrupt().unwrap();
    let out = child.wait(RUN_LIMIT).unwrap();
    assert_exit(&out, 3);
    assert!(out.stderr.contains("interrupted"), "{}", out.stderr);

    // Every line of the interrupted file is complete JSON (compare reports any that is not).
    let truth = sim.truth().unwrap();
    let partial = compare(&truth, &["device-inventory"], &[&first]).unwrap();
    assert!(
        partial.problems.iter().all(|p| p.contains("missing")),
        "only missing records are allowed after an interrupt: {partial}"
    );
    let listed = std::fs::read_to_string(wd.run("failed.txt")).unwrap();
    let rerun_ids = listed.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(
        rerun_ids > 0 && rerun_ids < 40,
        "the interrupt must leave some, not all, tenants for the rerun: {rerun_ids}"
    );

    let rest = wd.run("rest.jsonl");
    let args = [
        "collect",
        "-q",
        "--rate",
        "500",
        "--tenant-ids-from",
        "failed.txt",
        "--output",
        "rest.jsonl",
    ];
    let out = run_exit("rerun", (&bins, &wd, &sim), &args, 0);
    assert!(
        out.stderr
            .contains(&format!("{rerun_ids} tenants: {rerun_ids} ok")),
        "{}",
        out.stderr
    );
    let union = compare(&truth, &["device-inventory"], &[&first, &rest]).unwrap();
    assert!(union.is_exact(), "{union}");
}
