//! Issue 23's soak on fake time: `serve`'s loop (`run_on_schedule` and [`Run::once`]: a real
//! snapshot against the simulator in this process, `--keep 3`, the metrics computed and
//! scraped; 8 tenants of up to 40 devices, no pacing) for many cycles of `--every 15m` without waiting them: tokio's clock is paused
//! between two runs (it jumps to the next tick at once) and runs on real time during each (the
//! HTTP timeouts stay real). Memory stays flat: the peak RSS at the end is within 10% of the
//! peak at the tenth cycle.
//!
//! 100 cycles here; `cargo xtask soak` runs the same test for 1,000 (`MSP_SOAK_CYCLES`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use msp_orchestrator::msp_store::PruneBy;
use msp_orchestrator::{Cancel, StopLevel};
use msp_serve::{Dashboard, Metrics, Schedule};
use platform_sim::{SimConfig, Simulator};

use super::Run;
use crate::args::Cli;
use crate::settings::{Layers, Options};

/// The cycles to run: `MSP_SOAK_CYCLES`, else 100.
fn cycles() -> usize {
    std::env::var("MSP_SOAK_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
        .max(20)
}

#[test]
fn serve_s_loop_on_fake_time_keeps_its_peak_memory_flat() {
    let test = "commands::serve::soak::serve_s_loop_on_fake_time_keeps_its_peak_memory_flat";
    if test_support::process::own_peak_rss_kib().is_none() {
        test_support::skip(test, "no /proc/self/status here to read the peak RSS from");
        return;
    }
    let cycles = cycles();
    let dir = tempfile::tempdir().unwrap();
    // The simulator on a runtime of its own (real time).
    let sim_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = sim_runtime
        .block_on(Simulator::start(SimConfig {
            tenants: 8,
            max_devices: 40,
            // The simulator shares this process: left to keep every token it issues (~2 KiB
            // a cycle), it would be the growth measured, not serve.
            remember_tokens: Some(100),
            ..SimConfig::default()
        }))
        .unwrap();
    let creds = sim.credentials();
    let env = Options {
        client_id: Some(creds.client_id),
        client_secret: Some(creds.client_secret),
        workspace_id: Some(creds.workspace_id),
        glp_base_url: Some(sim.base_url()),
        central_cluster: Some("auto".into()),
        // No client-side pacing: the loop, not the rate, is what is soaked.
        rate: Some(100_000.0),
        glp_rate: Some(100_000.0),
        cluster_urls: Some(sim.cluster_urls()),
        ..Options::default()
    };
    // No configuration file but an empty one: the test's user's file never counts.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let global = Cli::parse_recording([
        "msp-orchestrator",
        "--config",
        config.to_str().unwrap(),
        "config",
        "show",
    ])
    .unwrap()
    .global;
    let db = dir.path().join("soak.sqlite");
    let metrics = Arc::new(Metrics::open(&db).unwrap());
    let dashboard = Arc::new(Dashboard::open(&db).unwrap());

    // serve's own runtime: one thread, its clock paused between runs.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let done = Cell::new(0usize);
    let at_ten = Cell::new(0u64);
    let scraped = Cell::new(0usize);
    let cancel = Cancel::new();
    runtime.block_on(async {
        tokio::time::pause();
        let mut rng = fastrand::Rng::with_seed(23);
        let schedule = Schedule::every(Duration::from_secs(15 * 60));
        let started = tokio::time::Instant::now();
        msp_serve::run_on_schedule(schedule, &mut rng, &cancel, || {
            let run = Run {
                resources: &[],
                db: db.clone().into(),
                retention: Some(PruneBy::Keep(3)),
                notifier: None,
                metrics: metrics.clone(),
                dashboard: dashboard.clone(),
            };
            let (global, env, metrics, cancel) = (&global, &env, metrics.clone(), &cancel);
            let (done, at_ten, scraped) = (&done, &at_ten, &scraped);
            async move {
                tokio::time::resume();
                run.once(
                    || {
                        Layers::with_env(global, env.clone())
                            .and_then(|l| l.resolve(true))
                            .map_err(|e| e.to_string())
                    },
                    cancel,
                )
                .await;
                let text = metrics.scrape().unwrap();
                assert!(
                    text.contains(&format!(
                        "glp_msp_runs_total{{outcome=\"complete\"}} {}",
                        done.get() + 1
                    )),
                    "run {} did not complete: {text}",
                    done.get() + 1
                );
                scraped.set(text.len());
                done.set(done.get() + 1);
                if done.get() == 10 {
                    at_ten.set(test_support::process::own_peak_rss_kib().unwrap());
                }
                if done.get() % 100 == 0 {
                    eprintln!(
                        "soak: cycle {}: peak RSS {} KiB",
                        done.get(),
                        test_support::process::own_peak_rss_kib().unwrap()
                    );
                }
                if done.get() == cycles {
                    cancel.stop(StopLevel::Drain);
                }
                tokio::time::pause();
            }
        })
        .await;
        // Every tick was waited for on the paused clock: about 15 minutes a cycle went by.
        let fake = tokio::time::Instant::now() - started;
        assert!(
            fake >= Duration::from_secs(15 * 60) * (cycles as u32 - 1),
            "{fake:?}"
        );
    });
    let end = test_support::process::own_peak_rss_kib().unwrap();
    let ten = at_ten.get();
    eprintln!(
        "soak: {cycles} cycles of serve (8 tenants, --keep 3, {} bytes of /metrics): peak RSS \
         {ten} KiB at cycle 10, {end} KiB at the end ({:.1}%)",
        scraped.get(),
        (end as f64 / ten as f64 - 1.0) * 100.0
    );
    assert_eq!(done.get(), cycles);
    assert!(
        end as f64 <= ten as f64 * 1.10,
        "peak RSS grew from {ten} KiB at cycle 10 to {end} KiB after {cycles} cycles"
    );
    sim_runtime.block_on(sim.shutdown());
}
