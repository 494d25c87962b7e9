//! What the binary's tests share: the binary under test as a [`Cli`] with a cleared
//! environment, pointed at an in-process simulator.
#![allow(dead_code, unused_imports, unreachable_pub)]

use std::path::{Path, PathBuf};

use platform_sim::{SimConfig, Simulator};
pub use test_support::{Cli, Finished, Target, TempDir, temp_dir};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_msp-orchestrator");

/// The binary with an environment of `PATH` alone.
pub fn bin() -> Cli {
    Cli::new(BIN)
}

/// A store at `dir/inventory.sqlite` of two demo snapshots (generations 0 and 1) of `tenants`
/// tenants.
pub fn demo_store(dir: &Path, tenants: &str) -> PathBuf {
    let db = dir.join("inventory.sqlite");
    for generation in ["0", "1"] {
        bin()
            .args(["demo", "--snapshot", "-q", "--tenants", tenants])
            .args(["--generation", generation, "--db"])
            .arg(&db)
            .run()
            .assert_code(0);
    }
    db
}

/// A fresh temporary directory (named after `prefix`) holding a [`demo_store`] of `tenants`
/// tenants, and the store's path.
pub fn temp_store(prefix: &str, tenants: &str) -> (TempDir, PathBuf) {
    let dir = temp_dir(prefix);
    let db = demo_store(dir.path(), tenants);
    (dir, db)
}

/// The binary's command `args` run on the store `db` (`--db` added).
pub fn on_store(db: &Path, args: &[&str]) -> Finished {
    bin().args(args).arg("--db").arg(db).run()
}

/// Each line of `text` (JSON Lines) as JSON.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Asserts that `text` contains every one of `needles`, showing `text` if not.
pub fn assert_says(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "no {needle:?} in: {text}");
    }
}

/// Asserts that `out` ended with the exit code `code` and that its stderr contains every one of
/// `needles`.
pub fn assert_refused(out: &Finished, code: i32, needles: &[&str]) {
    assert_eq!(out.code, Some(code), "{}", out.stderr);
    assert_says(&out.stderr, needles);
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

/// The text of `field` in each item of the list `json[list]` (every item must have it).
pub fn texts(json: &serde_json::Value, list: &str, field: &str) -> Vec<String> {
    json[list]
        .as_array()
        .unwrap_or_else(|| panic!("no list {list:?} in {json}"))
        .iter()
        .map(|item| {
            item[field]
                .as_str()
                .unwrap_or_else(|| panic!("no text {field:?} in {item}"))
                .to_owned()
        })
        .collect()
}
