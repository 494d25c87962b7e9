//! Issue 23: `serve --notify`. The simulator's population changes between two runs of one
//! `serve` (the simulator restarted on the same port with `--generation 1`): a local webhook
//! receives exactly the devices that went offline or came back and the new critical alerts the
//! truths say, once; a third run and a restarted `serve` send nothing more; `--keep 2` prunes
//! after each run.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use glp_msp_e2e::{Proc, Sim, Truth, Workdir};
use serde_json::Value;
use test_support::{Reply, Server};

use crate::common::{RUN_LIMIT, assert_exit, bins, orchestrator, run_exit};

type Events = BTreeSet<(String, String, String)>;

/// What a generation change should notify: (event, tenant id, serial or alert id).
fn expected(a: &Truth, b: &Truth) -> Events {
    let mut out = Events::new();
    let offline = |v: &Value| {
        v["status"]
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("offline"))
    };
    for (ta, tb) in a.tenants.iter().zip(&b.tenants) {
        if tb.cluster.is_none() {
            continue;
        }
        let records = |t: &platform_sim::TenantTruth, r: &str| -> Vec<Value> {
            t.records.as_ref().expect("records")[r].clone()
        };
        for resource in ["device-inventory", "devices"] {
            let before = records(ta, resource);
            for new in records(tb, resource) {
                let serial = new["serialNumber"].as_str().expect("serial");
                let Some(old) = before.iter().find(|o| o["serialNumber"] == serial) else {
                    continue;
                };
                if old.get("status").is_none() {
                    continue;
                }
                let kind = match (offline(old), offline(&new)) {
                    (false, true) => "device_offline",
                    (true, false) => "device_online",
                    _ => continue,
                };
                out.insert((kind.into(), tb.workspace_id.clone(), serial.into()));
            }
        }
        let critical = |t: &platform_sim::TenantTruth| -> BTreeSet<String> {
            records(t, "alerts")
                .iter()
                .filter(|x| x["severity"] == "Critical" && x["status"] != "Cleared")
                .map(|x| x["id"].as_str().expect("id").to_owned())
                .collect()
        };
        let earlier = critical(ta);
        for id in critical(tb).difference(&earlier) {
            out.insert(("critical_alert".into(), tb.workspace_id.clone(), id.clone()));
        }
    }
    out
}

/// Every event the webhook received, and how many requests.
fn received(hook: &Server) -> (Events, usize) {
    let requests = hook.requests();
    let mut out = Events::new();
    for r in &requests {
        let body: Value = serde_json::from_str(&r.text()).expect("json body");
        for e in body["events"].as_array().expect("events") {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            let fresh = out.insert((s("event"), s("tenant_id"), s("subject")));
            assert!(fresh, "an event sent twice: {e}");
        }
    }
    (out, requests.len())
}

fn serve(name: &str, wd: &Workdir, sim: &Sim, hook: &Server, db: &str) -> Proc {
    let url = hook.url("/hook");
    let args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--every",
        "10s",
        "--db",
        db,
        "--rate",
        "2000",
        "--notify",
        &url,
        "--keep",
        "2",
        "device-inventory",
        "devices",
        "alerts",
    ];
    Proc::spawn(name, orchestrator(&bins(), wd, sim, &args), &wd.run("")).unwrap()
}

/// Waits until stderr shows `n` finished runs (each ends with a `run N ...` line).
fn wait_runs(child: &mut Proc, n: usize) {
    let since = Instant::now();
    loop {
        let stderr = child.stderr_so_far();
        let done = stderr
            .lines()
            .filter(|l| l.starts_with("run ") && l.contains(" written into "))
            .count();
        if done >= n {
            return;
        }
        assert!(
            since.elapsed() < RUN_LIMIT && !child.has_exited(),
            "{n} runs did not finish: {stderr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_generation_change_is_notified_once_and_not_again_after_a_restart() {
    let bins = bins();
    let wd = Workdir::new("serve-notify").unwrap();
    let sim_args = ["--tenants=8", "--max-devices=150", "--central-page-cap=50"];
    let sim = Sim::start(&bins, &wd.sim(), &sim_args).unwrap();
    let truth_a = sim.truth().unwrap();
    let port = url::Url::parse(&sim.endpoint.glp_base_url)
        .unwrap()
        .port()
        .expect("a port")
        .to_string();
    let hook = Server::start();
    hook.always("POST", "/hook", Reply::status(200));
    let db = wd.run("serve.sqlite");
    let db = db.to_str().expect("utf-8 path");
    let mut child = serve("serve-1", &wd, &sim, &hook, db);
    wait_runs(&mut child, 1);
    assert_eq!(
        received(&hook).1,
        0,
        "the first run has nothing to compare with"
    );

    // The population changes: the same simulator (seed, credential, port), one generation on.
    drop(sim);
    let mut args = sim_args.to_vec();
    args.extend(["--generation", "1", "--port", &port]);
    let sim = Sim::start(&bins, &wd.root().join("sim-generation-1"), &args).unwrap();
    let truth_b = sim.truth().unwrap();
    let want = expected(&truth_a, &truth_b);
    assert!(
        want.iter().any(|e| e.0 == "device_offline") && want.iter().any(|e| e.0 == "device_online"),
        "the generation moves devices both ways: {want:?}"
    );
    wait_runs(&mut child, 2);
    let since = Instant::now();
    while received(&hook).0.len() < want.len() && since.elapsed() < RUN_LIMIT {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (got, requests) = received(&hook);
    assert_eq!(got, want);
    // A third run of the same population: nothing new.
    wait_runs(&mut child, 3);
    assert_eq!(received(&hook).1, requests);
    child.signal("-TERM").unwrap();
    assert_exit(&child.wait(RUN_LIMIT).unwrap(), 0);

    // A restart: the newest run's events were sent; its own first run changes nothing.
    let mut child = serve("serve-2", &wd, &sim, &hook, db);
    wait_runs(&mut child, 1);
    assert_eq!(received(&hook), (want, requests));
    child.signal("-TERM").unwrap();
    assert_exit(&child.wait(RUN_LIMIT).unwrap(), 0);
    // A webhook URL is a secret: the runs' stored command lines hide it.
    let runs = run_exit(
        "runs",
        (&bins, &wd, &sim),
        &["runs", "--db", db, "--format", "json"],
        0,
    );
    assert!(!runs.stdout.contains(&hook.url("/hook")), "{}", runs.stdout);
    assert!(runs.stdout.contains("(hidden)"), "{}", runs.stdout);
    // --keep 2 pruned after each run: runs 3 and 4 are left.
    let runs: Vec<Value> = serde_json::from_str(&runs.stdout).unwrap();
    let ids: Vec<i64> = runs.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [3, 4]);
}
