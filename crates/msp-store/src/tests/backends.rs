//! The backends every test runs on: a SQLite file in a temporary folder, and, when
//! `GLP_MSP_TEST_PG` names a PostgreSQL database (one the tests may create databases from),
//! a fresh database of its server, dropped at the end. Without it, each PostgreSQL run of a
//! test is recorded as skipped (`test_support::skip`), never passed.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::{Store, StoreLocation};

/// The variable naming the scratch PostgreSQL database.
pub(crate) const PG_ENV: &str = "GLP_MSP_TEST_PG";

/// A store's location under test, and what keeps it (dropped after the stores).
pub(crate) struct Under {
    /// Where the store is.
    pub(crate) location: StoreLocation,
    _dir: Option<tempfile::TempDir>,
    _database: Option<Scratch>,
}

/// A database made for one test, dropped (with its connections) when this is.
struct Scratch {
    admin: String,
    name: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `url` naming the database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let path = url[start..].find('/').map_or(url.len(), |i| start + i);
    let end = url[path..].find('?').map_or(url.len(), |i| path + i);
    format!("{}/{name}{}", &url[..path], &url[end..])
}

/// The locations `test` runs on: SQLite, then PostgreSQL (or its skip, recorded).
pub(crate) fn locations(test: &str) -> Vec<Under> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub").join("inventory.sqlite");
    let mut out = vec![Under {
        location: StoreLocation::Sqlite(path),
        _dir: Some(dir),
        _database: None,
    }];
    let test = format!("msp_store::tests::{test} (postgres)");
    match std::env::var(PG_ENV) {
        Ok(admin) if !admin.is_empty() => {
            static N: AtomicU32 = AtomicU32::new(0);
            let name = format!(
                "glp_msp_t_{}_{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            );
            let mut client = postgres::Client::connect(&admin, postgres::NoTls)
                .unwrap_or_else(|e| panic!("{PG_ENV} is set but cannot be reached: {e}"));
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create the test's database");
            out.push(Under {
                location: StoreLocation::parse(&with_database(&admin, &name)),
                _dir: None,
                _database: Some(Scratch { admin, name }),
            });
        }
        _ => test_support::skip(&test, &format!("{PG_ENV} is not set: no PostgreSQL")),
    }
    out
}

/// Runs `f` on a fresh store of each backend.
pub(crate) fn each_store(test: &str, mut f: impl FnMut(&mut Store)) {
    for under in locations(test) {
        let mut store = Store::open(&under.location).expect("open");
        f(&mut store);
    }
}

/// Runs `f` with the location of a fresh store of each backend (tests that open it more than
/// once).
pub(crate) fn each_location(test: &str, mut f: impl FnMut(&StoreLocation)) {
    for under in locations(test) {
        f(&under.location);
    }
}

#[test]
fn a_database_is_named_in_place_of_the_scratch_one() {
    assert_eq!(
        with_database("postgres://u:p@127.0.0.1:5/scratch?x=1", "t_1"),
        "postgres://u:p@127.0.0.1:5/t_1?x=1"
    );
    assert_eq!(with_database("postgres://h", "t"), "postgres://h/t");
}

#[test]
fn a_store_is_opened_used_and_dropped_inside_an_async_task() {
    // The synchronous PostgreSQL client cannot run on a thread that drives async tasks:
    // the store keeps it on a thread of its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    for under in locations("a_store_is_opened_used_and_dropped_inside_an_async_task") {
        runtime.block_on(async {
            let mut store = Store::open(&under.location).expect("open");
            let run = super::begin(&mut store, "aps");
            store.end_run(run, crate::RunStatus::Complete).expect("end");
            assert_eq!(store.complete_runs().expect("runs"), [run]);
            drop(store);
        });
    }
}
