//! Issue 13: the inventory store. Two snapshots of a population that changes between two
//! simulator starts, whose `diff` must say exactly what the truths say changed; and a snapshot
//! killed with SIGKILL midway, whose `--resume` must give exactly the truth.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use glp_msp_e2e::{Proc, Truth, compare};
use serde_json::Value;

use crate::common::{
    RUN_LIMIT, assert_exit, assert_same_changes, orchestrator, run, run_exit, run_in,
    start_with_db, status_rows, two_snapshots,
};

const RESOURCES: [&str; 2] = ["device-inventory", "devices"];

/// The fields `diff` compares by default, each read from the first of these that is present.
const TRACKED: &[(&str, &[&str])] = &[
    ("status", &["status", "connectionStatus"]),
    (
        "firmware",
        &["firmwareVersion", "softwareVersion", "firmware"],
    ),
    ("site", &["siteName", "siteId"]),
    ("name", &["deviceName", "name", "hostname"]),
    ("ip", &["ipv4", "ipAddress", "ip"]),
];

fn field(item: &Value, sources: &[&str]) -> Value {
    sources
        .iter()
        .find_map(|k| item.get(k).filter(|v| !v.is_null()).cloned())
        .unwrap_or(Value::Null)
}

/// (tenant id, resource, serial, change, changed fields) for every difference of two truths.
fn expected_changes(a: &Truth, b: &Truth) -> BTreeSet<(String, String, String, String, String)> {
    let mut out = BTreeSet::new();
    for (ta, tb) in a.tenants.iter().zip(&b.tenants) {
        assert_eq!(
            ta.workspace_id, tb.workspace_id,
            "the same tenants in both generations"
        );
        for resource in RESOURCES {
            let items =
                |t: &platform_sim::TenantTruth| -> std::collections::BTreeMap<String, Value> {
                    t.records.as_ref().expect("records")[resource]
                        .iter()
                        .map(|v| {
                            (
                                v["serialNumber"].as_str().expect("serial").to_owned(),
                                v.clone(),
                            )
                        })
                        .collect()
                };
            let (old, new) = (items(ta), items(tb));
            let key = |serial: &str, change: &str, fields: String| {
                (
                    ta.workspace_id.clone(),
                    resource.to_owned(),
                    serial.to_owned(),
                    change.to_owned(),
                    fields,
                )
            };
            for (serial, before) in &old {
                match new.get(serial) {
                    None => {
                        out.insert(key(serial, "removed", String::new()));
                    }
                    Some(after) => {
                        let fields: Vec<&str> = TRACKED
                            .iter()
                            .filter(|(_, sources)| field(before, sources) != field(after, sources))
                            .map(|(name, _)| *name)
                            .collect();
                        if !fields.is_empty() {
                            out.insert(key(serial, "changed", fields.join(",")));
                        }
                    }
                }
            }
            for serial in new.keys().filter(|s| !old.contains_key(*s)) {
                out.insert(key(serial, "added", String::new()));
            }
        }
    }
    out
}

fn actual_changes(jsonl: &str) -> BTreeSet<(String, String, String, String, String)> {
    jsonl
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("a JSON line");
            let fields: Vec<&str> = v["fields"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .map(|x| x["field"].as_str().expect("field"))
                        .collect()
                })
                .unwrap_or_default();
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            (
                s("tenant_id"),
                s("resource"),
                s("key"),
                s("change"),
                fields.join(","),
            )
        })
        .collect()
}

#[test]
fn diff_of_two_generations_is_what_the_truths_say_changed() {
    let sim_args = [
        "--tenants",
        "25",
        "--max-devices",
        "400",
        "--central-page-cap",
        "100",
    ];
    let ((bins, wd, sim), db, (truth_a, truth_b)) = two_snapshots("history-diff", &sim_args, &[]);
    let db = db.as_str();

    let expected = expected_changes(&truth_a, &truth_b);
    let kinds: BTreeSet<&str> = expected.iter().map(|c| c.3.as_str()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["added", "changed", "removed"]),
        "the generation changes all three ways"
    );

    let diff = run_exit(
        "diff",
        (&bins, &wd, &sim),
        &["diff", "--db", db, "--format", "jsonl"],
        1,
    );
    let actual = actual_changes(&diff.stdout);
    assert_same_changes(&expected, &actual);

    // A run compared with itself is equal: exit 0, nothing printed.
    let same = run_exit(
        "diff-same",
        (&bins, &wd, &sim),
        &["diff", "1", "1", "--db", db],
        0,
    );
    assert_eq!(same.stdout, "");

    // Status comes from the newest run: its offline devices, per tenant, as the truth has them.
    let rows = status_rows(&bins, &wd, &sim, db, "devices");
    let offline: u64 = rows
        .iter()
        .filter(|r| r["status"] == "OFFLINE")
        .map(|r| r["count"].as_u64().expect("count"))
        .sum();
    let truth_offline = truth_b
        .tenants
        .iter()
        .flat_map(|t| t.records.as_ref().expect("records")["devices"].iter())
        .filter(|d| d["status"] == "OFFLINE")
        .count() as u64;
    assert_eq!(offline, truth_offline);
    assert!(
        rows.iter().all(|r| r["run_id"] == 2),
        "status reads the newest complete run"
    );
}

fn kill9(child: &Proc) {
    let status = std::process::Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[test]
fn a_snapshot_killed_midway_then_resumed_holds_exactly_the_truth() {
    let (bins, wd, sim, db_text) = start_with_db(
        "history-kill",
        &[
            "--tenants",
            "40",
            "--max-devices",
            "200",
            "--central-page-cap",
            "20",
            "--latency-ms",
            "40",
        ],
        "inventory.sqlite",
        None,
    );
    let args = ["snapshot", "-q", "--concurrency", "3", "--db", &db_text];
    let child = Proc::spawn(
        "snapshot",
        orchestrator(&bins, &wd, &sim, &args),
        &wd.run(""),
    )
    .unwrap();
    // Kill it once some tenants are in the store, well before the end.
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "nothing stored after 60 s: {}",
            child.stderr_so_far()
        );
        if std::path::Path::new(&db_text).exists() {
            let runs = run_in(
                "runs-poll",
                (&bins, &wd, &sim),
                &["runs", "--db", &db_text, "--format", "json"],
            );
            let runs: Vec<Value> = serde_json::from_str(&runs.stdout).unwrap_or_default();
            if runs
                .first()
                .is_some_and(|r| r["tenants_ok"].as_u64().unwrap_or(0) >= 3)
            {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    kill9(&child);
    let killed = child.wait(RUN_LIMIT).unwrap();
    assert_ne!(killed.code, Some(0), "it was killed");

    let runs = run_in(
        "runs",
        (&bins, &wd, &sim),
        &["runs", "--db", &db_text, "--format", "json"],
    );
    let runs: Vec<Value> = serde_json::from_str(&runs.stdout).expect("runs json");
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0]["status"], "abandoned",
        "a killed run is known to be dead, not shown running forever"
    );
    let kept = runs[0]["tenants_ok"].as_u64().expect("ok");
    assert!(kept < 40, "killed before the end ({kept} tenants)");
    let table = run_in(
        "runs-table",
        (&bins, &wd, &sim),
        &["runs", "--db", &db_text],
    );
    assert!(table.stdout.contains("abandoned"), "{}", table.stdout);
    let status = run_exit(
        "status-after-kill",
        (&bins, &wd, &sim),
        &["status", "--db", &db_text],
        0,
    );
    assert!(
        status.stderr.contains("run 1 was abandoned") && status.stderr.contains("--resume 1"),
        "{}",
        status.stderr
    );

    let resume = run_exit(
        "resume",
        (&bins, &wd, &sim),
        &["snapshot", "-q", "--resume", "--db", &db_text],
        0,
    );
    assert!(
        resume.stderr.contains("run 1 complete"),
        "{}",
        resume.stderr
    );
    let lock = wd.run("inventory.sqlite-run1.lock");
    assert!(!lock.exists(), "the finished run's lock file is gone");

    let out = wd.run("export.jsonl");
    run_exit(
        "export",
        (&bins, &wd, &sim),
        &[
            "export",
            "--run",
            "1",
            "--db",
            &db_text,
            "-o",
            out.to_str().expect("utf-8"),
        ],
        0,
    );
    let truth = sim.truth().unwrap();
    let comparison = compare(&truth, &RESOURCES, &[&out]).unwrap();
    assert!(comparison.is_exact(), "{comparison}");
}

#[test]
fn failed_tenants_leave_nothing_and_resumes_fill_exactly_the_gaps() {
    // 5% of the requests fail and the client tries each once more: some tenants fail midway.
    let (bins, wd, sim, db_text) = start_with_db(
        "history-failures",
        &[
            "--tenants",
            "30",
            "--max-devices",
            "300",
            "--central-page-cap",
            "25",
            "--fail-rate",
            "0.05",
        ],
        "store.sqlite",
        None,
    );
    let with_db = |args: &[&str]| {
        let mut cmd = orchestrator(&bins, &wd, &sim, args);
        cmd.env("MSP_DB", &db_text);
        cmd
    };
    // The listing is one request too: when it fails, the run is left empty and resumed.
    let listing_failed =
        |f: &glp_msp_e2e::Finished| f.code == Some(1) && f.stderr.contains("could not list");
    let first = run(
        "snapshot",
        &wd,
        with_db(&["snapshot", "-q", "--retries", "1"]),
    );
    if !listing_failed(&first) {
        assert_exit(&first, 3);
        assert!(
            first.stderr.contains("snapshot --resume 1"),
            "{}",
            first.stderr
        );
        let runs = run("runs-1", &wd, with_db(&["runs", "--format", "json"]));
        let runs: Vec<Value> = serde_json::from_str(&runs.stdout).expect("runs json");
        assert_eq!(runs[0]["status"], "partial");
        assert!(runs[0]["tenants_failed"].as_u64().expect("failed") > 0);
    }

    // What the partial run holds is exact for the tenants it holds: nothing half-written.
    let partial = wd.run("partial.jsonl");
    let export = run(
        "export-partial",
        &wd,
        with_db(&[
            "export",
            "--run",
            "1",
            "-o",
            partial.to_str().expect("utf-8"),
        ]),
    );
    assert_exit(&export, 0);
    let truth = sim.truth().unwrap();
    let comparison = compare(&truth, &RESOURCES, &[&partial]).unwrap();
    assert!(
        !comparison.problems.is_empty()
            && comparison.problems.iter().all(|p| p.contains("missing")),
        "only whole tenant x resources are missing: {comparison}"
    );

    // Resume until complete (each resume runs only what is missing), then exactly the truth.
    let mut resumes = 0;
    loop {
        resumes += 1;
        assert!(resumes <= 20, "still not complete after 20 resumes");
        let resume = run(
            "resume",
            &wd,
            with_db(&["snapshot", "-q", "--resume", "--retries", "1"]),
        );
        if resume.code == Some(0) {
            break;
        }
        if !listing_failed(&resume) {
            assert_exit(&resume, 3);
        }
    }
    let out = wd.run("export.jsonl");
    let export = run(
        "export",
        &wd,
        with_db(&["export", "--run", "1", "-o", out.to_str().expect("utf-8")]),
    );
    assert_exit(&export, 0);
    let comparison = compare(&truth, &RESOURCES, &[&out]).unwrap();
    assert!(comparison.is_exact(), "{comparison}");

    // CSV export: collect's header and one line per record.
    let csv = run(
        "export-csv",
        &wd,
        with_db(&[
            "export",
            "--run",
            "1",
            "--format",
            "csv",
            "--resource",
            "devices",
        ]),
    );
    assert_exit(&csv, 0);
    // The same writer as collect, so the same columns: those `collect devices` writes (issue
    // 14's per-resource CSV; issue 25: export uses the run's resources, not a generic set).
    assert_eq!(
        csv.stdout.lines().next(),
        Some(
            "tenant_id,tenant_name,resource,serialNumber,deviceName,deviceType,model,status,\
             firmware,ipv4,macAddress,siteName,siteId,collected_at"
        )
    );
    let devices: usize = truth
        .tenants
        .iter()
        .map(|t| t.records.as_ref().expect("records")["devices"].len())
        .sum();
    assert!(
        csv.stdout.lines().count() > devices,
        "a header and every device (CSV may quote newlines)"
    );

    // A second snapshot of the same population equals the first; prune keeps the newest.
    let second = run("snapshot-2", &wd, with_db(&["snapshot", "-q"]));
    assert_exit(&second, 0);
    let same = run("diff", &wd, with_db(&["diff"]));
    assert_exit(&same, 0);
    let prune = run("prune", &wd, with_db(&["prune", "--keep", "1"]));
    assert_exit(&prune, 0);
    let runs = run("runs-2", &wd, with_db(&["runs", "--format", "json"]));
    let runs: Vec<Value> = serde_json::from_str(&runs.stdout).expect("runs json");
    assert_eq!(
        runs.iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect::<Vec<_>>(),
        vec![2]
    );
    let lonely = run("diff-one", &wd, with_db(&["diff"]));
    assert_exit(&lonely, 2);
    assert!(
        lonely.stderr.contains("two complete runs"),
        "{}",
        lonely.stderr
    );
}
