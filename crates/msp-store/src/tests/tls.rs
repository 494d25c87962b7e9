//! PostgreSQL over TLS, against the test server's certificate for `localhost`
//! (`GLP_MSP_TEST_PG_CA`, made by `.ci/postgres.sh`): verified with the right CA, refused with
//! a wrong one, and never in clear to a network host. Without the variables each test records
//! a visible skip.

use test_support::postgres::{ScratchDb, tls_cas};

use super::{begin, device, write};
use crate::{RunStatus, Store, StoreError};

/// The scratch database's URL through `localhost` (the certificate's name), with `options`.
fn over_tls(db: &ScratchDb, options: &str) -> String {
    let url = db.url().replace("@127.0.0.1:", "@localhost:");
    assert_ne!(url, db.url(), "the test server is at 127.0.0.1");
    let joint = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joint}{options}")
}

#[test]
fn a_verified_tls_session_round_trips_a_snapshot() {
    let test = "msp_store::tests::tls::a_verified_tls_session_round_trips_a_snapshot";
    let (Some((ca, _)), Some(db)) = (tls_cas(test), ScratchDb::create(test)) else {
        return;
    };
    let url = over_tls(
        &db,
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    );
    let mut store = Store::open(url.as_str()).expect("open over TLS");
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
    let store = Store::open(over_tls(
        &db,
        &format!("sslmode=require&sslrootcert={}", ca.display()),
    ))
    .expect("open with require");
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
    let test = "msp_store::tests::tls::a_server_certificate_from_another_ca_is_refused_by_name";
    let (Some((_, wrong)), Some(db)) = (tls_cas(test), ScratchDb::create(test)) else {
        return;
    };
    let url = over_tls(
        &db,
        &format!("sslmode=verify-full&sslrootcert={}", wrong.display()),
    );
    let Err(e) = Store::open(url.as_str()) else {
        panic!("a certificate signed by another CA is refused");
    };
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
    let test = "msp_store::tests::tls::a_certificate_for_another_name_is_refused";
    let (Some((ca, _)), Some(db)) = (tls_cas(test), ScratchDb::create(test)) else {
        return;
    };
    // 127.0.0.1 is not the certificate's name (localhost).
    let url = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        db.url(),
        ca.display()
    );
    let Err(e) = Store::open(url.as_str()) else {
        panic!("a certificate for another name is refused");
    };
    let e = e.to_string();
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
        let Err(e) = Store::open(url) else {
            panic!("{url}: refused");
        };
        let e = e.to_string();
        assert!(
            e.contains("in clear is refused")
                && e.contains("sslmode=verify-full")
                && !e.contains("pw-in-clear"),
            "{e}"
        );
    }
}
