//! Issue 21, audit logs: `collect glp/audit-logs` is the simulator's truth, `--since` reads
//! only what is newer (and a bad value stops before any request), and two snapshots with a
//! generation between them store each entry once, the second asking only for the entries at
//! or after each tenant's newest stored one.

use std::collections::BTreeSet;

use glp_msp_e2e::compare;
use serde_json::Value;

use crate::common::{collect_exactly, records_by_tenant, run_exit, served, start, two_snapshots};

const AUDIT: &str = "glp/audit-logs";

fn ids(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect()
}

/// (tenant id, entry id) of every line of a JSON Lines file of records.
fn collected(path: &std::path::Path) -> BTreeSet<(String, String)> {
    std::fs::read_to_string(path)
        .expect("records")
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("json line");
            (
                v["tenant_id"].as_str().expect("tenant").to_owned(),
                v["data"]["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect()
}

#[test]
fn audit_logs_collect_is_the_truth_and_since_reads_only_newer_entries() {
    let (bins, wd, sim) = start(
        "audit-collect",
        &["--tenants=12", "--glp-page-cap=7", "--generation=2"],
    );
    let (_, truth) = collect_exactly((&bins, &wd, &sim), &[AUDIT], &[]);
    assert!(truth.tenants.iter().all(|t| t.counts[AUDIT] >= 3));

    // The simulator's entries start three days before 2026-12-01, two minutes apart: from an
    // hour later on, a part of each tenant's log.
    let since = "2026-11-28T01:00:00Z";
    run_exit(
        "collect-since",
        (&bins, &wd, &sim),
        &[
            "collect",
            "-q",
            AUDIT,
            "--since",
            since,
            "-o",
            "since.jsonl",
        ],
        0,
    );
    let want: BTreeSet<(String, String)> = records_by_tenant(&truth, AUDIT)
        .into_iter()
        .flat_map(|(tenant, items)| {
            items
                .into_iter()
                .filter(|e| e["createdAt"].as_str().expect("createdAt") >= since)
                .map(move |e| (tenant.clone(), e["id"].as_str().expect("id").to_owned()))
        })
        .collect();
    let total: u64 = truth.tenants.iter().map(|t| t.counts[AUDIT]).sum();
    assert!(
        !want.is_empty() && (want.len() as u64) < total,
        "{}",
        want.len()
    );
    assert_eq!(collected(&wd.run("since.jsonl")), want);

    // A bad --since is a usage error before anything is contacted.
    let before = sim.stats().expect("stats").total_requests;
    for bad in ["yesterday", "24", "2026-12-01"] {
        let out = run_exit(
            "collect-bad-since",
            (&bins, &wd, &sim),
            &["collect", "-q", AUDIT, "--since", bad],
            2,
        );
        assert!(out.stderr.contains("--since"), "{}", out.stderr);
    }
    run_exit(
        "collect-since-without-audit",
        (&bins, &wd, &sim),
        &["collect", "-q", "aps", "--since", "1h"],
        2,
    );
    assert_eq!(sim.stats().expect("stats").total_requests, before);
}

#[test]
fn audit_two_snapshots_store_each_entry_once_and_the_second_asks_only_for_newer_ones() {
    const CAP: u64 = 5;
    let sim_args = ["--tenants=10", "--glp-page-cap=5"];
    let ((bins, wd, sim), db, (truth_a, truth_b)) =
        two_snapshots("audit-snapshots", &sim_args, &[AUDIT]);
    let db = db.as_str();

    // The second run asked each tenant only for its entries at or after the newest stored one
    // (that one again, then the generation's new ones): so many pages of CAP, not the whole log.
    let (a, b) = (
        records_by_tenant(&truth_a, AUDIT),
        records_by_tenant(&truth_b, AUDIT),
    );
    let mut newer_pages = 0;
    let mut whole_pages = 0;
    let mut added = 0;
    for (tenant, old) in &a {
        let new = &b[tenant];
        assert!(
            ids(old).is_subset(&ids(new)),
            "a generation only adds entries"
        );
        let asked = (new.len() - old.len() + 1) as u64;
        newer_pages += asked.div_ceil(CAP);
        whole_pages += (new.len() as u64).div_ceil(CAP);
        added += new.len() - old.len();
    }
    let stats = sim.stats().expect("stats");
    assert_eq!(served(&stats, AUDIT), newer_pages, "{:?}", stats.requests);
    assert!(newer_pages < whole_pages, "{newer_pages} < {whole_pages}");

    // The newest run holds every entry of the truth exactly once.
    let export = |name: &str, run_arg: &str| {
        let file = format!("{name}.jsonl");
        run_exit(
            name,
            (&bins, &wd, &sim),
            &[
                "export", "--db", db, "--run", run_arg, "--format", "jsonl", "-o", &file,
            ],
            0,
        );
        wd.run(&file)
    };
    for (name, run_arg, truth) in [("export-1", "1", &truth_a), ("export-2", "2", &truth_b)] {
        let cmp = compare(truth, &[AUDIT], &[&export(name, run_arg)]).expect("compare");
        assert!(cmp.is_exact(), "{name}: {cmp}");
    }

    // diff: the new entries added, none removed.
    let diff = run_exit(
        "diff",
        (&bins, &wd, &sim),
        &["diff", "1", "2", "--db", db, "--format", "jsonl"],
        1,
    );
    let changes: Vec<Value> = diff
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("diff line"))
        .collect();
    assert_eq!(changes.len(), added, "{}", diff.stdout);
    assert!(
        changes.iter().all(|c| c["change"] == "added"),
        "{}",
        diff.stdout
    );
}
