//! The binary against hostile or broken servers and bad paths: signals (SIGTERM like Ctrl-C,
//! during the token request too), outputs opened before any request, the secret file's size cap
//! and permission warning, and server text escaped on the terminal.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use httpmock::prelude::*;
use platform_sim::{SimConfig, Simulator};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_msp-orchestrator");
const WORKSPACE: &str = "3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c";

/// The binary with a clean environment pointing at `glp` and `central`.
fn cli(glp: &str, central: &str, id: &str, secret: &str, workspace: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "off")
        .env("GLP_CLIENT_ID", id)
        .env("GLP_CLIENT_SECRET", secret)
        .env("GLP_WORKSPACE_ID", workspace)
        .env("GLP_BASE_URL", glp)
        .env("CENTRAL_BASE_URL", central);
    cmd
}

fn sim_cli(sim: &Simulator, args: &[&str]) -> Command {
    let creds = sim.credentials();
    let mut cmd = cli(
        &sim.base_url(),
        &sim.base_url(),
        &creds.client_id,
        &creds.client_secret,
        &creds.workspace_id,
    );
    cmd.args(args);
    cmd
}

async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("msp-hard-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn kill(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn wait(child: std::process::Child) -> Output {
    tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()),
    )
    .await
    .expect("the process ended after the signal")
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_numbers_are_configuration_errors_not_panics() {
    let sim = Simulator::start(SimConfig {
        tenants: 1,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    for (flag, value) in [
        ("--timeout", "1e30"),
        ("--timeout", "0"),
        ("--timeout", "-0.5e3"),
        ("--timeout", "NaN"),
        ("--timeout", "inf"),
    ] {
        let arg = format!("{flag}={value}");
        let out = output(sim_cli(&sim, &["collect", "-q", &arg])).await;
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        // Bad configuration: exit 1 (docs/guide.md), with the flag named, before any request.
        assert_eq!(out.status.code(), Some(1), "{flag} {value}: {stderr}");
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{flag} {value}: {stderr}");
    }
    assert_eq!(sim.stats().total_requests, 0);
    sim.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_run_writes_the_summary_failed_out_and_report() {
    let sim = Simulator::start(SimConfig {
        tenants: 24,
        latency: Duration::from_millis(60),
        central_page_cap: Some(50),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = temp_dir("term");
    let (records, failed, report) = (
        dir.join("records.jsonl"),
        dir.join("failed.txt"),
        dir.join("report.json"),
    );
    let mut cmd = sim_cli(
        &sim,
        &["collect", "-q", "--concurrency", "2", "--rate", "500"],
    );
    cmd.arg("--output")
        .arg(&records)
        .arg("--failed-out")
        .arg(&failed)
        .arg("--report")
        .arg(&report);
    let child = cmd.stderr(Stdio::piped()).spawn().unwrap();
    // Wait until the run is under way (some records are out), however fast the machine is.
    let started = std::time::Instant::now();
    while std::fs::metadata(&records).map(|m| m.len()).unwrap_or(0) == 0
        && sim.stats().token_exchanges < 2
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(child.id(), "-TERM");
    let out = wait(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("SIGTERM"), "{stderr}");
    assert!(stderr.contains("tenants:"), "the summary: {stderr}");
    let failed = std::fs::read_to_string(&failed).unwrap();
    assert!(!failed.trim().is_empty(), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["interrupted"], json!(true));
    for line in std::fs::read_to_string(&records).unwrap().lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("every line is complete JSON");
    }
    sim.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_during_the_token_request_ends_the_run_at_once_with_the_summary() {
    let server = MockServer::start_async().await;
    // A token endpoint that holds the request for a long time.
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path_includes("/token");
            then.status(200)
                .delay(Duration::from_secs(120))
                .json_body(json!({"access_token": "tok-123456789", "expires_in": 900}));
        })
        .await;
    let dir = temp_dir("token");
    let (failed, report) = (dir.join("failed.txt"), dir.join("report.json"));
    let mut cmd = cli(
        &server.base_url(),
        &server.base_url(),
        "client",
        "s3cr3t-value",
        WORKSPACE,
    );
    cmd.args(["collect", "-q", "--failed-out"])
        .arg(&failed)
        .arg("--report")
        .arg(&report);
    let child = cmd.stderr(Stdio::piped()).spawn().unwrap();
    let started = std::time::Instant::now();
    while token.calls_async().await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no token request"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(child.id(), "-TERM");
    let out = wait(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "ended at once, not after the token request"
    );
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("0 tenants"), "the summary: {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(failed.exists() && report.exists(), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_output_paths_fail_before_any_request() {
    let sim = Simulator::start(SimConfig {
        tenants: 3,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    for flag in ["--report", "--failed-out", "--output"] {
        let mut cmd = sim_cli(&sim, &["collect", "-q", flag]);
        cmd.arg("/nonexistent-dir-of-msp-tests/file");
        let out = output(cmd).await;
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{flag}: {stderr}");
        assert!(
            stderr.contains("/nonexistent-dir-of-msp-tests/file"),
            "{flag}: {stderr}"
        );
    }
    assert_eq!(
        sim.stats().total_requests,
        0,
        "nothing is contacted before the files are proven writable"
    );
    sim.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_null_is_a_fine_output_for_every_file() {
    // The early open must not assume a regular file: /dev/null cannot be truncated.
    let sim = Simulator::start(SimConfig {
        tenants: 3,
        max_devices: 5,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let cmd = sim_cli(
        &sim,
        &[
            "collect",
            "-q",
            "--output",
            "/dev/null",
            "--failed-out",
            "/dev/null",
            "--report",
            "/dev/null",
        ],
    );
    let out = output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    sim.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_file_is_size_capped_and_warned_about_when_others_can_read_it() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Simulator::start(SimConfig {
        tenants: 1,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let creds = sim.credentials();
    let dir = temp_dir("secret");
    let huge = dir.join("huge");
    std::fs::write(&huge, "x".repeat(100 * 1024)).unwrap();
    let mut cmd = sim_cli(&sim, &["tenants", "--client-secret-file"]);
    cmd.arg(&huge).env_remove("GLP_CLIENT_SECRET");
    let out = output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("larger than 64 KiB"), "{stderr}");
    assert_eq!(sim.stats().total_requests, 0);

    let open = dir.join("open");
    std::fs::write(&open, format!("{}\n", creds.client_secret)).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = sim_cli(&sim, &["tenants", "--client-secret-file"]);
    cmd.arg(&open).env_remove("GLP_CLIENT_SECRET");
    let out = output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("readable by other users"), "{stderr}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_names_with_escapes_never_reach_the_terminal_raw() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path_includes("/token");
            then.status(200).json_body(
                json!({"access_token": "tok-123456789", "token_type": "Bearer", "expires_in": 900}),
            );
        })
        .await;
    let evil = "Evil\u{1b}[2J\u{1b}]0;pwned\u{7}\nforged-row";
    server
        .mock_async(|when, then| {
            when.method(GET).path("/workspaces/v1/msp-tenants");
            then.status(200).json_body(json!({
                "offset": 0, "count": 2, "total": 2,
                "items": [
                    {"id": "a7b6c5d4-e3f2-4a1b-8c9d-0e1f2a3b4c5d", "workspaceName": evil},
                    {"id": "bad\u{1b}[31m\nid", "workspaceName": evil},
                ]
            }));
        })
        .await;
    for format in ["table", "csv", "jsonl"] {
        let mut cmd = cli(
            &server.base_url(),
            &server.base_url(),
            "client",
            "s3cr3t-value",
            WORKSPACE,
        );
        cmd.args(["tenants", "--format", format]);
        let out = output(cmd).await;
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        );
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        assert!(
            !stderr.contains('\u{1b}'),
            "{format}: raw escape on stderr: {stderr:?}"
        );
        assert!(
            stderr.contains("left out"),
            "the invalid id is reported: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 2, "{format}: {stderr:?}");
        match format {
            "jsonl" => {
                // The real value, escaped by JSON.
                let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
                assert_eq!(v["name"], json!(evil));
            }
            // Data for a file (stdout is not a terminal here): the real value, quoted.
            "csv" => assert!(stdout.contains(&format!("\"{evil}\"")), "{stdout:?}"),
            _ => assert!(!stdout.contains('\u{1b}'), "{format}: {stdout:?}"),
        }
        if format == "table" {
            assert_eq!(stdout.lines().count(), 2, "header and one row: {stdout:?}");
        }
    }
}

/// A fake GreenLake + Central: tokens for anyone, empty Central lists, and `pages` of
/// msp-tenants by offset.
async fn fake_platform(pages: Vec<(u64, serde_json::Value)>) -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path_includes("/token");
            then.status(200).json_body(
                json!({"access_token": "tok-123456789", "token_type": "Bearer", "expires_in": 900}),
            );
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path_prefix("/network-");
            then.status(200)
                .json_body(json!({"items": [], "count": 0, "total": 0}));
        })
        .await;
    for (offset, body) in pages {
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/workspaces/v1/msp-tenants")
                    .query_param("offset", offset.to_string());
                then.status(200).json_body(body);
            })
            .await;
    }
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_that_repeats_itself_is_an_error_in_the_summary_and_report() {
    let tenant = json!({"id": "a7b6c5d4-e3f2-4a1b-8c9d-0e1f2a3b4c5d", "workspaceName": "Acme"});
    let server = fake_platform(vec![
        (
            0,
            json!({"offset": 0, "count": 1, "total": 1000, "items": [tenant.clone()]}),
        ),
        (
            1,
            json!({"offset": 1, "count": 1, "total": 1000, "items": [tenant]}),
        ),
    ])
    .await;
    let dir = temp_dir("repeat");
    let (failed, report) = (dir.join("failed.txt"), dir.join("report.json"));
    let mut cmd = cli(
        &server.base_url(),
        &server.base_url(),
        "client",
        "s3cr3t-value",
        WORKSPACE,
    );
    cmd.args(["collect", "-q", "--failed-out"])
        .arg(&failed)
        .arg("--report")
        .arg(&report);
    let out = output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(3), "a tenant ran: {stderr}");
    assert!(
        stderr.contains("listing tenants failed part-way") && stderr.contains("already listed"),
        "{stderr}"
    );
    assert!(stderr.contains("1 tenant: 1 ok"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(
        report["source_error"]
            .as_str()
            .unwrap()
            .contains("already listed"),
        "{report}"
    );

    // No tenant ran before the listing failed: exit 1.
    let bad = json!({"id": "not-an-id", "workspaceName": "Broken"});
    let server = fake_platform(vec![
        (
            0,
            json!({"offset": 0, "count": 1, "total": 1000, "items": [bad.clone()]}),
        ),
        (
            1,
            json!({"offset": 1, "count": 1, "total": 1000, "items": [bad]}),
        ),
    ])
    .await;
    let mut cmd = cli(
        &server.base_url(),
        &server.base_url(),
        "client",
        "s3cr3t-value",
        WORKSPACE,
    );
    cmd.args(["collect", "-q"]);
    let out = output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "no tenant ran: {stderr}");
    assert!(stderr.contains("SKIPPED Broken (not-an-id)"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_refused_mid_run_stops_new_tenants_and_exits_one_with_the_hint_once() {
    let server = MockServer::start_async().await;
    // The first grant works (the pre-flight passes); then the secret is rotated: every exchange
    // is refused, and so is the MSP grant the exchange's renewal asks for.
    let first_grant = server
        .mock_async(|when, then| {
            when.method(POST)
                .path_includes("/token")
                .body_includes("client_credentials");
            then.status(200).json_body(
                json!({"access_token": "tok-123456789", "token_type": "Bearer", "expires_in": 900}),
            );
        })
        .await;
    let exchanges = server
        .mock_async(|when, then| {
            when.method(POST)
                .path_includes("/token")
                .body_includes("token-exchange");
            then.status(401).json_body(json!({
                "error": "invalid_client",
                "error_description": "client authentication failed"
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path_prefix("/network-");
            then.status(200)
                .json_body(json!({"items": [], "count": 0, "total": 0}));
        })
        .await;
    let items: Vec<serde_json::Value> = (0..20u32)
        .map(|n| json!({"id": format!("{n:08x}-e3f2-4a1b-8c9d-0e1f2a3b4c5d"), "workspaceName": format!("T{n}")}))
        .collect();
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/workspaces/v1/msp-tenants")
                .query_param("offset", "0");
            // Time for the test to rotate the secret before the first exchange.
            then.status(200)
                .delay(Duration::from_millis(1500))
                .json_body(json!({"offset": 0, "count": 20, "total": 20, "items": items}));
        })
        .await;
    let mut cmd = cli(
        &server.base_url(),
        &server.base_url(),
        "client",
        "s3cr3t-value",
        WORKSPACE,
    );
    cmd.args(["collect", "-q", "--concurrency", "2", "--retries", "1"]);
    let child = cmd.stderr(Stdio::piped()).spawn().unwrap();
    let started = std::time::Instant::now();
    while first_grant.calls_async().await == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "no grant");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first_grant.delete_async().await;
    let refused_grants = server
        .mock_async(|when, then| {
            when.method(POST)
                .path_includes("/token")
                .body_includes("client_credentials");
            then.status(401).json_body(json!({
                "error": "invalid_client",
                "error_description": "client authentication failed"
            }));
        })
        .await;
    let out = wait(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("credential was refused"), "{stderr}");
    assert_eq!(
        stderr.matches("hint: 401").count(),
        1,
        "the hint is told once: {stderr}"
    );
    // One refused renewal grant, final; the tenants already started each tried one exchange.
    let grants = refused_grants.calls_async().await;
    assert_eq!(grants, 1, "{grants} refused grants: {stderr}");
    let calls = exchanges.calls_async().await;
    assert!(calls <= 2, "{calls} exchanges: {stderr}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_during_the_central_check_ends_the_run_at_once_with_the_summary() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path_includes("/token");
            then.status(200).json_body(
                json!({"access_token": "tok-123456789", "token_type": "Bearer", "expires_in": 900}),
            );
        })
        .await;
    let check = server
        .mock_async(|when, then| {
            when.method(GET).path_includes("list-tenants");
            then.status(200)
                .delay(Duration::from_secs(120))
                .json_body(json!({"items": [], "count": 0, "total": 0}));
        })
        .await;
    let mut cmd = cli(
        &server.base_url(),
        &server.base_url(),
        "client",
        "s3cr3t-value",
        WORKSPACE,
    );
    cmd.args(["collect", "-q"]);
    let child = cmd.stderr(Stdio::piped()).spawn().unwrap();
    let started = std::time::Instant::now();
    while check.calls_async().await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no Central check"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(child.id(), "-INT");
    let out = wait(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(started.elapsed() < Duration::from_secs(60), "ended at once");
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("0 tenants") && stderr.contains("interrupted"),
        "{stderr}"
    );
}
