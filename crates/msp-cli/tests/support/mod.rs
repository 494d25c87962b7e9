//! What the binary's tests share: the binary under test as a [`Cli`] with a cleared
//! environment, pointed at an in-process simulator.
#![allow(dead_code, unused_imports, unreachable_pub)]

use platform_sim::{SimConfig, Simulator};
pub use test_support::{Cli, Finished, Target, temp_dir};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_msp-orchestrator");

/// The binary with an environment of `PATH` alone.
pub fn bin() -> Cli {
    Cli::new(BIN)
}

/// The simulator's credential, with GreenLake and Central both at its URL.
pub fn target(sim: &Simulator) -> Target {
    let creds = sim.credentials();
    Target::new(
        creds.client_id,
        creds.client_secret,
        creds.workspace_id,
        sim.base_url(),
    )
}

/// The binary pointed at `sim`, logs off.
pub fn cli(sim: &Simulator) -> Cli {
    bin().target(&target(sim)).log("off")
}

/// The truth of `sim` as JSON.
pub fn truth(sim: &Simulator) -> serde_json::Value {
    serde_json::to_value(sim.truth()).expect("the truth is JSON")
}

/// `counts[resource]` summed over every tenant of `truth`.
pub fn total(truth: &serde_json::Value, resource: &str) -> u64 {
    truth["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| t["counts"][resource].as_u64().expect("a count"))
        .sum()
}

/// A simulator of `tenants` tenants, otherwise default.
pub async fn sim(tenants: usize) -> Simulator {
    sim_with(SimConfig {
        tenants,
        ..SimConfig::default()
    })
    .await
}

/// A simulator of `tenants` tenants whose world is drawn from `seed`.
pub async fn seeded_sim(tenants: usize, seed: u64) -> Simulator {
    sim_with(SimConfig {
        tenants,
        seed,
        ..SimConfig::default()
    })
    .await
}

/// A simulator of `tenants` tenants whose client secret needs form-encoding
/// ([`SimConfig::hostile_secret`]).
pub async fn hostile_sim(tenants: usize) -> Simulator {
    sim_with(SimConfig {
        tenants,
        hostile_secret: true,
        ..SimConfig::default()
    })
    .await
}

/// A simulator of `config`.
pub async fn sim_with(config: SimConfig) -> Simulator {
    Simulator::start(config)
        .await
        .expect("the simulator starts")
}
