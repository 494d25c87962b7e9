//! The cost of the dashboard's overview (`/`) at scale: a store of TENANTS tenants (default
//! 5,000) x DEVICES devices (default 20) and their open alerts, in two runs; then the overview
//! page's first request after a run (computed) and five more (kept until a run ends): the
//! slowest and the median. Prints one JSON object; `cargo run --release -p msp-serve --example dashboard-bench
//! -- [TENANTS] [DEVICES]`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use msp_orchestrator::msp_store::{Entry, NewRun, RunStatus, Store};
use msp_serve::Dashboard;

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
            .begin_run(&NewRun::new("bench", ["serve"], ["devices", "alerts"]))
            .expect("run");
        let mut entries: Vec<Entry> = Vec::with_capacity(2 * tenants);
        for t in 0..tenants {
            let device = |d: usize| {
                let status = if (t + d + generation).is_multiple_of(17) {
                    "OFFLINE"
                } else {
                    "ONLINE"
                };
                let kind = ["AP", "SWITCH", "GATEWAY"][d % 3];
                format!(
                    r#"{{"serialNumber":"SN{t:05}{d:04}","deviceType":"{kind}","status":"{status}"}}"#
                )
                .into()
            };
            entries.push(Entry {
                tenant_id: format!("tenant-{t:05}"),
                tenant_name: format!("Tenant {t}"),
                resource: "devices".into(),
                items: (0..devices).map(device).collect(),
            });
            let severity = ["Critical", "Major", "Minor"][t % 3];
            entries.push(Entry {
                tenant_id: format!("tenant-{t:05}"),
                tenant_name: format!("Tenant {t}"),
                resource: "alerts".into(),
                items: vec![
                    format!(
                        r#"{{"id":"{t}-{generation}","severity":"{severity}","status":"Active"}}"#
                    )
                    .into(),
                ],
            });
        }
        for chunk in entries.chunks(500) {
            store.write_entries(run, chunk).expect("write");
        }
        store.end_run(run, RunStatus::Complete).expect("end");
    }
    let filled = started.elapsed();
    drop(store);
    let dashboard = Dashboard::open(&db).expect("dashboard");
    let t = Instant::now();
    let html = dashboard.overview_html().expect("overview");
    let first = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(html.matches("data-tenant-id=").count(), tenants);
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let again = dashboard.overview_html().expect("overview");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(again.len(), html.len());
    }
    times.sort_by(f64::total_cmp);
    println!(
        r#"{{"tenants":{tenants},"devices_per_tenant":{devices},"fill_s":{:.2},"overview_after_run_ms":{first:.1},"overview_median_ms":{:.1},"overview_max_ms":{:.1},"bytes":{}}}"#,
        filled.as_secs_f64(),
        times[times.len() / 2],
        times[times.len() - 1],
        html.len(),
    );
}
