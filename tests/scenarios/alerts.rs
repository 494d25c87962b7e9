//! Issue 21: alerts. `collect alerts` is every tenant's alerts exactly as the simulator holds
//! them, and its open ones agree with the truth's counts; two snapshots across a generation
//! change give a `diff --resource alerts` that names exactly the new and the cleared alerts,
//! and `status --resource alerts` the open alerts by severity, worst first.

use std::collections::{BTreeMap, BTreeSet};

use glp_msp_e2e::Truth;
use serde_json::Value;

use crate::common::{
    assert_same_changes, collect_exactly, run_exit, start, status_rows, two_snapshots,
};

/// (tenant id, alert id) -> status, from a truth with records.
fn alerts_of(truth: &Truth) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for t in &truth.tenants {
        for a in &t.records.as_ref().expect("records")["alerts"] {
            out.insert(
                (
                    t.workspace_id.clone(),
                    a["id"].as_str().expect("id").to_owned(),
                ),
                a["status"].as_str().expect("status").to_owned(),
            );
        }
    }
    out
}

#[test]
fn collect_alerts_is_the_truth_and_its_open_alerts_the_rollup() {
    let (bins, wd, sim) = start(
        "alerts-collect",
        &["--tenants=12", "--max-devices=300", "--central-page-cap=30"],
    );
    let (_, truth) = collect_exactly((&bins, &wd, &sim), &["alerts"], &["--rate=2000"]);
    let text = std::fs::read_to_string(wd.run("records.jsonl")).unwrap();
    let mut open: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let data = &v["data"];
        if data["status"] != "Cleared" {
            *open
                .entry(v["tenant_id"].as_str().unwrap().to_owned())
                .or_default()
                .entry(data["severity"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    for t in &truth.tenants {
        let got = open.get(&t.workspace_id).cloned().unwrap_or_default();
        assert_eq!(got, t.open_alerts, "{}", t.name);
    }
    assert!(truth.tenants.iter().any(|t| !t.open_alerts.is_empty()));
}

#[test]
fn diff_of_two_generations_names_the_new_and_the_cleared_alerts() {
    let sim_args = ["--tenants", "8", "--max-devices", "300"];
    let ((bins, wd, sim), db, (truth_a, truth_b)) =
        two_snapshots("alerts-diff", &sim_args, &["alerts"]);
    let db = db.as_str();

    // What the truths say: new = open now and unknown before; cleared = open before and
    // cleared now.
    let (a, b) = (alerts_of(&truth_a), alerts_of(&truth_b));
    let mut expected: BTreeSet<(String, String, &str)> = BTreeSet::new();
    for (key, status) in &b {
        match (a.get(key).map(String::as_str), status.as_str()) {
            (None, "Cleared") => expected.insert((key.0.clone(), key.1.clone(), "cleared")),
            (None, _) => expected.insert((key.0.clone(), key.1.clone(), "new")),
            (Some("Cleared"), "Cleared") => false,
            (Some(_), "Cleared") => expected.insert((key.0.clone(), key.1.clone(), "cleared")),
            _ => false,
        };
    }
    for key in a.keys().filter(|k| !b.contains_key(*k)) {
        expected.insert((key.0.clone(), key.1.clone(), "gone"));
    }
    let kinds: BTreeSet<&str> = expected.iter().map(|e| e.2).collect();
    assert!(
        kinds.contains("new") && kinds.contains("cleared"),
        "the generation raises and clears alerts: {kinds:?}"
    );

    // jsonl: one change per alert, keyed by the alert id.
    let jsonl = run_exit(
        "diff-jsonl",
        (&bins, &wd, &sim),
        &[
            "diff",
            "--resource",
            "alerts",
            "--db",
            db,
            "--format",
            "jsonl",
        ],
        1,
    );
    let mut actual: BTreeSet<(String, String, &str)> = BTreeSet::new();
    for line in jsonl.stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let status = v["status"].as_str().unwrap_or_default();
        let kind = match (v["change"].as_str().unwrap(), status) {
            ("added", "Cleared") => "cleared",
            ("added", _) => "new",
            ("removed", _) => "gone",
            ("changed", "Cleared") => "cleared",
            (other, _) => panic!("unexpected change {other}: {v}"),
        };
        actual.insert((
            v["tenant_id"].as_str().unwrap().to_owned(),
            v["key"].as_str().unwrap().to_owned(),
            kind,
        ));
    }
    assert_same_changes(&expected, &actual);

    // The table names them too, and counts them.
    let table = run_exit(
        "diff-table",
        (&bins, &wd, &sim),
        &["diff", "--resource", "alerts", "--db", db],
        1,
    );
    let new = expected.iter().filter(|e| e.2 == "new").count();
    let cleared = expected.iter().filter(|e| e.2 == "cleared").count();
    assert!(
        table
            .stderr
            .contains(&format!("alerts: {new} new, {cleared} cleared")),
        "{}",
        table.stderr
    );
    let some_new = expected.iter().find(|e| e.2 == "new").unwrap();
    let line = table
        .stdout
        .lines()
        .find(|l| l.contains(&some_new.1))
        .unwrap_or_else(|| panic!("{} not in\n{}", some_new.1, table.stdout));
    assert!(line.contains(" new "), "{line}");

    // Status: the open alerts of the newest snapshot by severity, worst first.
    let rows = status_rows(&bins, &wd, &sim, db, "alerts");
    let mut got: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for r in &rows {
        got.entry(r["tenant_id"].as_str().unwrap().to_owned())
            .or_default()
            .insert(
                r["severity"].as_str().unwrap().to_owned(),
                r["count"].as_u64().unwrap(),
            );
    }
    for t in &truth_b.tenants {
        let want = &t.open_alerts;
        assert_eq!(
            got.get(&t.workspace_id).cloned().unwrap_or_default(),
            *want,
            "{}",
            t.name
        );
    }
    // Worst first: the first tenant has the most critical alerts.
    let most_critical = truth_b
        .tenants
        .iter()
        .map(|t| t.open_alerts.get("Critical").copied().unwrap_or(0))
        .max()
        .unwrap();
    assert_eq!(
        got[rows[0]["tenant_id"].as_str().unwrap()]
            .get("Critical")
            .copied()
            .unwrap_or(0),
        most_critical
    );
}
