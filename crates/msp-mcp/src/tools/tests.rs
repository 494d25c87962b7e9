//! Each tool's logic on a small store built in a temporary directory.

use msp_store::{Incomplete, NewRun, RunStatus, Store};
use serde_json::{Value, json};

use super::*;

/// A secret that must never come out of a tool.
const SECRET: &str = "s3cr3t-client-value";

pub(crate) fn device(serial: &str, name: &str, status: &str, mac: &str) -> String {
    json!({
        "serialNumber": serial, "deviceName": name, "deviceType": "ACCESS_POINT",
        "model": "AP-505", "status": status, "macAddress": mac, "firmwareVersion": "10.4",
    })
    .to_string()
}

fn alert(id: &str, severity: &str, status: &str) -> String {
    json!({"id": id, "severity": severity, "status": status, "deviceSerial": "SN-B1"}).to_string()
}

fn write(store: &mut Store, run: i64, tenant: (&str, &str), resource: &str, items: &[String]) {
    store
        .write_entry(
            run,
            tenant.0,
            tenant.1,
            resource,
            items.iter().map(String::as_str),
        )
        .expect("write");
}

const ALPHA: (&str, &str) = ("t-a", "Alpha");
const BETA: (&str, &str) = ("t-b", "Beta <b>\"Corp\"");
const GAMMA: (&str, &str) = ("t-c", "Gamma");

/// Two complete runs a day apart (Alpha's SN-A1 went offline and SN-A3 came) and a partial
/// third in which Gamma failed; the runs' arguments hold [`SECRET`].
pub(crate) fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path().join("s.sqlite")).expect("open");
    let args = ["snapshot", "--client-secret", SECRET];
    let begin = |store: &mut Store| {
        store
            .begin_run(&NewRun::new("t", args, ["aps", "alerts"]))
            .expect("begin")
    };
    let a1 = |status| device("SN-A1", "ap-lobby", status, "AA:BB:CC:00:00:01");
    let a2 = device("SN-A2", "ap-hall", "ONLINE", "AA:BB:CC:00:00:02");
    let b1 = device("SN-B1", "ap-b", "ONLINE", "AA:BB:CC:00:00:03");
    let complete = [
        [
            (ALPHA, "aps", vec![a1("ONLINE"), a2.clone()]),
            (BETA, "aps", vec![b1.clone()]),
            (BETA, "alerts", vec![alert("1", "Critical", "Active")]),
        ],
        [
            (
                ALPHA,
                "aps",
                vec![
                    a1("OFFLINE"),
                    a2,
                    device("SN-A3", "ap-new", "ONLINE", "AA:BB:CC:00:00:04"),
                ],
            ),
            (BETA, "aps", vec![b1]),
            (
                BETA,
                "alerts",
                vec![
                    alert("1", "Critical", "Active"),
                    alert("2", "Minor", "Active"),
                    alert("3", "Major", "Cleared"),
                ],
            ),
        ],
    ];
    let [r1, r2] = complete.map(|entries| {
        let run = begin(&mut store);
        for (tenant, resource, items) in entries {
            write(&mut store, run, tenant, resource, &items);
        }
        store.end_run(run, RunStatus::Complete).expect("end");
        run
    });
    let r3 = begin(&mut store);
    store
        .note_incomplete(
            r3,
            GAMMA.0,
            GAMMA.1,
            "aps",
            Incomplete::Failed,
            "HTTP 503 from Central",
        )
        .expect("note");
    store.end_run(r3, RunStatus::Partial).expect("end");
    for (run, started) in [
        (r1, "2026-12-01T00:00:00.000Z"),
        (r2, "2026-12-02T00:00:00.000Z"),
        (r3, "2026-12-03T00:00:00.000Z"),
    ] {
        store
            .connection()
            .expect("a SQLite store")
            .execute(
                "UPDATE runs SET started = ?2 WHERE id = ?1",
                rusqlite_params(run, started),
            )
            .expect("started");
    }
    (dir, store)
}

fn rusqlite_params(run: i64, started: &str) -> [String; 2] {
    [run.to_string(), started.to_owned()]
}

/// The `items` of `page` at `key`.
fn items<'a>(out: &'a Value, key: &str) -> &'a Vec<Value> {
    out[key]["items"].as_array().expect("items")
}

fn field<'a>(items: &'a [Value], name: &str) -> Vec<&'a str> {
    items
        .iter()
        .map(|i| i[name].as_str().unwrap_or(""))
        .collect()
}

fn no_secret(out: &Value) {
    assert!(!out.to_string().contains(SECRET), "{out}");
}

#[test]
fn list_tenants_gives_each_tenants_health_worst_first_and_cuts_with_a_note() {
    let (dir, store) = store();
    let out = list_tenants(&store, &ListTenantsArgs::default()).expect("list");
    no_secret(&out);
    let tenants = items(&out, "tenants");
    assert_eq!(
        field(tenants, "tenant_name"),
        ["Gamma", "Alpha", "Beta <b>\"Corp\""]
    );
    assert_eq!(field(tenants, "last_run_outcome"), ["failed", "ok", "ok"]);
    assert_eq!(tenants[0]["last_run_error"], "HTTP 503 from Central");
    assert_eq!(
        (tenants[1]["devices"].as_u64(), tenants[1]["down"].as_u64()),
        (Some(3), Some(1))
    );
    // Alerts are no devices.
    assert_eq!(
        tenants[2]["resources"],
        json!([{"resource": "aps", "devices": 1, "down": 0}])
    );
    assert_eq!(out["tenants"]["truncated"], false);

    let cut = list_tenants(
        &store,
        &ListTenantsArgs {
            limit: Some(1),
            ..Default::default()
        },
    )
    .expect("cut");
    assert_eq!(cut["tenants"]["shown"], 1);
    assert_eq!(cut["tenants"]["total"], 3);
    assert_eq!(cut["tenants"]["truncated"], true);
    let note = cut["tenants"]["note"].as_str().expect("note");
    assert!(
        note.starts_with("showing 1 of 3; narrow with name_contains"),
        "{note}"
    );

    let beta = ListTenantsArgs {
        name_contains: Some("BETA".into()),
        ..Default::default()
    };
    let out = list_tenants(&store, &beta).expect("beta");
    assert_eq!(field(items(&out, "tenants"), "tenant_id"), ["t-b"]);
    assert!(out.get("note").is_none());
    let fresh = Store::open(dir.path().join("empty.sqlite")).expect("empty store");
    let none = list_tenants(&fresh, &ListTenantsArgs::default()).expect("none");
    assert_eq!(none["tenants"]["total"], 0);
    assert!(none["note"].as_str().expect("note").contains("snapshot"));
    let empty = ListTenantsArgs {
        name_contains: Some(" ".into()),
        ..Default::default()
    };
    assert!(matches!(
        list_tenants(&store, &empty),
        Err(ToolError::Invalid(_))
    ));
}

#[test]
fn tenant_devices_by_id_or_name_down_first_and_by_status() {
    let (_dir, store) = store();
    let args = |tenant: &str, status: Option<&str>| TenantDevicesArgs {
        tenant: tenant.into(),
        status: status.map(Into::into),
        limit: None,
    };
    let out = tenant_devices(&store, &args("alpha", None)).expect("by name");
    no_secret(&out);
    assert_eq!(out["tenant_id"], "t-a");
    assert_eq!(out["by_status"], json!({"OFFLINE": 1, "ONLINE": 2}));
    assert_eq!(
        field(items(&out, "devices"), "serial"),
        ["SN-A1", "SN-A2", "SN-A3"]
    );
    let out = tenant_devices(&store, &args("t-a", Some("online"))).expect("by id");
    assert_eq!(field(items(&out, "devices"), "serial"), ["SN-A2", "SN-A3"]);

    let err = tenant_devices(&store, &args("Alp", None)).expect_err("no such tenant");
    assert!(
        err.to_string().contains("did you mean \"Alpha\" (t-a)?"),
        "{err}"
    );
    let err = tenant_devices(&store, &args("Nobody", None)).expect_err("no such tenant");
    assert!(
        err.to_string()
            .contains("list_tenants lists the store's 3 tenants"),
        "{err}"
    );
}

#[test]
fn find_device_by_serial_mac_in_any_form_or_name_across_tenants() {
    let (_dir, store) = store();
    let find = |query: &str| {
        find_device(
            &store,
            &FindDeviceArgs {
                query: query.into(),
                limit: None,
            },
        )
    };
    let out = find("sn-b1").expect("serial");
    no_secret(&out);
    let found = items(&out, "devices");
    assert_eq!(field(found, "tenant_name"), ["Beta <b>\"Corp\""]);
    assert_eq!(field(found, "serial"), ["SN-B1"]);
    for mac in ["aabbcc000004", "AA-BB-CC-00-00-04", "aabb.cc00.0004"] {
        let out = find(mac).expect("mac");
        assert_eq!(field(items(&out, "devices"), "serial"), ["SN-A3"], "{mac}");
    }
    let out = find("AP-").expect("name");
    assert_eq!(out["devices"]["total"], 4);
    assert!(items(&find("zzz").expect("none"), "devices").is_empty());
    assert!(matches!(find("x"), Err(ToolError::Invalid(_))));
    assert!(matches!(find("a\u{7}b"), Err(ToolError::Invalid(_))));
    assert!(matches!(find(&"x".repeat(201)), Err(ToolError::Invalid(_))));
}

#[test]
fn changes_since_diffs_from_the_run_before_that_time_to_the_newest() {
    let (_dir, store) = store();
    let now = glp_core::date::parse_rfc3339("2026-12-02T06:00:00Z").expect("now");
    let since = |since: &str, tenant: Option<&str>| ChangesSinceArgs {
        since: since.into(),
        tenant: tenant.map(Into::into),
        limit: None,
    };
    let out = changes_since(&store, &since("24h", None), now).expect("24h");
    no_secret(&out);
    assert_eq!(out["since"], "2026-12-01T06:00:00Z");
    assert_eq!(
        (out["from_run"]["id"].as_i64(), out["to_run"]["id"].as_i64()),
        (Some(1), Some(2))
    );
    let changes = items(&out, "changes");
    // Alpha's access points, then Beta's alerts (a new alert is a change too).
    assert_eq!(field(changes, "key"), ["SN-A1", "SN-A3", "2", "3"]);
    assert_eq!(
        field(changes, "change"),
        ["changed", "added", "added", "added"]
    );
    assert_eq!(changes[0]["fields"][0]["after"], "OFFLINE");

    let out =
        changes_since(&store, &since("2026-12-01T12:00:00Z", Some("Alpha")), now).expect("rfc3339");
    assert_eq!(field(items(&out, "changes"), "key"), ["SN-A1", "SN-A3"]);
    let out = changes_since(&store, &since("2026-12-02T01:00:00+01:00", None), now).expect("later");
    assert_eq!(out["changes"]["total"], 0);
    assert!(
        out["note"]
            .as_str()
            .expect("note")
            .contains("no complete run since then")
    );
    let out = changes_since(&store, &since("2020-01-01T00:00:00Z", None), now).expect("early");
    assert!(
        out["note"]
            .as_str()
            .expect("note")
            .contains("history starts after")
    );
    for bad in ["yesterday", "24", "1y", ""] {
        let err = changes_since(&store, &since(bad, None), now).expect_err(bad);
        assert!(matches!(err, ToolError::Invalid(_)), "{bad}: {err}");
    }
}

#[test]
fn open_alerts_by_tenant_and_severity_worst_first() {
    let (_dir, store) = store();
    let args = |tenant: Option<&str>, severity: Option<&str>| OpenAlertsArgs {
        tenant: tenant.map(Into::into),
        severity: severity.map(Into::into),
        limit: None,
    };
    let out = open_alerts(&store, &args(None, None)).expect("all");
    no_secret(&out);
    let rows = items(&out, "alerts");
    assert_eq!(field(rows, "severity"), ["Critical", "Minor"]);
    assert_eq!(rows[0]["count"], 1);
    let out = open_alerts(&store, &args(Some("t-b"), Some("minor"))).expect("minor");
    assert_eq!(field(items(&out, "alerts"), "severity"), ["Minor"]);
    assert!(
        items(
            &open_alerts(&store, &args(Some("Alpha"), None)).expect("a"),
            "alerts"
        )
        .is_empty()
    );
    let err = open_alerts(&store, &args(None, Some("severe"))).expect_err("severity");
    assert!(
        err.to_string().contains("Critical, Major, Minor, Info"),
        "{err}"
    );
}
