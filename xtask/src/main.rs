//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask test`: every test of the workspace (unit, contract, simulator, doc tests).
//! - `cargo xtask ci`: what CI runs: format check, clippy with `-D warnings`, the tests, and the
//!   docs with warnings denied.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    match task.as_deref() {
        Some("test") => test(&rest),
        Some("ci") => ci(),
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
         test [ARGS]   run every test of the workspace (extra ARGS go to cargo test)\n  \
         ci            format check, clippy -D warnings, tests, docs with warnings denied"
    );
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args).current_dir(root());
    cmd
}

fn run(mut cmd: Command) -> Result<()> {
    eprintln!("$ {cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn test(extra: &[String]) -> Result<()> {
    let mut cmd = cargo(&["test", "--workspace", "--all-targets"]);
    cmd.args(extra);
    run(cmd)?;
    // Doc tests are not part of --all-targets.
    let mut cmd = cargo(&["test", "--workspace", "--doc"]);
    cmd.args(extra);
    run(cmd)
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
