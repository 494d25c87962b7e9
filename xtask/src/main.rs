//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask test`: every test of the workspace (unit, contract, simulator, doc tests),
//!   then the end-to-end suite; each part ends with `LABEL: N passed, N failed, N skipped`, a
//!   test that could not run here (`test_support::skip`) counted as skipped, never as passed.
//! - `cargo xtask integration`: the end-to-end suite alone: the real `platform-sim` and
//!   `msp-orchestrator` binaries as processes, one scenario per simulator; also the vendor's
//!   Python SDK against the simulator (a venv cached in `target/vendor-sdk/`; skipped where
//!   python3 or PyPI is missing).
//! - `cargo xtask bench [--quick] [--only NAME]`: the performance scenarios on release builds
//!   (with `--only`, those whose name holds NAME; `--only metrics`: `serve`'s `/metrics` rows
//!   alone); a table, and `target/bench/report.json`.
//! - `cargo xtask soak [CYCLES]`: `serve`'s loop on fake time for CYCLES cycles (default
//!   1,000; the test suite runs 100): a snapshot against the simulator, `--keep 3`, the
//!   metrics, each run; fails unless the peak RSS at the end is within 10% of the tenth
//!   cycle's.
//! - `cargo xtask conformance --specs DIR`: the simulator, through our client, behind Stoplight
//!   Prism validating against HPE's published OpenAPI specs (DIR: the `vendor` folder of the
//!   pinned download, see tests/README.md); every violation printed, non-zero on any. Not in CI.
//! - `cargo xtask man`: the man pages of `msp-orchestrator`, written to `target/man/`
//!   (`msp-orchestrator.1` and one per command: `msp-orchestrator-collect.1`, ...).
//! - `cargo xtask ci`: what CI runs: format check, clippy with `-D warnings`, the tests, and the
//!   docs with warnings denied.

mod bench;
mod bench_dashboard;
mod bench_serve;
mod bench_store;
mod cargo;
mod conformance;
mod tally;

use anyhow::{Context as _, Result, bail};

use cargo::{build_bins, cargo, run};
use tally::{Tally, run_counted};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    // `-h` after a task of ours is a request for the tasks' help, not an unknown option
    // (`test` and `integration` hand theirs to cargo test).
    let asks_help = rest.iter().any(|a| a == "-h" || a == "--help");
    match task.as_deref() {
        Some("bench" | "soak" | "ci" | "conformance" | "man") if asks_help => {
            print_help();
            Ok(())
        }
        Some("test") => test(&rest),
        Some("integration") => integration(&rest),
        Some("bench") => bench::run(&rest),
        Some("soak") => soak(&rest),
        Some("ci") => ci(),
        Some("conformance") => conformance::run(&rest),
        Some("man") => man(),
        Some("help" | "--help" | "-h") | None => {
            print_help();
            Ok(())
        }
        Some(other) => {
            print_help();
            bail!("unknown task `{other}`")
        }
    }
}

fn print_help() {
    eprintln!(
        "usage: cargo xtask <task>\n\n\
         tasks:\n  \
         test [ARGS]          every test of the workspace, then the end-to-end suite\n                       \
         (extra ARGS go to cargo test)\n  \
         integration [ARGS]   the end-to-end suite: real platform-sim and msp-orchestrator\n                       \
         processes (extra ARGS go to the test binary, e.g. a name filter)\n  \
         bench [--quick] [--only NAME]\n                       \
         performance scenarios on release builds; writes\n                       \
         target/bench/report.json (--quick: under a minute; --only: the\n                       \
         scenarios named with NAME, `--only metrics`: serve's /metrics)\n  \
         soak [CYCLES]        serve's loop on fake time, CYCLES cycles (default 1000): peak\n                       \
         RSS at the end within 10% of the tenth cycle's\n  \
         conformance --specs DIR\n                       \
         the simulator through our client and Stoplight Prism, validating\n                       \
         proxy of HPE's OpenAPI specs (DIR: the pinned vendor/ folder, see\n                       \
         tests/README.md); non-zero on any violation\n  \
         man                  the man pages: target/man/msp-orchestrator.1 and one per\n                       \
         command (msp-orchestrator-collect.1, ...)\n  \
         ci                   format check, clippy -D warnings, tests, docs with warnings denied"
    );
}

/// The package of the end-to-end suite (the top-level `tests/` directory).
const E2E: &str = "glp-msp-e2e";

fn test(extra: &[String]) -> Result<()> {
    let skips = fresh_skips_file()?;
    let mut total = Tally::default();
    let mut cmd = cargo(&["test", "--workspace", "--all-targets", "--exclude", E2E]);
    cmd.args(extra);
    total.add(&run_counted("workspace", cmd, &skips)?);
    // Doc tests are not part of --all-targets.
    let mut cmd = cargo(&["test", "--workspace", "--doc"]);
    cmd.args(extra);
    total.add(&run_counted("doc", cmd, &skips)?);
    total.add(&e2e(&[], &skips)?);
    total.print("tests");
    Ok(())
}

fn integration(extra: &[String]) -> Result<()> {
    let skips = fresh_skips_file()?;
    e2e(extra, &skips).map(drop)
}

/// The end-to-end suite, counted; a scenario that could not run here is reported as skipped.
fn e2e(extra: &[String], skips: &std::path::Path) -> Result<Tally> {
    // The suite runs the binaries, so build them first (same profile and target directory as
    // the test, where the harness looks for them).
    build_bins(false)?;
    let mut cmd = cargo(&["test", "--package", E2E, "--"]);
    cmd.args(extra);
    run_counted("e2e", cmd, skips)
}

/// The skip record of this run (`target/test-skips.txt`), emptied.
fn fresh_skips_file() -> Result<std::path::PathBuf> {
    let path = cargo::target_dir()?.join(test_support::skip::SKIPS_FILE_NAME);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(path),
    }
}

/// `serve`'s soak (issue 23): the test suite's soak of `serve`'s loop on fake time, with
/// CYCLES cycles (default 1,000) instead of its 100.
fn soak(rest: &[String]) -> Result<()> {
    let cycles: usize = match rest {
        [] => 1000,
        [n] => n
            .parse()
            .with_context(|| format!("`{n}` is no number of cycles"))?,
        _ => bail!("usage: cargo xtask soak [CYCLES]"),
    };
    let mut cmd = cargo(&[
        "test",
        "--package",
        "msp-cli",
        "--bin",
        "msp-orchestrator",
        "--",
        "--exact",
        "commands::serve::soak::serve_s_loop_on_fake_time_keeps_its_peak_memory_flat",
        "--nocapture",
    ]);
    cmd.env("MSP_SOAK_CYCLES", cycles.to_string())
        .env("CI", "true");
    run(cmd)
}

/// Renders the man pages with the binary's own definition (its hidden `man DIR` command), so
/// they match `--help`: `msp-orchestrator.1` and one page per command.
fn man() -> Result<()> {
    use anyhow::Context as _;
    let dir = cargo::target_dir()?.join("man");
    let mut cmd = cargo(&["run", "--quiet", "--package", "msp-cli", "--", "man"]);
    cmd.arg(&dir);
    eprintln!("$ {cmd:?}");
    let out = cmd.output().context("running msp-orchestrator man")?;
    if !out.status.success() {
        anyhow::bail!(
            "msp-orchestrator man failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let pages = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "wrote {} man pages to {} (view one with: man {})",
        pages.lines().count(),
        dir.display(),
        dir.join("msp-orchestrator-collect.1").display()
    );
    Ok(())
}

fn ci() -> Result<()> {
    run(cargo(&["fmt", "--all", "--", "--check"]))?;
    run(cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    test(&[])?;
    let mut doc = cargo(&["doc", "--workspace", "--no-deps"]);
    doc.env("RUSTDOCFLAGS", "-D warnings");
    run(doc)
}
