//! The `platform-sim` binary: endpoint.json, serving, clean stop on SIGTERM.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "platform-sim-test-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts the binary with `args` and `--state-dir` a new temporary folder, and waits (at most
/// 10 s) for its endpoint.json: the child, the folder, the endpoint file and its contents.
async fn start_sim(args: &[&str]) -> (std::process::Child, PathBuf, PathBuf, Value) {
    let dir = temp_dir();
    let child = Command::new(env!("CARGO_BIN_EXE_platform-sim"))
        .args(args)
        .arg("--state-dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let endpoint = dir.join("endpoint.json");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !endpoint.exists() {
        assert!(Instant::now() < deadline, "endpoint.json not written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ep: Value = serde_json::from_slice(&std::fs::read(&endpoint).unwrap()).unwrap();
    (child, dir, endpoint, ep)
}

#[tokio::test]
async fn binary_writes_endpoint_json_serves_and_stops_on_sigterm() {
    let (mut child, dir, endpoint, ep) =
        start_sim(&["--tenants", "3", "--seed", "5", "--token-ttl", "2.5"]).await;
    for f in [
        "glp_base_url",
        "central_base_url",
        "client_id",
        "client_secret",
        "workspace_id",
    ] {
        assert!(ep[f].is_string(), "{f}");
    }
    let base = ep["glp_base_url"].as_str().unwrap();
    assert!(base.starts_with("http://127.0.0.1:"));
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "{base}/authorization/v2/oauth2/{}/token",
            ep["workspace_id"].as_str().unwrap()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", ep["client_id"].as_str().unwrap()),
            ("client_secret", ep["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["expires_in"], 2,
        "fractional TTL is reported rounded down"
    );
    let truth: Value = http
        .get(format!("{base}/_sim/truth"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(truth["tenants"].as_array().unwrap().len(), 3);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}");
    assert!(!endpoint.exists(), "endpoint.json removed on exit");
    let stats: Value =
        serde_json::from_slice(&std::fs::read(dir.join("stats.json")).unwrap()).unwrap();
    assert_eq!(stats["client_credentials_grants"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_knob_is_named_with_its_unit() {
    for (flag, unit) in [("--latency-ms", "milliseconds"), ("--token-ttl", "seconds")] {
        let out = Command::new(env!("CARGO_BIN_EXE_platform-sim"))
            .arg(format!("{flag}=-5"))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{flag}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{flag} must be a non-negative number of {unit}")),
            "{flag}: {stderr}"
        );
    }
}

#[tokio::test]
async fn hostile_secret_flag_gives_a_secret_that_needs_form_encoding() {
    let (mut child, dir, _endpoint, ep) = start_sim(&["--tenants", "1", "--hostile-secret"]).await;
    let secret = ep["client_secret"].as_str().unwrap();
    for c in ['+', '&', ' ', ':', '%'] {
        assert!(secret.contains(c), "{c:?}");
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
