//! PostgreSQL over TLS, against the test server's certificate for `localhost`
//! (`GLP_MSP_TEST_PG_CA`, made by `.ci/postgres.sh`): verified with the right CA, refused with
//! a wrong one, and never in clear to a network host. Without the variables each test records
//! a visible skip.

use std::path::{Path, PathBuf};

use test_support::postgres::{ScratchDb, tls_cas};

use super::{begin, device, refusal, test_name, write};
use crate::{RunStatus, Store, StoreError};

/// The test server's CA, the wrong CA and a scratch database for `test` (its path), or `None`
/// with the skips recorded.
fn tls_server(test: &str) -> Option<(PathBuf, PathBuf, ScratchDb)> {
    let (Some((ca, wrong)), Some(db)) = (tls_cas(test), ScratchDb::create(test)) else {
        return None;
    };
    Some((ca, wrong, db))
}

/// The scratch database's URL through `localhost` (the certificate's name), in `sslmode` with
/// `ca` as the root certificate.
fn over_tls(db: &ScratchDb, sslmode: &str, ca: &Path) -> String {
    let url = db.url().replace("@127.0.0.1:", "@localhost:");
    assert_ne!(url, db.url(), "the test server is at 127.0.0.1");
    let joint = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joint}sslmode={sslmode}&sslrootcert={}", ca.display())
}

#[test]
fn a_verified_tls_session_round_trips_a_snapshot() {
    let Some((ca, _, db)) = tls_server(test_name!()) else {
        return;
    };
    let mut store = Store::open(over_tls(&db, "verify-full", &ca)).expect("open over TLS");
    let ssl: bool = super::one(
        &store,
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        &[],
    );
    assert!(ssl, "the session is encrypted");
    let run = begin(&mut store, "aps");
    write(
        &mut store,
        run,
        "t1",
        "aps",
        &[device("S1", "ONLINE", "10.4")],
    );
    store.end_run(run, RunStatus::Complete).expect("end");
    drop(store);

    // `require` is verified the same way, and reads the same history back.
    let store = Store::open(over_tls(&db, "require", &ca)).expect("open with require");
    assert_eq!(store.complete_runs().expect("runs"), [run]);
    let serials: Vec<String> = store
        .db
        .column(
            "SELECT serial FROM devices WHERE run_id = ?1",
            crate::db::vals![run],
        )
        .expect("devices");
    assert_eq!(serials, ["S1"]);
}

#[test]
fn a_server_certificate_from_another_ca_is_refused_by_name() {
    let Some((_, wrong, db)) = tls_server(test_name!()) else {
        return;
    };
    let e = refusal(
        over_tls(&db, "verify-full", &wrong),
        "a certificate signed by another CA is refused",
    );
    assert!(matches!(e, StoreError::Location(_)), "{e:?}");
    let e = e.to_string();
    assert!(
        e.contains("the server's certificate is refused")
            && e.contains("UnknownIssuer")
            && e.contains("sslrootcert")
            && e.contains(":***@localhost")
            && !e.contains("glp-msp-test"),
        "{e}"
    );
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let Some((ca, _, db)) = tls_server(test_name!()) else {
        return;
    };
    // 127.0.0.1 is not the certificate's name (localhost).
    let url = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        db.url(),
        ca.display()
    );
    let e = refusal(url, "a certificate for another name is refused").to_string();
    assert!(
        e.contains("the server's certificate is refused")
            && e.contains("not valid for name \"127.0.0.1\""),
        "{e}"
    );
}

#[test]
fn a_network_host_in_clear_is_refused_before_connecting() {
    // No server: the refusal comes before any connection (192.0.2.1 is TEST-NET-1).
    for url in [
        "postgres://u:pw-in-clear@192.0.2.1:5432/x?sslmode=disable",
        "postgres://u:pw-in-clear@db.example/x?sslmode=disable&application_name=a",
    ] {
        let e = refusal(url, format_args!("{url}: refused")).to_string();
        assert!(
            e.contains("in clear is refused")
                && e.contains("sslmode=verify-full")
                && !e.contains("pw-in-clear"),
            "{e}"
        );
    }
}
