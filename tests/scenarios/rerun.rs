//! The rerun of a run whose tenant listing stopped part-way (issue 25, item 1): the rerun file
//! `--failed-out` writes must cover every tenant the run did not complete, those never listed
//! included, and the hint must be a command line that works as printed.

use glp_msp_e2e::Workdir;
use glp_msp_e2e::fake::{Fake, Route, Setup, glp_error};
use serde_json::Value;

use crate::common::{RUN_LIMIT, bins};

/// The tenant ids of the records in `text` (JSON Lines), each once, sorted.
fn tenants_in(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|r| r["tenant_id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn a_rerun_after_a_listing_stopped_part_way_covers_the_tenants_never_listed() {
    let setup = Setup {
        glp_page_size: 2,
        ..Setup::tenants(6)
    };
    let fake = Fake::start(setup);
    // The first page answers; every later one fails: tenants 2..6 are never listed.
    fake.on(Route::MspTenants, |req, _| {
        let offset = req.query_pairs().get("offset").cloned().unwrap_or_default();
        (offset != "0" && !offset.is_empty())
            .then(|| glp_error(503, "HPE_GL_UNAVAILABLE", "try later"))
    });
    let wd = Workdir::new("rerun-listing").unwrap();
    let run = |args: &[&str]| {
        fake.orchestrator(&bins(), &wd.run(""), args)
            .timeout(RUN_LIMIT)
            .run()
    };
    let first = run(&[
        "collect",
        "-q",
        "--retries",
        "1",
        "-o",
        "out.jsonl",
        "--failed-out",
        "failed.txt",
    ]);
    assert_eq!(first.code, Some(3), "{}", first.stderr);
    assert!(first.stderr.contains("2 tenants: 2 ok"), "{}", first.stderr);
    assert!(
        first.stderr.contains("selection is incomplete")
            && first
                .stderr
                .contains("--tenant-ids-from failed.txt --append -o out.jsonl"),
        "the hint must say the selection is incomplete and give a working rerun: {}",
        first.stderr
    );
    let rerun_file = std::fs::read_to_string(wd.run("failed.txt")).unwrap();
    let tenants = &fake.platform().setup().tenants;
    let done_lines: Vec<&str> = rerun_file
        .lines()
        .filter(|l| l.starts_with('!') && l.len() > 1)
        .collect();
    assert_eq!(done_lines.len(), 2, "{rerun_file}");
    for t in &tenants[..2] {
        assert!(rerun_file.contains(&format!("!{}", t.id)), "{rerun_file}");
    }

    // The platform answers again; the hint, as printed.
    fake.on(Route::MspTenants, |_, _| None);
    let served_before: Vec<u64> = (0..6).map(|i| fake.platform().device_requests(i)).collect();
    let second = run(&[
        "collect",
        "-q",
        "--retries",
        "1",
        "--tenant-ids-from",
        "failed.txt",
        "--append",
        "-o",
        "out.jsonl",
        "--failed-out",
        "failed2.txt",
    ]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(
        second.stderr.contains("4 tenants: 4 ok"),
        "{}",
        second.stderr
    );
    for (i, before) in served_before.iter().enumerate().take(2) {
        assert_eq!(
            fake.platform().device_requests(i),
            *before,
            "tenant {i} completed in the first run and must not run again"
        );
    }
    let mut want: Vec<String> = tenants.iter().map(|t| t.id.clone()).collect();
    want.sort();
    let out = std::fs::read_to_string(wd.run("out.jsonl")).unwrap();
    assert_eq!(
        tenants_in(&out),
        want,
        "every tenant has records after the rerun"
    );
}
