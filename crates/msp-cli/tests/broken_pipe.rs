//! A closed stdout (`msp-orchestrator diff | head -1`): every command that writes to stdout
//! ends quietly (nothing on stderr) with 141 (128 + SIGPIPE, what a shell reports for `seq` or
//! `cat` in the same place). Each child gets a pipe whose reading end is closed before it
//! writes, so its first write fails with EPIPE, every time.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use msp_orchestrator::msp_store::{NewRun, RunStatus, Store};
use platform_sim::Simulator;
use support::{bin, sim, target, temp_dir};

/// 141: the status of a program that SIGPIPE ended, as a shell reports it.
const BROKEN_PIPE: i32 = 141;

/// Runs `cmd` with its stdout's reader closed at once; returns its status and stderr.
fn with_closed_stdout(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reading end goes away before the child can write anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bare() -> Command {
    bin().command()
}

fn against(sim: &Simulator, args: &[&str]) -> Command {
    bin().target(&target(sim)).args(args).command()
}

fn device(serial: &str, status: &str) -> String {
    serde_json::json!({"serialNumber": serial, "deviceType": "ACCESS_POINT", "status": status})
        .to_string()
}

/// A store with two complete runs that differ (so `diff` has lines to write).
fn two_runs(dir: &Path) -> PathBuf {
    let path = dir.join("inventory.sqlite");
    let mut store = Store::open(&path).unwrap();
    for status in ["ONLINE", "OFFLINE"] {
        let run = store
            .begin_run(&NewRun::new("test", ["snapshot"], ["devices"]))
            .unwrap();
        let items: Vec<String> = (0..50).map(|i| device(&format!("SN{i}"), status)).collect();
        store
            .write_entry(
                run,
                "t1",
                "Tenant one",
                "devices",
                items.iter().map(String::as_str),
            )
            .unwrap();
        store.end_run(run, RunStatus::Complete).unwrap();
    }
    path
}

fn assert_quiet(what: &str, (code, stderr): (Option<i32>, String)) {
    assert_eq!(code, Some(BROKEN_PIPE), "{what}: {stderr}");
    assert!(stderr.is_empty(), "{what} said something: {stderr}");
}

#[test]
fn the_store_commands_end_quietly_when_stdout_closes() {
    let dir = temp_dir("broken-pipe");
    let db = two_runs(dir.path());
    let db = db.to_str().unwrap();
    for args in [
        &["diff", "--db", db][..],
        &["diff", "--db", db, "--format", "jsonl"],
        &["runs", "--db", db],
        &["runs", "--db", db, "--format", "json"],
        &["status", "--db", db],
        &["status", "--db", db, "--format", "csv"],
        &["export", "--run", "1", "--db", db],
        &["export", "--run", "1", "--db", db, "--format", "csv"],
        &["completions", "bash"],
        &["man"],
    ] {
        let mut cmd = bare();
        cmd.args(args);
        assert_quiet(&args.join(" "), with_closed_stdout(cmd));
    }
    // With stdout open, the same diff says "different" (1): 141 is the broken pipe's alone.
    bin().args(["diff", "--db", db]).run().assert_code(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_that_contact_the_platform_end_quietly_when_stdout_closes() {
    let sim = sim(6).await;
    for args in [
        &["collect", "device-inventory", "-q", "-o", "-"][..],
        &["collect", "device-inventory", "-q"],
        &["tenants"],
        &["tenants", "--format", "jsonl"],
        &["overview"],
        &["collect", "--dry-run"],
        &["config", "show"],
    ] {
        let cmd = against(&sim, args);
        let result = tokio::task::spawn_blocking(move || with_closed_stdout(cmd))
            .await
            .unwrap();
        assert_quiet(&args.join(" "), result);
    }
}
