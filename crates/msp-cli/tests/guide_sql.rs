//! Issue 25: the guide's "one device's history" query, run as the guide has it against a real
//! store of two snapshots: one row per run.
#![allow(clippy::unwrap_used)]

mod support;

use msp_orchestrator::msp_store::Store;
use support::temp_store;

/// The SQL of the guide's "One device's history" example.
fn guide_history_query() -> String {
    test_support::guide_example("# One device's history", "inventory.sqlite \"", "\"")
}

#[test]
fn the_guide_s_device_history_has_one_row_per_run() {
    let (_dir, db) = temp_store("guide-sql", "2");
    let store = Store::open(&db).unwrap();
    // A device both runs hold.
    let serial: String = store
        .connection()
        .expect("a SQLite store")
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
    let mut statement = store
        .connection()
        .expect("a SQLite store")
        .prepare(&sql)
        .unwrap();
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
