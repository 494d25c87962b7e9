//! Issue 22, tenants: `plan` and `apply` of a manifest of 20 customer workspaces (15 that
//! exist, 10 of them with a new description, and 5 new) against the simulator: the truth ends
//! as the manifest says, a second apply writes nothing, writes whose answer is lost after they
//! took effect make no duplicate, and a state that moved between plan and apply is caught.

use glp_msp_e2e::{Sim, Workdir};
use serde_json::Value;

use crate::common::{
    apply_again, apply_stale_plan, assert_exit, change_rows, changes, orchestrator, run_exit,
    served, start,
};

const EXISTING: usize = 15;

/// The manifest: every simulated tenant (the first 10 with a description, which the simulator
/// has none of), and 5 new ones. Names are written as TOML basic strings (JSON's escapes).
fn manifest(sim: &Sim) -> (String, Vec<(String, Option<String>)>) {
    let truth = sim.truth().unwrap();
    assert_eq!(truth.workspaces.len(), EXISTING);
    let mut wanted: Vec<(String, Option<String>)> = truth
        .workspaces
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let description = (i < 10).then(|| format!("Customer since {}", 2020 + i));
            (w.workspace_name.clone(), description)
        })
        .collect();
    wanted.extend((1..=5).map(|i| {
        (
            format!("New customer {i}"),
            Some(format!("Onboarded, wave {i}")),
        )
    }));
    let mut toml = String::new();
    for (name, description) in &wanted {
        toml.push_str("[[tenants]]\n");
        toml.push_str(&format!("workspaceName = {}\n", Value::from(name.as_str())));
        if let Some(d) = description {
            toml.push_str(&format!("description = {}\n", Value::from(d.as_str())));
        }
        toml.push('\n');
    }
    (toml, wanted)
}

/// The truth holds each wanted workspace exactly once, as wanted, and nothing else new.
fn assert_desired(sim: &Sim, wanted: &[(String, Option<String>)]) {
    let workspaces = sim.truth().unwrap().workspaces;
    assert_eq!(workspaces.len(), wanted.len(), "no duplicate, nothing else");
    for (name, description) in wanted {
        let named: Vec<_> = workspaces
            .iter()
            .filter(|w| &w.workspace_name == name)
            .collect();
        assert_eq!(named.len(), 1, "{name}");
        if description.is_some() {
            assert_eq!(&named[0].description, description, "{name}");
        }
    }
}

fn writes(sim: &Sim) -> u64 {
    let stats = sim.stats().unwrap();
    [
        "msp-tenants-create",
        "msp-tenants-update",
        "msp-tenants-delete",
    ]
    .iter()
    .map(|ep| served(&stats, ep))
    .sum()
}

/// Applies the manifest on a simulator failing `rate` of the writes after they took effect,
/// started with `extra` arguments too.
fn apply_twice(name: &str, rate: &str, extra: &[&str]) -> (Workdir, Sim) {
    let mut args = vec!["--tenants", "15", "--fault-write-after-apply", rate];
    args.extend(extra);
    let (bins, wd, sim) = start(name, &args);
    let (toml, wanted) = manifest(&sim);
    std::fs::write(wd.run("tenants.toml"), toml).unwrap();

    let plan = run_exit(
        "plan",
        (&bins, &wd, &sim),
        &["plan", "tenants.toml", "--out", "plan.json"],
        0,
    );
    assert!(
        plan.stdout
            .contains("Plan: 5 to create, 10 to update, 0 to delete, 5 unchanged, 0 cannot"),
        "{}",
        plan.stdout
    );
    assert_eq!(writes(&sim), 0, "plan writes nothing");

    let first = run_exit(
        "apply",
        (&bins, &wd, &sim),
        &["apply", "plan.json", "--yes", "--db", "store.sqlite"],
        0,
    );
    assert_desired(&sim, &wanted);
    let stats = sim.stats().unwrap();
    assert_eq!(
        served(&stats, "msp-tenants-create"),
        5,
        "one POST per new workspace"
    );
    assert_eq!(served(&stats, "msp-tenants-update"), 10);
    let lost = first.stdout.matches("[answer lost, re-read]").count() as u64;
    assert_eq!(lost, stats.failed_after_apply, "{}", first.stdout);
    assert!(
        first.stdout.contains("Applied: 15 done, 0 failed"),
        "{}",
        first.stdout
    );

    let before = writes(&sim);
    apply_again((&bins, &wd, &sim), "tenants.toml", &[], &[]);
    assert_eq!(writes(&sim), before, "a second apply writes nothing");
    assert_desired(&sim, &wanted);

    let rows = change_rows((&bins, &wd, &sim), &[]);
    assert_eq!(rows.len(), 15, "the writes of the first apply");
    let client_id = sim.target().client_id;
    for row in &rows {
        assert_eq!(row["run_id"], 1);
        assert_eq!(row["who"], client_id.as_str());
        assert_eq!(row["status"], "done");
        assert!(
            row["after"].as_str().unwrap().contains("workspaceName"),
            "{row}"
        );
    }
    (wd, sim)
}

#[test]
fn a_manifest_is_applied_once_and_a_second_apply_writes_nothing() {
    apply_twice("apply", "0", &[]);
}

#[test]
fn writes_failing_after_they_took_effect_make_no_duplicate() {
    // 10% as the issue asks, under a budget of the writes' own (HPE's sample observed 10 tenant
    // POSTs a window; 12 here): the client learns it from the headers and paces the 15 writes,
    // never sending one before a wait the server announced.
    let (_, sim) = apply_twice(
        "apply-faults-10",
        "0.1",
        &["--glp-tenant-writes-per-minute", "12"],
    );
    assert_eq!(sim.stats().unwrap().early_requests, 0);
    apply_twice("apply-faults-all", "1", &[]);
}

#[test]
fn a_state_changed_between_plan_and_apply_is_caught_and_nothing_is_written() {
    let (bins, wd, sim) = start("apply-drift", &["--tenants", "3"]);
    std::fs::write(
        wd.run("wanted.toml"),
        "[[tenants]]\nworkspaceName = \"Hooli\"\ndescription = \"New customer\"\n",
    )
    .unwrap();
    run_exit(
        "plan",
        (&bins, &wd, &sim),
        &["plan", "wanted.toml", "--out", "plan.json"],
        0,
    );
    // Without --yes and without a terminal, apply refuses before anything.
    let refused = run_exit(
        "apply-no-yes",
        (&bins, &wd, &sim),
        &["apply", "plan.json", "--db", "store.sqlite"],
        2,
    );
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    // Someone else creates it in the meantime.
    std::fs::write(
        wd.run("other.toml"),
        "[[tenants]]\nworkspaceName = \"Hooli\"\n",
    )
    .unwrap();
    run_exit(
        "apply-other",
        (&bins, &wd, &sim),
        &["apply", "other.toml", "--yes", "--db", "store.sqlite"],
        0,
    );
    let before = writes(&sim);
    let says = ["changed since plan.json was planned", "new: 'Hooli'"];
    apply_stale_plan((&bins, &wd, &sim), &says);
    assert_eq!(writes(&sim), before, "nothing written");
}

#[test]
fn ctrl_c_mid_apply_leaves_a_record_and_a_second_apply_finishes_the_rest() {
    use std::time::{Duration, Instant};

    use glp_msp_e2e::Proc;

    use crate::common::RUN_LIMIT;

    let (bins, wd, sim) = start("apply-interrupt", &["--tenants", "2", "--latency-ms", "60"]);
    let toml: String = (1..=30)
        .map(|i| format!("[[tenants]]\nworkspaceName = \"Wave customer {i:02}\"\n\n"))
        .collect();
    std::fs::write(wd.run("wave.toml"), toml).unwrap();
    let args = [
        "apply",
        "wave.toml",
        "--yes",
        "--writes",
        "1",
        "--db",
        "store.sqlite",
    ];
    let child = Proc::spawn(
        "apply-first",
        orchestrator(&bins, &wd, &sim, &args),
        &wd.run(""),
    );
    let mut child = child.unwrap();
    // Interrupt once a few workspaces are made (an event, not a guessed time).
    let hang_guard = Instant::now();
    while served(&sim.stats().unwrap(), "msp-tenants-create") < 3 {
        assert!(
            hang_guard.elapsed() < RUN_LIMIT && !child.has_exited(),
            "the apply ended, or hung, before its third write: {}",
            child.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.interrupt().unwrap();
    let first = child.wait(RUN_LIMIT).unwrap();
    assert_exit(&first, 3);
    let made = sim.truth().unwrap().workspaces.len() - 2;
    assert!((3..30).contains(&made), "some, not all, were made: {made}");
    let done = first.stdout.matches("done    create").count();
    assert_eq!(done, made, "{}", first.stdout);
    assert!(
        first.stdout.contains("not started (stopped)"),
        "{}",
        first.stdout
    );

    // The record holds what was done, and the run says it was interrupted.
    assert_eq!(change_rows((&bins, &wd, &sim), &[]).len(), made);
    let runs = changes((&bins, &wd, &sim), &["--runs", "--format", "csv"]);
    assert!(runs.stdout.contains(",interrupted,"), "{}", runs.stdout);

    run_exit("apply-second", (&bins, &wd, &sim), &args, 0);
    let workspaces = sim.truth().unwrap().workspaces;
    assert_eq!(workspaces.len(), 32, "every one once");
    assert_eq!(served(&sim.stats().unwrap(), "msp-tenants-create"), 30);
}
