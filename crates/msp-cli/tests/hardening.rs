//! The binary against bad numbers and paths: out-of-range flags are configuration errors,
//! `/dev/null` is a fine output, and the secret file's size cap and permission warning. The
//! hostile servers, signals and uncreatable outputs are the end-to-end suite's
//! (`tests/scenarios/hostile.rs`), which runs both binaries as processes.
#![allow(clippy::unwrap_used)]

mod support;

use platform_sim::{SimConfig, Simulator};
use support::{cli, temp_dir};

async fn sim(tenants: usize) -> Simulator {
    Simulator::start(SimConfig {
        tenants,
        max_devices: 5,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_numbers_are_configuration_errors_not_panics() {
    let sim = sim(1).await;
    for value in ["1e30", "0", "-0.5e3", "NaN", "inf"] {
        let arg = format!("--timeout={value}");
        let out = cli(&sim).args(["collect", "-q", &arg]).output().await;
        // Bad configuration: exit 1 (docs/guide.md), with the flag named, before any request.
        out.assert_code(1);
        assert!(out.stderr.contains("--timeout"), "{value}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{value}: {}", out.stderr);
    }
    assert_eq!(sim.stats().total_requests, 0);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_null_is_a_fine_output_for_every_file() {
    // The early open must not assume a regular file: /dev/null cannot be truncated.
    let sim = sim(3).await;
    let mut args = vec!["collect", "-q"];
    for flag in ["--output", "--failed-out", "--report"] {
        args.extend([flag, "/dev/null"]);
    }
    cli(&sim).args(args).output().await.assert_code(0);
    assert!(sim.stats().token_exchanges > 0, "the run went through");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_file_is_size_capped_and_warned_about_when_others_can_read_it() {
    use std::os::unix::fs::PermissionsExt;
    let sim = sim(1).await;
    let secret = sim.credentials().client_secret;
    let dir = temp_dir("secret-file");
    let with_file = |path: &std::path::Path| {
        cli(&sim)
            .env_remove("GLP_CLIENT_SECRET")
            .args(["tenants", "--client-secret-file"])
            .arg(path)
    };
    let huge = dir.path().join("huge");
    std::fs::write(&huge, "x".repeat(100 * 1024)).unwrap();
    let out = with_file(&huge).output().await;
    assert_ne!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("larger than 64 KiB"), "{}", out.stderr);
    assert_eq!(sim.stats().total_requests, 0);

    let open = dir.path().join("open");
    std::fs::write(&open, format!("{secret}\n")).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = with_file(&open).output().await;
    out.assert_code(0);
    assert!(
        out.stderr.contains("readable by other users"),
        "{}",
        out.stderr
    );
}
