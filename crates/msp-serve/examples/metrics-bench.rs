//! The cost of `/metrics` at scale: a store of TENANTS tenants (default 5,000) x DEVICES devices
//! (default 20) in two runs, then the first scrape after a run (computed; `serve` does it right
//! after each run, see `Metrics::refresh`) and a scrape between runs (cached), with the two
//! store queries that dominate the first (`status`, `tenant_health`). Prints one JSON object; `cargo run --release -p msp-serve --example
//! metrics-bench -- [TENANTS] [DEVICES]`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use msp_orchestrator::msp_store::{Entry, NewRun, RunStatus, Store};
use msp_serve::Metrics;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a number"));
    let tenants = args.next().unwrap_or(5_000);
    let devices = args.next().unwrap_or(20);
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("bench.sqlite");
    let mut store = Store::open(&db).expect("store");
    let started = Instant::now();
    for generation in 0..2 {
        let run = store
            .begin_run(&NewRun::new("bench", ["serve"], ["devices"]))
            .expect("run");
        let entries: Vec<Entry> = (0..tenants)
            .map(|t| Entry {
                tenant_id: format!("tenant-{t:05}"),
                tenant_name: format!("Tenant {t}"),
                resource: "devices".into(),
                items: (0..devices)
                    .map(|d| {
                        let status = if (t + d + generation) % 17 == 0 { "OFFLINE" } else { "ONLINE" };
                        let kind = ["AP", "SWITCH", "GATEWAY"][d % 3];
                        format!(
                            r#"{{"serialNumber":"SN{t:05}{d:04}","deviceType":"{kind}","status":"{status}"}}"#
                        )
                        .into()
                    })
                    .collect(),
            })
            .collect();
        for chunk in entries.chunks(500) {
            store.write_entries(run, chunk).expect("write");
        }
        store.end_run(run, RunStatus::Complete).expect("end");
    }
    let filled = started.elapsed();
    let t = Instant::now();
    let status = store.status(None, None).expect("status").len();
    let status_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let health = store.tenant_health().expect("health").len();
    let health_ms = t.elapsed().as_secs_f64() * 1e3;
    let metrics = Metrics::open(&db).expect("metrics");
    let t0 = Instant::now();
    let text = metrics.scrape().expect("scrape");
    let computed = t0.elapsed();
    let t1 = Instant::now();
    let again = metrics.scrape().expect("scrape");
    let cached = t1.elapsed();
    assert_eq!(text, again);
    println!(
        r#"{{"tenants":{tenants},"devices_per_tenant":{devices},"fill_s":{:.2},"scrape_after_run_ms":{:.1},"scrape_cached_ms":{:.2},"bytes":{},"series":{},"status_rows":{status},"status_ms":{status_ms:.1},"health_rows":{health},"health_ms":{health_ms:.1}}}"#,
        filled.as_secs_f64(),
        computed.as_secs_f64() * 1e3,
        cached.as_secs_f64() * 1e3,
        text.len(),
        text.lines().filter(|l| !l.starts_with('#')).count()
    );
}
