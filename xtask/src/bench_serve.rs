//! `cargo xtask bench`, issue 23: `serve`'s `/metrics` at 5,000 tenants, from the store. A
//! store of two runs written by `msp-store`'s `store-bench write` (as the store's rows are),
//! then `msp-serve`'s `metrics-bench` example: `Metrics::refresh` (what `serve` computes after
//! each run) and scrapes over HTTP of `msp-serve`'s own server (release builds).

use anyhow::Result;
use glp_msp_e2e::Workdir;

use crate::bench_store::{MeasureRow, build_example, f, json_of, spawn};

/// What `--only` matches to run these rows alone (`cargo xtask bench --only metrics`).
pub(crate) const NAME: &str = "serve /metrics";

/// The rows: 5,000 tenants in both modes (the target's size) of 100 devices each (20 with
/// `--quick`); 300 scrapes (100 with `--quick`).
pub(crate) fn rows(quick: bool) -> Result<Vec<MeasureRow>> {
    let writer = build_example("msp-store", "store-bench")?;
    let bench = build_example("msp-serve", "metrics-bench")?;
    let wd = Workdir::new("bench-serve")?;
    let dir = wd.run("");
    let tenants = 5000;
    let (devices, scrapes) = if quick { (20, 100) } else { (100, 300) };
    let db = wd.run("serve.sqlite");
    let mut cmd = std::process::Command::new(&writer);
    cmd.arg("write")
        .arg(&db)
        .args([tenants.to_string(), devices.to_string()]);
    json_of(&spawn("store-bench-write", cmd, &dir)?, "store-bench write")?;
    let mut cmd = std::process::Command::new(&bench);
    cmd.arg(&db).arg(scrapes.to_string());
    let got = json_of(&spawn("metrics-bench", cmd, &dir)?, "metrics-bench")?;
    let size = format!(
        "{} tenants x {devices} devices, {:.0} series, {:.0} KiB",
        f(&got, "tenants"),
        f(&got, "series"),
        f(&got, "bytes") / 1024.0
    );
    let (median, p95) = (f(&got, "scrape_median_ms"), f(&got, "scrape_p95_ms"));
    Ok(vec![
        MeasureRow {
            measure: format!("{NAME} scrape over HTTP ({scrapes} scrapes)"),
            size: size.clone(),
            figure: format!(
                "median {median:.1} ms, p95 {p95:.1} ms, max {:.1} ms",
                f(&got, "scrape_max_ms")
            ),
            target: "< 100 ms (p95)".into(),
            met: Some(p95 < 100.0),
        },
        MeasureRow {
            measure: "serve: Metrics::refresh after a run (informational)".into(),
            size,
            figure: format!(
                "{:.0} ms (store queries: status {:.0} ms, tenant health {:.0} ms)",
                f(&got, "refresh_ms"),
                f(&got, "status_ms"),
                f(&got, "health_ms")
            ),
            target: String::new(),
            met: None,
        },
    ])
}
