//! Running cargo from xtask.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `cargo ARGS` in the workspace root (the cargo that runs xtask, when known).
pub(crate) fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args).current_dir(root());
    cmd
}

/// Runs `cmd`, echoing it; a failure is an error.
pub(crate) fn run(mut cmd: Command) -> Result<()> {
    eprintln!("$ {cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

/// The target directory (`cargo metadata`), which honours `CARGO_TARGET_DIR` and config.
pub(crate) fn target_dir() -> Result<PathBuf> {
    let out = cargo(&["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading cargo metadata")?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// The profile of benchmark builds: release code with line tables (`target/profiling`).
pub(crate) const PROFILING: &str = "profiling";

/// Builds the two binaries the end-to-end suite and the bench run (debug, or the
/// [`PROFILING`] profile).
pub(crate) fn build_bins(release: bool) -> Result<()> {
    let mut cmd = cargo(&[
        "build",
        "--package",
        "platform-sim",
        "--package",
        "msp-cli",
        "--bins",
    ]);
    if release {
        cmd.args(["--profile", PROFILING]);
    }
    run(cmd)
}
