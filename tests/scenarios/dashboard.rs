//! Issue 23: `serve`'s dashboard in a real browser. Against the simulator, after the first
//! scheduled snapshot, Debian's `chromium` (headless) loads the overview (every tenant of the
//! truth, worst first) and the search for a serial of the truth (found in its tenant), and
//! takes a phone-size screenshot of the overview, kept in the artefacts directory
//! (`glp_msp_e2e::workdir::artefacts_dir`).
//!
//! The browser is `$CHROMIUM`, else `chromium` on PATH. Without one the scenario is skipped,
//! not passed: a `SKIPPED:` line and the skip record (`test_support::skip`), so `cargo xtask
//! test` counts it as skipped. `.ci/run` installs Debian's chromium where it can.

use std::path::PathBuf;
use std::process::Command;

use glp_msp_e2e::workdir::artefacts_dir;
use serde_json::Value;

use crate::common::{assert_exit, run, start_with_db};
use crate::serve::{serve, wait_ready};

const TEST: &str = "dashboard::a_browser_sees_every_tenant_worst_first_and_finds_a_serial";

/// The browser: `$CHROMIUM` (when it names a file; none when it names nothing), else
/// `chromium` found on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

/// Headless chromium with the flags every call needs (root in a container: no sandbox).
fn browser(chromium: &PathBuf, profile: &std::path::Path) -> Command {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// Whether a stored status says the device is down (as the store reads it).
fn offline(status: &str) -> bool {
    matches!(
        status.to_ascii_lowercase().as_str(),
        "offline" | "down" | "disconnected" | "unreachable"
    )
}

/// The text between each pair of `start` and `end`, in order.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    text.split(start)
        .skip(1)
        .filter_map(|rest| rest.split(end).next())
        .collect()
}

#[test]
fn a_browser_sees_every_tenant_worst_first_and_finds_a_serial() {
    let Some(chromium) = chromium() else {
        test_support::skip(
            TEST,
            "chromium not found (set CHROMIUM or install Debian's chromium)",
        );
        return;
    };
    let (_bins, wd, sim, db) = start_with_db(
        "dashboard",
        &["--tenants=8", "--max-devices=40", "--central-page-cap=50"],
        "serve.sqlite",
        None,
    );
    let db = db.as_str();
    let args = [
        "--every",
        "1h",
        "--db",
        db,
        "--rate",
        "2000",
        "device-inventory",
        "devices",
        "alerts",
    ];
    let (mut child, addr) = serve("serve-dashboard", &wd, &sim, &args);
    wait_ready(&mut child, &addr, None);
    let profile = wd.run("chromium-profile");

    // The overview, as the browser's DOM has it.
    let mut dump = browser(&chromium, &profile);
    dump.arg("--dump-dom").arg(format!("http://{addr}/"));
    let out = run("chromium-overview", &wd, dump);
    assert_exit(&out, 0);
    let dom = out.stdout;
    assert!(dom.contains("MSP overview"), "{dom}");
    let listed: Vec<&str> = between(&dom, "data-tenant-id=\"", "\"");

    // Worst first, from the truth: failing tenants (none: the simulator serves everything),
    // then the most devices down (any collected resource), the most critical alerts, by name.
    let truth = sim.truth().unwrap();
    let mut expected: Vec<(u64, u64, &str, &str)> = truth
        .tenants
        .iter()
        .map(|t| {
            let records = t.records.as_ref().expect("records");
            let down = ["device-inventory", "devices"]
                .iter()
                .filter_map(|r| records.get(*r))
                .flatten()
                .filter(|d: &&Value| d["status"].as_str().is_some_and(offline))
                .count() as u64;
            let critical = t.open_alerts.get("Critical").copied().unwrap_or(0);
            (down, critical, t.name.as_str(), t.workspace_id.as_str())
        })
        .collect();
    expected.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(b.2))
            .then(a.3.cmp(b.3))
    });
    let expected: Vec<&str> = expected.iter().map(|e| e.3).collect();
    assert_eq!(listed, expected, "{dom}");
    assert!(
        expected.len() == truth.tenants.len() && expected.len() >= 8,
        "{expected:?}"
    );

    // A serial of the truth, searched: found in its tenant (and only there).
    let tenant = truth
        .tenants
        .iter()
        .find(|t| t.cluster.is_some())
        .expect("a tenant on a cluster");
    let serial = tenant.records.as_ref().expect("records")["devices"]
        .iter()
        .find_map(|d| d["serialNumber"].as_str())
        .expect("a serial")
        .to_owned();
    let mut dump = browser(&chromium, &profile);
    dump.arg("--dump-dom")
        .arg(format!("http://{addr}/search?q={serial}"));
    let out = run("chromium-search", &wd, dump);
    assert_exit(&out, 0);
    let rows: Vec<&str> = out
        .stdout
        .split("<tr class=\"device\">")
        .skip(1)
        .filter(|row| row.contains(&format!("<td class=\"serial\">{serial}</td>")))
        .collect();
    assert!(!rows.is_empty(), "{serial} not found: {}", out.stdout);
    let href = format!("href=\"/tenants/{}\"", tenant.workspace_id);
    assert!(rows.iter().all(|row| row.contains(&href)), "{}", out.stdout);

    // The overview at a phone's size, kept for a person to look at.
    let shot = artefacts_dir()
        .unwrap()
        .join("dashboard-overview-phone.png");
    let _ = std::fs::remove_file(&shot);
    let mut phone = browser(&chromium, &profile);
    phone
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=390,844")
        .arg(format!("http://{addr}/"));
    let out = run("chromium-screenshot", &wd, phone);
    assert_exit(&out, 0);
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG"),
        "no screenshot at {}",
        shot.display()
    );
    eprintln!("the dashboard at a phone's size: {}", shot.display());

    child.signal("-TERM").unwrap();
    let out = child.wait(crate::common::RUN_LIMIT).unwrap();
    assert_exit(&out, 0);
}
