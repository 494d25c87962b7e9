//! Issue 25: the guide's "one device's history" query, run as the guide has it against a real
//! store of two snapshots: one row per run.
#![allow(clippy::unwrap_used)]

mod support;

use msp_orchestrator::msp_store::Store;
use support::{bin, temp_dir};

/// The SQL of the guide's "One device's history" example.
fn guide_history_query() -> String {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/guide.md"))
            .unwrap();
    let at = guide
        .find("# One device's history")
        .expect("the guide has the example");
    let rest = &guide[at..];
    let start = rest.find("inventory.sqlite \"").unwrap() + "inventory.sqlite \"".len();
    let end = rest[start..].find('"').unwrap();
    rest[start..start + end].to_owned()
}

#[test]
fn the_guide_s_device_history_has_one_row_per_run() {
    let dir = temp_dir("guide-sql");
    let db = dir.path().join("inventory.sqlite");
    for generation in ["0", "1"] {
        bin()
            .args(["demo", "--snapshot", "-q", "--tenants", "2"])
            .args(["--generation", generation, "--db"])
            .arg(&db)
            .run()
            .assert_code(0);
    }
    let store = Store::open(&db).unwrap();
    // A device both runs hold.
    let serial: String = store
        .connection()
        .query_row(
            "SELECT serial FROM devices WHERE resource = 'devices'
             GROUP BY serial HAVING count(DISTINCT run_id) = 2 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let sql = guide_history_query();
    assert!(sql.contains("'CN1234ABCD'"), "{sql}");
    let sql = sql.replace("CN1234ABCD", &serial);
    let mut statement = store.connection().prepare(&sql).unwrap();
    let runs: Vec<(i64, Option<String>)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        runs.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![1, 2],
        "one row per run: {runs:?}"
    );
    assert!(
        runs.iter().all(|r| r.1.is_some()),
        "with a status: {runs:?}"
    );
}
