use rusqlite::params;
use serde_json::json;

use super::*;

mod append;
mod backends;
mod batch;
mod changes;
mod devices;
mod reads;
mod tls;

fn temp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub").join("inventory.sqlite");
    (dir, path)
}

pub(crate) use backends::{each_location, each_location_of, each_store, each_store_of, test_name};

fn device(serial: &str, status: &str, firmware: &str) -> String {
    json!({
        "serialNumber": serial,
        "deviceName": format!("AP-{serial}"),
        "deviceType": "ACCESS_POINT",
        "model": "AP-505",
        "status": status,
        "firmwareVersion": firmware,
        "siteName": "HQ",
        "ipv4": "10.0.0.1",
        "uptimeSeconds": 5,
    })
    .to_string()
}

fn count(store: &Store, table: &str) -> i64 {
    one(store, &format!("SELECT count(*) FROM {table}"), &[])
}

/// The first column of the first row of a query (on either backend).
fn one<T: db::FromValue>(store: &Store, sql: &str, params: &[db::Value<'_>]) -> T {
    store
        .db
        .row(sql, params)
        .expect("query")
        .expect("a row")
        .get(0)
        .expect("a value")
}

/// The error with which opening `location` is refused; panics with `why` (what the refusal is)
/// when it opens.
pub(crate) fn refusal(
    location: impl Into<StoreLocation>,
    why: impl std::fmt::Display,
) -> StoreError {
    match Store::open(location) {
        Ok(_) => panic!("{why}"),
        Err(e) => e,
    }
}

/// Begins a test run of `resource`.
pub(crate) fn begin(store: &mut Store, resource: &str) -> RunId {
    store
        .begin_run(&NewRun::new("test", ["snapshot"], [resource]))
        .expect("begin")
}

/// Writes `items` as the entry of `tenant` (named "`<tenant>` Inc") and `resource` of `run`.
fn write(store: &mut Store, run: RunId, tenant: &str, resource: &str, items: &[String]) {
    let name = format!("{tenant} Inc");
    let items = items.iter().map(String::as_str);
    store
        .write_entry(run, tenant, &name, resource, items)
        .expect("write");
}

/// A complete run of `resource` holding each tenant's items.
fn run_of(store: &mut Store, resource: &str, tenants: &[(&str, Vec<String>)]) -> RunId {
    let run = begin(store, resource);
    for (tenant, items) in tenants {
        write(store, run, tenant, resource, items);
    }
    store.end_run(run, RunStatus::Complete).expect("end");
    run
}

/// A complete run of `aps` holding each tenant's items.
fn run_with(store: &mut Store, tenants: &[(&str, Vec<String>)]) -> RunId {
    run_of(store, "aps", tenants)
}

#[test]
fn opens_an_empty_file_at_the_current_version_in_wal_mode() {
    let (_dir, path) = temp();
    let store = Store::open(&path).expect("open");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let mode: String = store
        .connection()
        .expect("sqlite")
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    drop(store);
    // Opening again runs nothing and keeps the version.
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
}

#[test]
fn migrates_from_each_earlier_version_keeping_the_data() {
    for from in 1..SCHEMA_VERSION {
        let (_dir, path) = temp();
        let mut old = Store::open_at_version(&path, from).expect("old schema");
        assert_eq!(old.schema_version().expect("version"), from);
        let run = run_with(&mut old, &[("t1", vec![device("SN1", "ONLINE", "1.0")])]);
        drop(old);
        let store = Store::open(&path).expect("migrate");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        let serial: String = store
            .connection()
            .expect("sqlite")
            .query_row("SELECT serial FROM devices WHERE run_id = ?1", [run], |r| {
                r.get(0)
            })
            .expect("the view sees the old data");
        assert_eq!(serial, "SN1", "from version {from}");
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let (_dir, path) = temp();
    drop(Store::open(&path).expect("open"));
    let conn = rusqlite::Connection::open(&path).expect("raw");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    drop(conn);
    let err = Store::open(&path).expect_err("newer");
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
}

#[test]
fn payloads_are_stored_once_per_change() {
    each_store!(|store| {
        let day1: Vec<String> = (0..50)
            .map(|i| device(&format!("SN{i}"), "ONLINE", "1.0"))
            .collect();
        let mut day2 = day1.clone();
        day2[3] = device("SN3", "OFFLINE", "1.0");
        run_with(store, &[("t1", day1.clone())]);
        run_with(store, &[("t1", day2)]);
        run_with(store, &[("t1", day1)]);
        assert_eq!(count(store, "payloads"), 51);
        assert_eq!(count(store, "devices"), 150);
    });
}

#[test]
fn a_failed_write_leaves_nothing() {
    each_store!(|store| {
        let items = [device("SN1", "ONLINE", "1.0")];
        let err = store
            .write_entry(99, "t1", "T1", "aps", items.iter().map(String::as_str))
            .expect_err("no such run");
        assert!(matches!(err, StoreError::NoSuchRun(99)), "{err}");
        assert_eq!(count(store, "payloads"), 0);
        assert_eq!(count(store, "entries"), 0);
    });
}

#[test]
fn rewriting_an_entry_replaces_it_and_failures_never_overwrite_it() {
    each_store!(|store| {
        let run = begin(store, "aps");
        store
            .note_incomplete(run, "t1", "T1", "aps", Incomplete::Failed, "boom")
            .expect("failed");
        let items = [
            device("SN1", "ONLINE", "1.0"),
            device("SN2", "ONLINE", "1.0"),
        ];
        for _ in 0..3 {
            store
                .write_entry(run, "t1", "T1", "aps", items.iter().map(String::as_str))
                .expect("write");
        }
        store
            .note_incomplete(run, "t1", "T1", "aps", Incomplete::Failed, "late")
            .expect("noted");
        store
            .note_incomplete(run, "t2", "T2", "aps", Incomplete::Skipped, "interrupted")
            .expect("noted");
        store.end_run(run, RunStatus::Partial).expect("end");
        let summary = store.run(run).expect("run");
        assert_eq!(
            (
                summary.tenants_ok,
                summary.tenants_failed,
                summary.tenants_missing,
                summary.records
            ),
            (1, 0, 1, 2)
        );
        assert_eq!(summary.status, RunStatus::Partial);
        assert_eq!(store.latest_incomplete_run().expect("latest"), Some(run));
        let done = store.completed(run).expect("completed");
        assert_eq!(done.len(), 1);
        assert!(done.contains(&("t1".to_owned(), "aps".to_owned())));
    });
}

#[test]
fn keys_fall_back_to_other_id_fields_then_a_digest() {
    assert_eq!(item_key(r#"{"serialNumber":"S1","id":"x"}"#), "S1");
    assert_eq!(item_key(r#"{"siteId":1234}"#), "1234");
    assert_eq!(item_key(r#"{"macAddress":"aa:bb"}"#), "aa:bb");
    // Without an id field: FNV-1a of the text, as in every schema version.
    let other = r#"{"other":1}"#;
    assert_eq!(
        item_key(other),
        format!("#{:016x}", fnv1a(other.as_bytes()) as u64)
    );
    assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325_u64 as i64);
}

#[test]
fn the_content_hash_tells_texts_apart_and_uses_every_byte() {
    let a = device("SN1", "ONLINE", "1.0");
    let b = device("SN1", "OFFLINE", "1.0");
    assert_eq!(
        content_hash(a.as_bytes()),
        content_hash(a.clone().as_bytes())
    );
    assert_ne!(content_hash(a.as_bytes()), content_hash(b.as_bytes()));
    // The tail that is not a whole word counts, and so does the length.
    assert_ne!(content_hash(b"12345678x"), content_hash(b"12345678y"));
    assert_ne!(content_hash(b"abc"), content_hash(b"abc\0"));
    let hashes: std::collections::HashSet<i64> = (0..10_000)
        .map(|i| content_hash(format!("{{\"serialNumber\":\"SN{i}\"}}").as_bytes()))
        .collect();
    assert_eq!(hashes.len(), 10_000);
}

#[test]
fn version_3_rehashes_the_payloads_of_a_version_2_file_which_the_next_run_reuses() {
    let (_dir, path) = temp();
    let items = [
        device("SN1", "ONLINE", "1.0"),
        device("SN2", "OFFLINE", "1.0"),
    ];
    {
        let mut old = Store::open_at_version(&path, 2).expect("version 2");
        let run = run_with(&mut old, &[("t1", items.to_vec())]);
        // What a version 2 program stored: FNV-1a of each text.
        let rows: Vec<(i64, String)> = {
            let mut stmt = old
                .connection()
                .expect("sqlite")
                .prepare("SELECT id, data FROM payloads")
                .expect("prepare");
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        for (id, data) in rows {
            old.connection()
                .expect("sqlite")
                .execute(
                    "UPDATE payloads SET hash = ?2 WHERE id = ?1",
                    params![id, fnv1a(data.as_bytes())],
                )
                .expect("old hash");
        }
        assert_eq!(run, 1);
    }
    let mut store = Store::open(&path).expect("migrate");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let wrong: i64 = {
        let mut stmt = store
            .connection()
            .expect("sqlite")
            .prepare("SELECT id, hash, data FROM payloads")
            .expect("prepare");
        let rows: Vec<(i64, i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.iter()
            .filter(|(_, hash, data)| *hash != content_hash(data.as_bytes()))
            .count() as i64
    };
    assert_eq!(wrong, 0, "every payload has the new hash");
    // The same devices again: found, not stored a second time.
    run_with(&mut store, &[("t1", items.to_vec())]);
    assert_eq!(count(&store, "payloads"), 2);
}

#[test]
fn a_run_whose_writer_is_gone_is_abandoned_and_prune_and_resume_treat_it_so() {
    each_location!(|path| {
        let mut done = Store::open(path).expect("open");
        run_with(&mut done, &[("t1", vec![device("SN1", "ONLINE", "1.0")])]);
        let mut writer = Store::open(path).expect("writer");
        let run = begin(&mut writer, "aps");
        write(
            &mut writer,
            run,
            "t1",
            "aps",
            &[device("SN1", "ONLINE", "1.0")],
        );
        // On SQLite, a lock file next to the store; on PostgreSQL, an advisory lock.
        let lock_file = |run: RunId| {
            path.sqlite_path()
                .map(|p| p.with_file_name(format!("inventory.sqlite-run{run}.lock")))
        };
        let lock = lock_file(run);
        assert!(
            lock.as_ref().is_none_or(|l| l.exists()),
            "the run's lock file is next to the store"
        );

        // Another process (here: another Store) sees it running while its writer holds the lock:
        // prune keeps it, and it cannot be resumed under the writer's feet.
        let mut other = Store::open(path).expect("other");
        let status = |s: &Store| s.run(run).expect("run").status;
        assert_eq!(status(&other), RunStatus::Running);
        assert_eq!(status(&writer), RunStatus::Running);
        assert!(matches!(other.reopen_run(run), Err(StoreError::RunBusy(r)) if r == run));
        other.prune(PruneBy::Keep(0)).expect("prune");
        assert!(other.run(run).is_ok(), "a live run is kept");

        // The writer goes away without ending the run (as kill -9 does: the lock goes with it).
        drop(writer);
        assert_eq!(status(&other), RunStatus::Abandoned);
        assert_eq!(other.latest_incomplete_run().expect("latest"), Some(run));
        // Resume takes it over: running again, held by this store.
        other.reopen_run(run).expect("resume");
        assert_eq!(
            status(&Store::open(path).expect("third")),
            RunStatus::Running
        );
        assert_eq!(
            other.completed(run).expect("done").len(),
            1,
            "kept what it wrote"
        );
        other.end_run(run, RunStatus::Complete).expect("end");
        assert!(
            lock.is_none_or(|l| !l.exists()),
            "the lock file goes when the run ends"
        );

        // An abandoned run is pruned like a partial one, with its lock file.
        let mut killed = Store::open(path).expect("killed");
        let dead = begin(&mut killed, "aps");
        drop(killed);
        let dead_lock = lock_file(dead);
        assert!(dead_lock.as_ref().is_none_or(|l| l.exists()));
        assert_eq!(status_of(&other, dead), RunStatus::Abandoned);
        let newest = run_with(&mut other, &[("t1", vec![device("SN1", "ONLINE", "1.0")])]);
        let pruned = other.prune(PruneBy::Keep(1)).expect("prune");
        assert_eq!(pruned.runs, 2, "the resumed run and the abandoned one");
        assert!(other.run(dead).is_err());
        assert!(other.run(newest).is_ok());
        assert!(
            dead_lock.is_none_or(|l| !l.exists()),
            "its lock file is gone too"
        );
        assert_eq!(other.runs().expect("runs").len(), 1);
    });
}

fn status_of(store: &Store, run: RunId) -> RunStatus {
    store.run(run).expect("run").status
}

#[test]
fn the_default_path_is_in_the_data_folder() {
    if let Some(path) = Store::default_path() {
        assert!(path.ends_with("glp-msp/inventory.sqlite") || path.ends_with("inventory.sqlite"));
        assert!(path.to_string_lossy().contains("glp-msp"));
    }
}

#[test]
fn with_checkpoints_in_the_background_every_commit_is_in_the_file_once_the_store_is_dropped() {
    let (_dir, path) = temp();
    {
        let mut store = Store::open(&path).expect("open");
        store.checkpoint_in_background().expect("background");
        let autocheckpoint: i64 = store
            .connection()
            .expect("sqlite")
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .expect("pragma");
        assert_eq!(autocheckpoint, 0, "the commits no longer checkpoint");
        for n in 0..20 {
            let items: Vec<String> = (0..50)
                .map(|i| device(&format!("SN{n}-{i}"), "ONLINE", "1.0"))
                .collect();
            run_with(&mut store, &[("t1", items)]);
        }
    }
    // Dropped: the last checkpoint moved everything into the main file.
    let wal = path.with_file_name("inventory.sqlite-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) == 0);
    let store = Store::open(&path).expect("reopen");
    assert_eq!(count(&store, "payloads"), 20 * 50);
    assert_eq!(store.complete_runs().expect("runs").len(), 20);
}

#[test]
fn the_key_scan_agrees_with_serde_and_stops_at_the_serial_number() {
    let cases = [
        r#"{"serialNumber":"S1","id":"x"}"#,
        r#" { "name" : "n", "nested": {"serialNumber": "inner", "a": [1, {"b": "}"}]}, "id": 7 } "#,
        r#"{"site":{"name":"HQ"},"macAddress":"aa:bb","mac":"cc"}"#,
        r#"{"serialNumber":"","serial":"S2"}"#,
        r#"{"serialNumber":null,"name":"only name"}"#,
        r#"{"id":-12,"name":"x"}"#,
        r#"{"id":1.5,"name":"x"}"#,
        r#"{"id":123456789012345678901234,"name":"x"}"#,
        r#"{"name":"with \"escape\"","mac":"m"}"#,
        r#"{"na\u006de":"escaped field name"}"#,
        r#"{"id":"a","id":"b"}"#,
        r#"{"other":[true,false,null,"x\\"],"deep":{"a":{"b":{"c":[[],{}]}}}}"#,
        r#"{"name":"Zürich 北京","x":"é"}"#,
        r#"{}"#,
        r#"[1,2]"#,
        r#""text""#,
        r#"{"flag":true,"n":-0.5e3,"serial":"S3"}"#,
    ];
    for case in cases {
        assert_eq!(item_key(case), parsed_key(case), "{case}");
    }
    assert_eq!(
        scan_key(r#"{"serialNumber":"S1","rest":"#),
        Scan::Key("S1"),
        "nothing after the serial number is read"
    );
    assert_eq!(scan_key(r#"{"other":1}"#), Scan::NoKey);
    // The one difference: an object that repeats its serial number has the first one as its
    // key (serde refuses the repeated field, which made the key a digest of the text).
    assert_eq!(
        item_key(r#"{"serialNumber":"S1","serialNumber":"S2"}"#),
        "S1"
    );
    assert_eq!(scan_key(r#"{"id":1.5}"#), Scan::Unsure);
}
