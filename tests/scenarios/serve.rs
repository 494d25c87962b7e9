//! Issue 23: `serve`. Against the simulator, the first scheduled snapshot makes `/readyz` ready
//! and `/metrics` gives each tenant's devices, access points down and open alerts as the
//! truth has them; with --token-file, /metrics needs the token (401 without, the token never
//! in an answer); off loopback without one it refuses to start; SIGTERM ends it with 0.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use glp_msp_e2e::{Proc, Sim, Workdir};
use serde_json::Value;

use crate::common::{RUN_LIMIT, assert_exit, orchestrator, run_exit, start_with_db};

/// `GET path` on `addr` (HTTP/1.1, one request per connection): the status and the body.
fn get(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to serve");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (status, body.to_owned())
}

/// Starts `serve ARGS` against `sim` and waits for the address it serves on.
pub(crate) fn serve(name: &str, wd: &Workdir, sim: &Sim, args: &[&str]) -> (Proc, String) {
    let bins = crate::common::bins();
    let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
    all.extend(args);
    let mut child = Proc::spawn(name, orchestrator(&bins, wd, sim, &all), &wd.run("")).unwrap();
    let since = Instant::now();
    loop {
        let stderr = child.stderr_so_far();
        if let Some(addr) = stderr
            .split("serving http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
        {
            return (child, addr.to_owned());
        }
        assert!(
            since.elapsed() < RUN_LIMIT && !child.has_exited(),
            "serve did not start: {stderr}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `/readyz` answers 200.
pub(crate) fn wait_ready(child: &mut Proc, addr: &str, token: Option<&str>) {
    let since = Instant::now();
    while get(addr, "/readyz", token).0 != 200 {
        assert!(
            since.elapsed() < RUN_LIMIT && !child.has_exited(),
            "never ready: {}",
            child.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The value of every sample of `name`, by its labels' text.
fn samples<'a>(text: &'a str, name: &str) -> Vec<(&'a str, f64)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(name)?.strip_prefix('{')?;
            let (labels, value) = rest.rsplit_once("} ")?;
            Some((labels, value.parse().ok()?))
        })
        .collect()
}

/// A label's value in a sample's labels text (values without quotes or commas in this test).
fn label<'a>(labels: &'a str, key: &str) -> &'a str {
    labels
        .split(',')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix("=\""))
        .map(|v| v.trim_end_matches('"'))
        .unwrap_or_default()
}

#[test]
fn metrics_after_the_first_run_are_the_truth_and_sigterm_exits_0() {
    metrics_are_the_truth("serve-metrics", None);
}

/// `serve` into `db` (a SQLite file of the scenario's when `None`): after its first run, the
/// metrics are the simulator's truth; SIGTERM exits 0.
pub(crate) fn metrics_are_the_truth(name: &str, db: Option<&str>) {
    let (_bins, wd, sim, db) = start_with_db(
        name,
        &["--tenants=10", "--max-devices=200", "--central-page-cap=50"],
        "serve.sqlite",
        db,
    );
    let resources = ["device-inventory", "devices", "alerts"];
    let mut args = vec!["--every", "1h", "--db", &db, "--rate", "2000"];
    args.extend(resources);
    let (mut child, addr) = serve("serve", &wd, &sim, &args);
    assert_eq!(get(&addr, "/healthz", None), (200, "ok\n".to_owned()));
    wait_ready(&mut child, &addr, None);
    // The store's run ends a moment before the process counts it.
    let complete = "glp_msp_runs_total{outcome=\"complete\"} 1";
    let since = Instant::now();
    let text = loop {
        let (status, text) = get(&addr, "/metrics", None);
        assert_eq!(status, 200, "{text}");
        if text.contains(complete) {
            break text;
        }
        assert!(since.elapsed() < RUN_LIMIT, "{text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(text.ends_with("# EOF\n"), "{text}");

    let truth = sim.truth().unwrap();
    // Devices per tenant and resource, access points down and open alerts per tenant.
    let mut devices: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (labels, value) in samples(&text, "glp_msp_devices") {
        let key = (
            label(labels, "tenant_id").to_owned(),
            label(labels, "resource").to_owned(),
        );
        *devices.entry(key).or_default() += value as u64;
    }
    let mut aps_down: BTreeMap<String, u64> = BTreeMap::new();
    for (labels, value) in samples(&text, "glp_msp_aps_down") {
        if label(labels, "resource") == "devices" {
            *aps_down
                .entry(label(labels, "tenant_id").to_owned())
                .or_default() += value as u64;
        }
    }
    let mut alerts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (labels, value) in samples(&text, "glp_msp_open_alerts") {
        alerts
            .entry(label(labels, "tenant_id").to_owned())
            .or_default()
            .insert(label(labels, "severity").to_owned(), value as u64);
    }
    let mut checked = 0;
    for t in truth.tenants.iter().filter(|t| t.cluster.is_some()) {
        for resource in ["device-inventory", "devices"] {
            let got = devices
                .get(&(t.workspace_id.clone(), resource.to_owned()))
                .copied()
                .unwrap_or(0);
            assert_eq!(got, t.counts[resource], "{} {resource}", t.name);
        }
        let down = t.records.as_ref().expect("records")["devices"]
            .iter()
            .filter(|d: &&Value| {
                matches!(d["deviceType"].as_str(), Some("AP" | "ACCESS_POINT"))
                    && d["status"]
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case("offline"))
            })
            .count() as u64;
        assert_eq!(
            aps_down.get(&t.workspace_id).copied().unwrap_or(0),
            down,
            "{}",
            t.name
        );
        let open = alerts.get(&t.workspace_id).cloned().unwrap_or_default();
        assert_eq!(open, t.open_alerts, "{}", t.name);
        checked += 1;
    }
    assert!(checked > 5, "too few tenants checked: {checked}");
    assert!(
        samples(&text, "glp_msp_tenant_last_success_timestamp_seconds").len() >= checked,
        "{text}"
    );
    assert!(text.contains("glp_msp_last_run_complete 1"), "{text}");
    // Each tenant's last collection time: recorded for every tenant, within the run's.
    let run: f64 = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("glp_msp_last_run_duration_seconds ")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("the run's duration: {text}"));
    let took: BTreeMap<&str, f64> = samples(&text, "glp_msp_tenant_last_success_duration_seconds")
        .into_iter()
        .map(|(labels, v)| (label(labels, "tenant_id"), v))
        .collect();
    for t in truth.tenants.iter().filter(|t| t.cluster.is_some()) {
        let took = took.get(t.workspace_id.as_str()).copied();
        assert!(
            took.is_some_and(|s| (0.0..=run).contains(&s)),
            "{}: {took:?} (run {run} s)\n{text}",
            t.name
        );
    }
    // Every request the simulator served was the run's, and is counted once per host.
    let served: u64 = sim
        .stats()
        .unwrap()
        .requests
        .values()
        .flat_map(|by_status| by_status.values())
        .sum();
    let sent: f64 = samples(&text, "glp_msp_api_last_run_requests")
        .iter()
        .map(|(_, v)| v)
        .sum();
    assert_eq!(sent as u64, served, "{text}");
    let counted: f64 = samples(&text, "glp_msp_api_requests_total")
        .iter()
        .map(|(_, v)| v)
        .sum();
    assert_eq!(counted as u64, served, "{text}");

    child.signal("-TERM").unwrap();
    let out = child.wait(RUN_LIMIT).unwrap();
    assert_exit(&out, 0);
}

#[test]
fn with_a_token_file_metrics_need_the_token_and_off_loopback_one_is_required() {
    let (bins, wd, sim, db) = start_with_db(
        "serve-token",
        &["--tenants=3", "--max-devices=20"],
        "serve.sqlite",
        None,
    );
    let db = db.as_str();
    // Off loopback without a token: refused before anything is contacted.
    let refused = run_exit(
        "serve-open",
        (&bins, &wd, &sim),
        &["serve", "--listen", "0.0.0.0:0", "--db", db],
        2,
    );
    assert!(
        refused.stderr.contains("--token-file"),
        "{}",
        refused.stderr
    );
    assert!(
        !std::path::Path::new(db).exists(),
        "no store is made before the refusal"
    );

    let token = "e2e-serve-token-0123456789abcdef";
    std::fs::write(wd.run("token.txt"), format!("{token}\n")).unwrap();
    let (mut child, addr) = serve(
        "serve-token",
        &wd,
        &sim,
        &["--every", "1h", "--db", db, "--token-file", "token.txt"],
    );
    wait_ready(&mut child, &addr, None);
    let (status, body) = get(&addr, "/metrics", None);
    assert_eq!(status, 401, "{body}");
    assert!(!body.contains(token), "{body}");
    let (status, _) = get(&addr, "/metrics", Some("not-the-token-0123456789"));
    assert_eq!(status, 401);
    let (status, text) = get(&addr, "/metrics", Some(token));
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("glp_msp_devices{"), "{text}");
    let endpoint = sim.endpoint.clone();
    for secret in [token, endpoint.client_secret.as_str()] {
        assert!(!text.contains(secret), "a secret in /metrics");
    }
    child.signal("-TERM").unwrap();
    let out = child.wait(RUN_LIMIT).unwrap();
    assert_exit(&out, 0);
    assert!(!out.stderr.contains(token), "the token in stderr");
}

#[test]
fn sigterm_mid_run_ends_the_run_interrupted_and_exits_0() {
    let (bins, wd, sim, db) = start_with_db(
        "serve-sigterm",
        &[
            "--tenants=40",
            "--max-devices=200",
            "--central-page-cap=20",
            "--latency-ms=40",
        ],
        "serve.sqlite",
        None,
    );
    let db = db.as_str();
    let (mut child, _addr) = serve(
        "serve-sigterm",
        &wd,
        &sim,
        &["--every", "1h", "--db", db, "--concurrency", "2"],
    );
    // Stop once tenants are being collected, well before the end.
    let since = Instant::now();
    while crate::common::served(&sim.stats().unwrap(), "device-inventory") < 3 {
        assert!(
            since.elapsed() < RUN_LIMIT && !child.has_exited(),
            "no tenant collected: {}",
            child.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.signal("-TERM").unwrap();
    let out = child.wait(RUN_LIMIT).unwrap();
    assert_exit(&out, 0);
    let runs = run_exit(
        "runs",
        (&bins, &wd, &sim),
        &["runs", "--db", db, "--format", "json"],
        0,
    );
    let runs: Vec<Value> = serde_json::from_str(&runs.stdout).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "interrupted", "{runs:?}");
}
