//! `cargo xtask bench`, issue 13: the inventory store's targets. The figures come from the
//! release build of `msp-store`'s `store-bench` example (writes and sizes) and of the
//! `msp-orchestrator diff` command (time and peak RSS of a diff of two large runs).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use glp_msp_e2e::{Bins, Finished, Proc, Workdir};
use serde::Serialize;
use serde_json::Value;

use crate::cargo::{cargo, run, target_dir};

/// One line of a table of measures (the store's, `serve`'s, the dashboard's).
#[derive(Debug, Serialize)]
pub(crate) struct MeasureRow {
    pub(crate) measure: String,
    pub(crate) size: String,
    pub(crate) figure: String,
    pub(crate) target: String,
    pub(crate) met: Option<bool>,
}

/// Builds the example `example` of `package` with the profiling profile; its path.
pub(crate) fn build_example(package: &str, example: &str) -> Result<std::path::PathBuf> {
    run(cargo(&[
        "build",
        "--profile",
        crate::cargo::PROFILING,
        "--package",
        package,
        "--example",
        example,
    ]))?;
    Ok(target_dir()?
        .join(crate::cargo::PROFILING)
        .join("examples")
        .join(example))
}

pub(crate) fn spawn(name: &str, cmd: Command, dir: &Path) -> Result<Finished> {
    let finished = Proc::spawn(name, cmd, dir)?.wait(Duration::from_secs(900))?;
    Ok(finished)
}

pub(crate) fn json_of(finished: &Finished, what: &str) -> Result<Value> {
    if finished.code != Some(0) {
        bail!(
            "{what} exited with {:?}: {}",
            finished.code,
            glp_msp_e2e::proc::tail(&finished.stderr, 20)
        );
    }
    serde_json::from_str(finished.stdout.trim()).with_context(|| format!("{what}'s output"))
}

pub(crate) fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

/// The store's rows: 5,000 tenants x 100 devices (1,000 with `--quick`) for the writes and the
/// diff; 30 daily runs of 500 tenants x 100 devices (100 with `--quick`) for the size.
pub(crate) fn rows(bins: &Bins, quick: bool) -> Result<Vec<MeasureRow>> {
    let example = build_example("msp-store", "store-bench")?;
    let wd = Workdir::new("bench-store")?;
    let dir = wd.run("");
    let (tenants, size_tenants) = if quick { (1000, 100) } else { (5000, 500) };
    let devices = 100;
    let mut out = Vec::new();

    let db = wd.run("two-runs.sqlite");
    let mut cmd = Command::new(&example);
    cmd.arg("write")
        .arg(&db)
        .args([tenants.to_string(), devices.to_string()]);
    let written = json_of(&spawn("store-bench-write", cmd, &dir)?, "store-bench write")?;
    let size = format!("{tenants} tenants x {devices} devices");
    for (label, key) in [
        (
            "write, first snapshot (every item new)",
            "first_run_records_per_s",
        ),
        (
            "write, next snapshot (2% changed)",
            "second_run_records_per_s",
        ),
    ] {
        let rate = f(&written, key);
        out.push(MeasureRow {
            measure: label.into(),
            size: size.clone(),
            figure: format!("{rate:.0} records/s"),
            target: ">= 100,000 records/s".into(),
            met: Some(rate >= 100_000.0),
        });
    }

    let mut diff = Command::new(&bins.orchestrator);
    diff.args(["diff", "1", "2", "--format", "jsonl", "--db"])
        .arg(&db)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    let finished = spawn("diff", diff, &dir)?;
    if finished.code != Some(1) {
        bail!(
            "diff of two different runs exited with {:?}, not 1: {}",
            finished.code,
            glp_msp_e2e::proc::tail(&finished.stderr, 20)
        );
    }
    let wall = finished.elapsed.as_secs_f64();
    let rss = finished.usage.peak_rss_kib.map(|k| k as f64 / 1024.0);
    out.push(MeasureRow {
        measure: format!(
            "diff of two runs ({} changes)",
            finished.stdout.lines().count()
        ),
        size,
        figure: format!(
            "{wall:.2} s, peak RSS {}",
            rss.map_or_else(|| "n/a".to_owned(), |m| format!("{m:.1} MiB"))
        ),
        target: "< 3 s, < 128 MiB".into(),
        met: rss.map(|m| wall < 3.0 && m < 128.0),
    });

    // What a user's disk holds once the command has exited (the store closed, its last
    // checkpoint made): the file and any `-wal` / `-shm` beside it, measured after the process
    // ends. The example's own figures are read while its store is open, when the first run may
    // still sit in the WAL (it printed 0.0 MiB for one run): one process writes one day, another
    // thirty days.
    let days_on_disk = |days: u32, file: &str| -> Result<u64> {
        let db = wd.run(file);
        let mut cmd = Command::new(&example);
        cmd.arg("size").arg(&db).args([
            size_tenants.to_string(),
            devices.to_string(),
            days.to_string(),
        ]);
        json_of(
            &spawn(&format!("store-bench-size-{days}"), cmd, &dir)?,
            "store-bench size",
        )?;
        Ok(disk_bytes(&db))
    };
    let one = days_on_disk(1, "one-day.sqlite")? as f64;
    let all = days_on_disk(30, "daily.sqlite")? as f64;
    let records = (size_tenants * devices) as f64;
    let ratio = all / one.max(1.0);
    out.push(MeasureRow {
        measure: "size of 30 daily runs, 2% of devices changing per day".into(),
        size: format!("{size_tenants} tenants x {devices} devices"),
        figure: format!(
            "{ratio:.2}x one run ({:.1} MiB vs {:.1} MiB on disk after exit; {:.0} B per device in the first run, {:.1} B per device per later run)",
            all / 1048576.0,
            one / 1048576.0,
            one / records,
            (all - one) / records / 29.0,
        ),
        target: "< 3x one run".into(),
        met: Some(ratio < 3.0),
    });
    Ok(out)
}

/// A table of measures, as Markdown; `what` names its measures (`store`, `dashboard`).
pub(crate) fn table(what: &str, rows: &[MeasureRow]) -> String {
    let mut out =
        format!("| {what} measure | size | figure | target | met |\n|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.measure,
            r.size,
            r.figure,
            r.target,
            // A row without a target is informational.
            if r.target.is_empty() {
                "-"
            } else {
                crate::bench::verdict(r.met)
            }
        );
    }
    out
}

/// The bytes `db` takes on disk with its `-wal` and `-shm` files, as `du` would count them
/// after the writing process ended (apparent sizes).
fn disk_bytes(db: &std::path::Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            std::fs::metadata(std::path::Path::new(&name)).map_or(0, |m| m.len())
        })
        .sum()
}
