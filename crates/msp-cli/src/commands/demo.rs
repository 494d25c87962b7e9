//! `demo`: `collect` (or `snapshot`) against an embedded simulator.

use msp_orchestrator::Cancel;

#[cfg(not(feature = "demo"))]
use crate::EXIT_USAGE;
use crate::args;
#[cfg(feature = "demo")]
use crate::{EXIT_FATAL, commands, output_target, settings};

#[cfg(feature = "demo")]
pub(crate) async fn demo(
    flags: &args::GlobalArgs,
    args: args::DemoArgs,
    quiet: bool,
    cancel: &Cancel,
) -> u8 {
    use platform_sim::{SimConfig, Simulator};
    let config = SimConfig {
        tenants: args.tenants,
        seed: args.seed,
        generation: args.history.generation,
        latency: std::time::Duration::from_millis(15),
        latency_jitter: std::time::Duration::from_millis(10),
        fail_rate: 0.02,
        drop_rate: 0.005,
        malformed_rate: 0.005,
        central_page_cap: Some(200),
        max_devices: 2500,
        // An MSP on two Central clusters, found as a real one is: `--central-cluster auto`.
        clusters: vec!["US-WEST-4".into(), "EU-1".into()],
        ..SimConfig::default()
    };
    let sim = match Simulator::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("error: cannot start the simulator: {e}");
            return EXIT_FATAL;
        }
    };
    let creds = sim.credentials();
    eprintln!(
        "demo: a simulated MSP with {} tenants at {} (latency and a few transient faults on)",
        args.tenants,
        sim.base_url()
    );
    let url = sim.base_url();
    let env = settings::Options {
        client_id: Some(creds.client_id),
        client_secret: Some(creds.client_secret),
        workspace_id: Some(creds.workspace_id),
        glp_base_url: Some(url),
        central_cluster: Some("auto".into()),
        // Every public cluster's gateway is the simulator's: discovery never leaves this machine.
        cluster_urls: Some(sim.cluster_urls()),
        ..settings::Options::default()
    };
    // The simulator's environment, not the process's: the demo never uses a real account's
    // credentials or URLs (flags and the config file still apply).
    let code = match settings::Layers::with_env(flags, env).and_then(|l| l.resolve(true)) {
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FATAL
        }
        Ok(settings) if args.history.snapshot => {
            let db = args
                .history
                .db
                .unwrap_or_else(|| "demo-inventory.sqlite".into());
            commands::snapshot::run_snapshot(
                settings,
                &args.collect.resources,
                None,
                db.into(),
                quiet,
                cancel,
            )
            .await
        }
        Ok(settings) => {
            let mut collect_args = args.collect;
            let mut existing = output_target::Existing::from_args(&collect_args.out);
            if collect_args.out.output.is_none() {
                // The demo's own file of simulated records is replaced on each run; its
                // extension follows the format.
                let format = collect_args.out.format.unwrap_or_default();
                collect_args.out.output =
                    Some(format!("demo-records.{}", format.extension()).into());
                existing = output_target::Existing::Overwrite;
            }
            commands::collect::run_collect(settings, &collect_args, existing, quiet, cancel).await
        }
    };
    sim.shutdown().await;
    code
}

#[cfg(not(feature = "demo"))]
pub(crate) async fn demo(
    _flags: &args::GlobalArgs,
    _args: args::DemoArgs,
    _quiet: bool,
    _cancel: &Cancel,
) -> u8 {
    eprintln!("error: this build has no simulator; rebuild with the `demo` feature");
    EXIT_USAGE
}
