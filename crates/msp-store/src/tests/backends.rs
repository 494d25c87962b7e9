//! The backends every test runs on: a SQLite file in a temporary folder, and, when
//! `GLP_MSP_TEST_PG` names a PostgreSQL database (one the tests may create databases from),
//! a fresh database of its server, dropped at the end. Without it, each PostgreSQL run of a
//! test is recorded as skipped (`test_support::skip`), never passed.

use test_support::postgres::ScratchDb;

use crate::{Store, StoreLocation};

/// A store's location under test, and what keeps it (dropped after the stores).
pub(crate) struct Under {
    /// Where the store is.
    pub(crate) location: StoreLocation,
    _dir: Option<tempfile::TempDir>,
    _database: Option<ScratchDb>,
}

/// The path of the function it stands in (`msp_store::health::tests::a_test`): a test names
/// itself without writing its name twice.
macro_rules! test_name {
    () => {{
        fn here() {}
        let path = std::any::type_name_of_val(&here);
        path.strip_suffix("::here").unwrap_or(path)
    }};
}
pub(crate) use test_name;

/// `each_store!(|store| ...)`: runs the closure on a fresh store of each backend
/// ([`each_store_of`]), for the test it stands in.
macro_rules! each_store {
    ($f:expr) => {
        $crate::tests::each_store_of($crate::tests::test_name!(), $f)
    };
}
pub(crate) use each_store;

/// `each_location!(|location| ...)`: runs the closure with the location of a fresh store of
/// each backend ([`each_location_of`]), for the test it stands in.
macro_rules! each_location {
    ($f:expr) => {
        $crate::tests::each_location_of($crate::tests::test_name!(), $f)
    };
}
pub(crate) use each_location;

/// The locations `test` (its path) runs on: SQLite, then PostgreSQL (or its skip, recorded).
pub(crate) fn locations(test: &str) -> Vec<Under> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub").join("inventory.sqlite");
    let mut out = vec![Under {
        location: StoreLocation::Sqlite(path),
        _dir: Some(dir),
        _database: None,
    }];
    if let Some(db) = ScratchDb::create(&format!("{test} (postgres)")) {
        out.push(Under {
            location: StoreLocation::parse(db.url()),
            _dir: None,
            _database: Some(db),
        });
    }
    out
}

/// Runs `f` on a fresh store of each backend, for `test` (its path).
pub(crate) fn each_store_of(test: &str, mut f: impl FnMut(&mut Store)) {
    for under in locations(test) {
        let mut store = Store::open(&under.location).expect("open");
        f(&mut store);
    }
}

/// Runs `f` with the location of a fresh store of each backend (tests that open it more than
/// once), for `test` (its path).
pub(crate) fn each_location_of(test: &str, mut f: impl FnMut(&StoreLocation)) {
    for under in locations(test) {
        f(&under.location);
    }
}

#[test]
fn a_store_is_opened_used_and_dropped_inside_an_async_task() {
    // The synchronous PostgreSQL client cannot run on a thread that drives async tasks:
    // the store keeps it on a thread of its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    for under in locations(test_name!()) {
        runtime.block_on(async {
            let mut store = Store::open(&under.location).expect("open");
            let run = super::begin(&mut store, "aps");
            store.end_run(run, crate::RunStatus::Complete).expect("end");
            assert_eq!(store.complete_runs().expect("runs"), [run]);
            drop(store);
        });
    }
}

#[test]
fn a_reading_open_of_a_location_without_a_store_says_so_and_creates_nothing() {
    each_location!(|location| {
        for _ in 0..2 {
            // The second time: the first created nothing (not even the version table).
            let error = Store::open_existing(location).expect_err("no store yet");
            assert!(matches!(error, crate::StoreError::NoStore(_)), "{error:?}");
            let text = error.to_string();
            assert!(
                text.starts_with("no glp-msp store in ") && text.contains("snapshot --db"),
                "{text}"
            );
            assert_eq!(text.contains("***"), location.is_postgres(), "{text}");
        }
        if let Some(path) = location.sqlite_path() {
            assert!(!path.exists(), "a reading open made {}", path.display());
        }
        // A writing open creates it; then a reading one opens it.
        let mut store = Store::open(location).expect("created");
        let run = super::begin(&mut store, "aps");
        store.end_run(run, crate::RunStatus::Complete).expect("end");
        drop(store);
        let store = Store::open_existing(location).expect("opened");
        assert_eq!(store.complete_runs().expect("runs"), [run]);
    });
}
