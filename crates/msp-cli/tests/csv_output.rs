//! Issue 25: CSV keeps the data's values (the formula guard touches only what a spreadsheet
//! would run) and every CSV header is snake_case, the history commands' too.
#![allow(clippy::unwrap_used)]

mod support;

use support::{bin, temp_dir};

/// A store of two demo snapshots (generations 0 and 1) of `tenants` tenants.
fn demo_store(dir: &std::path::Path, tenants: &str) -> std::path::PathBuf {
    let db = dir.join("inventory.sqlite");
    for generation in ["0", "1"] {
        bin()
            .args(["demo", "--snapshot", "-q", "--tenants", tenants])
            .args(["--generation", generation, "--db"])
            .arg(&db)
            .run()
            .assert_code(0);
    }
    db
}

#[test]
fn status_and_runs_csv_are_snake_case_and_keep_their_values() {
    let dir = temp_dir("csv-status");
    let db = demo_store(dir.path(), "4");

    let out = bin()
        .args(["status", "--format", "csv", "--db"])
        .arg(&db)
        .run();
    out.assert_code(0);
    let mut lines = out.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("tenant_name,tenant_id,resource,run_id,device_type,status,count")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty(), "{}", out.stdout);
    for row in &rows {
        assert!(
            !row.contains("'-") && !row.split(',').any(|c| c == "-"),
            "no placeholder or guard changes a value: {row}"
        );
    }
    // The table still shows a `-` for what is empty; the CSV leaves it empty.
    let json = bin()
        .args(["status", "--format", "json", "--db"])
        .arg(&db)
        .run();
    let json: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json.len(), rows.len(), "one CSV row per JSON row");

    let out = bin()
        .args(["runs", "--format", "csv", "--db"])
        .arg(&db)
        .run();
    out.assert_code(0);
    assert_eq!(
        out.stdout.lines().next(),
        Some("id,started,ended,status,tenants_ok,tenants_failed,tenants_missing,records,resources")
    );
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
}
