//! Issue 25: CSV keeps the data's values (the formula guard touches only what a spreadsheet
//! would run) and every CSV header is snake_case, the history commands' too.
#![allow(clippy::unwrap_used)]

mod support;

use support::{on_store, temp_store};

#[test]
fn status_and_runs_csv_are_snake_case_and_keep_their_values() {
    let (_dir, db) = temp_store("csv-status", "4");

    let out = on_store(&db, &["status", "--format", "csv"]);
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
    let json = on_store(&db, &["status", "--format", "json"]);
    let json: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json.len(), rows.len(), "one CSV row per JSON row");

    let out = on_store(&db, &["runs", "--format", "csv"]);
    out.assert_code(0);
    assert_eq!(
        out.stdout.lines().next(),
        Some("id,started,ended,status,tenants_ok,tenants_failed,tenants_missing,records,resources")
    );
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
}
