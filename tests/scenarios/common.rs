//! What every scenario needs: the binaries, an orchestrator command pointed at a simulator,
//! bounded runs, and the simulator's counters by endpoint.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::Duration;

use glp_msp_e2e::{Bins, Finished, Proc, Sim, Stats, Truth, Workdir, compare};
use serde_json::Value;

/// The longest any single orchestrator run may take before the scenario fails.
pub(crate) const RUN_LIMIT: Duration = Duration::from_secs(120);

pub(crate) fn bins() -> Bins {
    Bins::locate().unwrap_or_else(|e| panic!("{e}"))
}

/// A scenario's directory and simulator.
pub(crate) fn start(name: &str, sim_args: &[&str]) -> (Bins, Workdir, Sim) {
    let bins = bins();
    let wd = Workdir::new(name).unwrap();
    let sim = Sim::start(&bins, &wd.sim(), sim_args).unwrap_or_else(|e| panic!("{name}: {e}"));
    (bins, wd, sim)
}

/// [`start`] for the device-write scenarios: `tenants` tenants of at most `max_devices`
/// devices each, 200 spare seats, 40 device writes a minute, and writes that fail after they
/// took effect at the rate `fault`.
pub(crate) fn start_device_writes(
    name: &str,
    (tenants, max_devices): (usize, usize),
    fault: &str,
) -> (Bins, Workdir, Sim) {
    let (tenants, max_devices) = (tenants.to_string(), max_devices.to_string());
    let args = [
        "--tenants",
        &tenants,
        "--max-devices",
        &max_devices,
        "--spare-seats",
        "200",
        "--glp-device-writes-per-minute",
        "40",
        "--fault-write-after-apply",
        fault,
    ];
    start(name, &args)
}

/// [`start`], and the store the scenario writes to: `db` when given (e.g. a PostgreSQL URL),
/// else the SQLite file `run/<file>`, as the text `--db` takes.
pub(crate) fn start_with_db(
    name: &str,
    sim_args: &[&str],
    file: &str,
    db: Option<&str>,
) -> (Bins, Workdir, Sim, String) {
    let (bins, wd, sim) = start(name, sim_args);
    let db = match db {
        Some(db) => db.to_owned(),
        None => wd.run(file).to_str().expect("utf-8 path").to_owned(),
    };
    (bins, wd, sim, db)
}

/// `msp-orchestrator ARGS` against `sim` ([`Sim::orchestrator`]), working in the scenario's
/// `run/` directory.
pub(crate) fn orchestrator(bins: &Bins, wd: &Workdir, sim: &Sim, args: &[&str]) -> Command {
    let mut cmd = sim.orchestrator(bins, args);
    cmd.current_dir(wd.run(""));
    cmd
}

/// Runs `cmd` to completion (at most [`RUN_LIMIT`]), its output in `run/<name>.std*`.
pub(crate) fn run(name: &str, wd: &Workdir, cmd: Command) -> Finished {
    Proc::spawn(name, cmd, &wd.run(""))
        .and_then(|p| p.wait(RUN_LIMIT))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `msp-orchestrator ARGS` against `sim` ([`orchestrator`]) run to completion ([`run`]), its
/// output in `run/<name>.std*`.
pub(crate) fn run_in(
    name: &str,
    (bins, wd, sim): (&Bins, &Workdir, &Sim),
    args: &[&str],
) -> Finished {
    run(name, wd, orchestrator(bins, wd, sim, args))
}

/// [`run_in`], asserting the exit code ([`assert_exit`]).
pub(crate) fn run_exit(
    name: &str,
    scenario: (&Bins, &Workdir, &Sim),
    args: &[&str],
    code: i32,
) -> Finished {
    let out = run_in(name, scenario, args);
    assert_exit(&out, code);
    out
}

/// A manifest's `[[device_assignments]]` for every tenant: its access points assigned to
/// Central in us-west and licensed with a Foundation AP subscription.
pub(crate) const ASSIGN_ALL_APS: &str = r#"
[[device_assignments]]
tenants = ["*"]
device_types = ["AP"]
application = "HPE Aruba Networking Central"
region = "us-west"
subscription_tier = "FOUNDATION_AP"
"#;

/// A manifest's `[[notification_rules]]` for every tenant: the NOC's rule (no description),
/// critical `AP Down` alerts by email.
pub(crate) const NOC_RULE: &str = r#"
[[notification_rules]]
tenants = ["*"]
name = "NOC critical"
enabled = true
sourceTypes = ["ALERTS"]
source = { alerts = { enabled = true, alertNames = ["AP Down"], minAlertSeverity = "CRITICAL" } }
destination = { email = { enabled = true, emailIds = ["noc@msp.example"] } }
"#;

/// `apply INPUT --yes --db store.sqlite EXTRA` once more, when there is nothing left to do:
/// exit 0, `0 writes sent`, and each of `says` on stdout.
pub(crate) fn apply_again(
    scenario: (&Bins, &Workdir, &Sim),
    input: &str,
    extra: &[&str],
    says: &[&str],
) -> Finished {
    let mut args = vec!["apply", input, "--yes", "--db", "store.sqlite"];
    args.extend(extra);
    let again = run_exit("apply-again", scenario, &args, 0);
    for said in ["0 writes sent"].iter().chain(says) {
        assert!(again.stdout.contains(said), "{said}\n{}", again.stdout);
    }
    again
}

/// `apply plan.json --yes --db store.sqlite` after what the plan read moved: refused (exit 1),
/// each of `says` on stderr.
pub(crate) fn apply_stale_plan(scenario: (&Bins, &Workdir, &Sim), says: &[&str]) -> Finished {
    let args = ["apply", "plan.json", "--yes", "--db", "store.sqlite"];
    let stale = run_exit("apply-stale", scenario, &args, 1);
    for said in says {
        assert!(stale.stderr.contains(said), "{said}\n{}", stale.stderr);
    }
    stale
}

/// The end of a device-write scenario whose apply left the truth `after`: `apply INPUT EXTRA`
/// again writes nothing ([`apply_again`], each of `says` on stdout), and the saved plan is
/// refused as stale, naming the tenants whose devices moved ([`apply_stale_plan`]); neither
/// changes a device. Returns the rows of [`change_rows`].
pub(crate) fn devices_settled(
    scenario: (&Bins, &Workdir, &Sim),
    (input, extra, says): (&str, &[&str], &[&str]),
    after: &Truth,
) -> Vec<Value> {
    let sim = scenario.2;
    apply_again(scenario, input, extra, says);
    assert_eq!(sim.truth().unwrap().devices, after.devices, "applied again");
    apply_stale_plan(scenario, &["devices in '"]);
    assert_eq!(sim.truth().unwrap().devices, after.devices, "a stale plan");
    change_rows(scenario, &[])
}

/// `changes --db store.sqlite EXTRA` (the record of the applies): exit 0.
pub(crate) fn changes(scenario: (&Bins, &Workdir, &Sim), extra: &[&str]) -> Finished {
    let mut args = vec!["changes", "--db", "store.sqlite"];
    args.extend(extra);
    run_exit("changes", scenario, &args, 0)
}

/// [`changes`] `--format json EXTRA`: its rows.
pub(crate) fn change_rows(scenario: (&Bins, &Workdir, &Sim), extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--format", "json"];
    args.extend(extra);
    serde_json::from_str(&changes(scenario, &args).stdout).expect("changes json")
}

/// Requests served on `endpoint` (`token`, `msp-tenants`, `device-inventory`, ...), any status.
pub(crate) fn served(stats: &Stats, endpoint: &str) -> u64 {
    stats
        .requests
        .get(endpoint)
        .map(|by_status| by_status.values().sum())
        .unwrap_or(0)
}

/// Requests served on `endpoint` with `status` (`"200"`, `"429"`, `"dropped"`).
pub(crate) fn served_with(stats: &Stats, endpoint: &str, status: &str) -> u64 {
    stats
        .requests
        .get(endpoint)
        .and_then(|by_status| by_status.get(status))
        .copied()
        .unwrap_or(0)
}

/// The number before `label` in the orchestrator's summary line, e.g. `"rate-limited (429)"`.
pub(crate) fn summary_count(stderr: &str, label: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.contains(" tenants: ") && l.contains(label))
        .unwrap_or_else(|| panic!("no summary line with {label:?} in:\n{stderr}"));
    let before = &line[..line.find(label).unwrap()];
    before
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number before {label:?} in {line:?}"))
}

/// Asserts the exit code, showing stderr when it differs.
pub(crate) fn assert_exit(run: &Finished, code: i32) {
    assert_eq!(
        run.code,
        Some(code),
        "exit code; stderr:\n{}",
        glp_msp_e2e::proc::tail(&run.stderr, 40)
    );
}

/// `status --resource RESOURCE --db DB --format json` against `sim`: exit 0, and its rows.
pub(crate) fn status_rows(
    bins: &Bins,
    wd: &Workdir,
    sim: &Sim,
    db: &str,
    resource: &str,
) -> Vec<serde_json::Value> {
    let args = [
        "status",
        "--resource",
        resource,
        "--db",
        db,
        "--format",
        "json",
    ];
    let status = run_exit("status", (bins, wd, sim), &args, 0);
    serde_json::from_str(&status.stdout).expect("status json")
}

/// Asserts that `diff` printed exactly the `expected` changes, showing the first ten it lacks
/// and the first ten it should not have printed.
pub(crate) fn assert_same_changes<T: Ord + std::fmt::Debug>(
    expected: &BTreeSet<T>,
    actual: &BTreeSet<T>,
) {
    let missing: Vec<_> = expected.difference(actual).take(10).collect();
    let extra: Vec<_> = actual.difference(expected).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from diff: {missing:#?}\nnot expected: {extra:#?}"
    );
}

/// `collect -q RESOURCES EXTRA --output records.jsonl` against `sim`: exit 0, and every record
/// of the truth exactly once (no resource: `device-inventory`). Returns the run and the truth.
pub(crate) fn collect_exactly(
    (bins, wd, sim): (&Bins, &Workdir, &Sim),
    resources: &[&str],
    extra: &[&str],
) -> (Finished, Truth) {
    let mut args = vec!["collect", "-q"];
    args.extend(resources);
    args.extend(extra);
    args.extend(["--output", "records.jsonl"]);
    let out = run_exit("collect", (bins, wd, sim), &args, 0);
    let truth = sim.truth().unwrap();
    let compared = if resources.is_empty() {
        &["device-inventory"][..]
    } else {
        resources
    };
    let cmp = compare(&truth, compared, &[&wd.run("records.jsonl")]).unwrap();
    assert!(cmp.is_exact(), "{cmp}");
    (out, truth)
}

/// `snapshot -q RESOURCES --db inventory.sqlite` (exit 0) against a simulator started with
/// `sim_args`, then the same against one started with `sim_args` and `--generation=1`.
/// Returns the scenario as [`start`] does (the simulator the second; the first has stopped),
/// the store's path, and the truths at the first snapshot and at the second.
pub(crate) fn two_snapshots(
    name: &str,
    sim_args: &[&str],
    resources: &[&str],
) -> ((Bins, Workdir, Sim), String, (Truth, Truth)) {
    two_snapshots_into(name, sim_args, resources, None)
}

/// [`two_snapshots`] into `db` (a SQLite file of the scenario's when `None`).
pub(crate) fn two_snapshots_into(
    name: &str,
    sim_args: &[&str],
    resources: &[&str],
    db: Option<&str>,
) -> ((Bins, Workdir, Sim), String, (Truth, Truth)) {
    let (bins, wd, sim, db) = start_with_db(name, sim_args, "inventory.sqlite", db);
    let mut snap = vec!["snapshot", "-q"];
    snap.extend(resources);
    snap.extend(["--db", &db]);
    run_exit("snapshot-1", (&bins, &wd, &sim), &snap, 0);
    let before = sim.truth().unwrap();
    drop(sim);
    let mut args = sim_args.to_vec();
    args.push("--generation=1");
    let sim = Sim::start(&bins, &wd.root().join("sim-generation-1"), &args).unwrap();
    run_exit("snapshot-2", (&bins, &wd, &sim), &snap, 0);
    let after = sim.truth().unwrap();
    ((bins, wd, sim), db, (before, after))
}

/// Each tenant's records of `resource` in a truth with records, by workspace id.
pub(crate) fn records_by_tenant(truth: &Truth, resource: &str) -> BTreeMap<String, Vec<Value>> {
    truth
        .tenants
        .iter()
        .map(|t| {
            let records = t.records.as_ref().expect("records");
            (t.workspace_id.clone(), records[resource].clone())
        })
        .collect()
}
