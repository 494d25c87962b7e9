use msp_orchestrator::msp_store::{
    Incomplete, NewRun, RunHost, RunId, RunStatus, RunTenant, TenantDuration,
};
use std::path::Path;

use super::*;

fn device(serial: &str, kind: &str, status: &str) -> String {
    format!(r#"{{"serialNumber":"{serial}","deviceType":"{kind}","status":"{status}"}}"#)
}

fn host(family: &str, requests: u64, rate_limited: u64, learned_rate: Option<f64>) -> RunHost {
    RunHost {
        host: "http://127.0.0.1:1".into(),
        family: family.into(),
        requests,
        rate_limited,
        learned_rate,
    }
}

fn alert(id: &str, severity: &str, status: &str) -> String {
    format!(r#"{{"id":"{id}","severity":"{severity}","status":"{status}"}}"#)
}

/// Begins a `serve` run of devices and alerts.
fn begin(store: &mut Store) -> RunId {
    store
        .begin_run(&NewRun::new("t", ["serve"], ["devices", "alerts"]))
        .expect("run")
}

/// Writes `items` as the entry of `resource` of the tenant `(id, name)` in `run`.
fn write(
    store: &mut Store,
    run: RunId,
    (id, name): (&str, &str),
    resource: &str,
    items: &[String],
) {
    store
        .write_entry(run, id, name, resource, items.iter().map(String::as_str))
        .expect(resource);
}

/// Notes how long each `(tenant id, milliseconds)` took in `run` (where the engine's
/// measure would be written), each tenant placed in the run first as its records place it.
fn durations(store: &mut Store, run: RunId, took: &[(&str, u64)]) {
    let workspace = |id: &str| format!("ws-{id}");
    let places: Vec<RunTenant> = took
        .iter()
        .map(|(id, _)| RunTenant {
            tenant_id: (*id).into(),
            workspace_id: workspace(id),
            ..Default::default()
        })
        .collect();
    store.write_tenants(run, &places).expect("places");
    let took: Vec<TenantDuration> = took
        .iter()
        .map(|(id, ms)| TenantDuration {
            tenant_id: (*id).into(),
            workspace_id: workspace(id),
            duration_ms: *ms,
        })
        .collect();
    store.write_durations(run, &took).expect("durations");
}

/// Two tenants: Alpha with 2 APs (one offline), a switch and two open alerts; Beta, whose
/// name needs escaping, failed in the second run. Alpha's collections took 1.25 s then
/// 0.75 s, Beta's 2 s then 0.5 s (failed).
fn small_store(dir: &Path) -> Store {
    const ALPHA: (&str, &str) = ("t-a", "Alpha");
    const BETA: (&str, &str) = ("t-b", "Be\"ta\n");
    let mut store = Store::open(dir.join("s.sqlite")).expect("store");
    let alpha = [
        device("A1", "AP", "ONLINE"),
        device("A2", "AP", "OFFLINE"),
        device("S1", "SWITCH", "ONLINE"),
    ];
    let alerts = [
        alert("1", "Critical", "Active"),
        alert("2", "Minor", "Active"),
        alert("3", "Major", "Cleared"),
    ];
    let beta = [device("B1", "ACCESS_POINT", "ONLINE")];
    let run = begin(&mut store);
    write(&mut store, run, ALPHA, "devices", &alpha);
    write(&mut store, run, ALPHA, "alerts", &alerts);
    write(&mut store, run, BETA, "devices", &beta);
    write(&mut store, run, BETA, "alerts", &[]);
    durations(&mut store, run, &[(ALPHA.0, 1250), (BETA.0, 2000)]);
    store.end_run(run, RunStatus::Complete).expect("end");
    let run = begin(&mut store);
    write(&mut store, run, ALPHA, "devices", &alpha);
    write(&mut store, run, ALPHA, "alerts", &alerts);
    for resource in ["devices", "alerts"] {
        store
            .note_incomplete(run, BETA.0, BETA.1, resource, Incomplete::Failed, "503")
            .expect("failed");
    }
    durations(&mut store, run, &[(ALPHA.0, 750), (BETA.0, 500)]);
    store
        .write_hosts(
            run,
            &[
                host("central", 40, 3, Some(2.5)),
                host("greenlake/workspaces", 2, 0, None),
            ],
        )
        .expect("hosts");
    store.end_run(run, RunStatus::Partial).expect("end 2");
    store
}

/// The value of the sample `name{labels}` in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[test]
fn a_small_store_renders_per_tenant_devices_aps_down_alerts_and_health() {
    let dir = tempfile::tempdir().expect("dir");
    let store = small_store(dir.path());
    let text = render_store(&store).expect("render");
    let alpha = r#"tenant_id="t-a",tenant_name="Alpha""#;
    let beta = r#"tenant_id="t-b",tenant_name="Be\"ta\n""#;
    let devices = |who: &str, kind: &str, status: &str| {
        format!(
            r#"glp_msp_devices{{{who},resource="devices",device_type="{kind}",status="{status}"}}"#
        )
    };
    let expect = [
        (devices(alpha, "AP", "ONLINE"), 1.0),
        (devices(alpha, "AP", "OFFLINE"), 1.0),
        (devices(alpha, "SWITCH", "ONLINE"), 1.0),
        (devices(beta, "ACCESS_POINT", "ONLINE"), 1.0),
        (
            format!(r#"glp_msp_aps_down{{{alpha},resource="devices"}}"#),
            1.0,
        ),
        (
            format!(r#"glp_msp_aps_down{{{beta},resource="devices"}}"#),
            0.0,
        ),
        (
            format!(r#"glp_msp_open_alerts{{{alpha},severity="Critical"}}"#),
            1.0,
        ),
        (
            format!(r#"glp_msp_open_alerts{{{alpha},severity="Minor"}}"#),
            1.0,
        ),
        (
            format!("glp_msp_tenant_consecutive_failures{{{alpha}}}"),
            0.0,
        ),
        (
            format!("glp_msp_tenant_consecutive_failures{{{beta}}}"),
            1.0,
        ),
        // Each tenant's newest complete collection: Beta's is run 1's.
        (
            format!("glp_msp_tenant_last_success_duration_seconds{{{alpha}}}"),
            0.75,
        ),
        (
            format!("glp_msp_tenant_last_success_duration_seconds{{{beta}}}"),
            2.0,
        ),
        ("glp_msp_tenants".to_owned(), 2.0),
        ("glp_msp_last_run_id".to_owned(), 2.0),
        ("glp_msp_last_run_complete".to_owned(), 0.0),
        (
            r#"glp_msp_api_last_run_requests{host="http://127.0.0.1:1",family="central"}"#.into(),
            40.0,
        ),
        (
            r#"glp_msp_api_last_run_rate_limited{host="http://127.0.0.1:1",family="central"}"#
                .into(),
            3.0,
        ),
        (
            r#"glp_msp_api_learned_rate_per_second{host="http://127.0.0.1:1",family="central"}"#
                .into(),
            2.5,
        ),
    ];
    for (series, value) in expect {
        assert_eq!(sample(&text, &series), Some(value), "{series} in\n{text}");
    }
    // A cleared alert is not open; both tenants have a last success (Beta in run 1).
    assert!(!text.contains(r#"severity="Major""#), "{text}");
    for who in [alpha, beta] {
        let series = format!("glp_msp_tenant_last_success_timestamp_seconds{{{who}}}");
        assert!(
            sample(&text, &series).is_some_and(|t| t > 1.7e9),
            "{series}\n{text}"
        );
    }
    for name in [
        "glp_msp_last_run_end_timestamp_seconds",
        "glp_msp_last_run_duration_seconds",
        "glp_msp_last_success_timestamp_seconds",
        "glp_msp_last_success_duration_seconds",
    ] {
        assert!(sample(&text, name).is_some(), "{name}\n{text}");
    }
    assert!(!text.contains("# EOF"), "the store's part is not the end");
}

#[test]
fn a_scrape_is_computed_once_per_finished_run() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = small_store(dir.path());
    let metrics = Metrics::open(dir.path().join("s.sqlite")).expect("metrics");
    assert!(metrics.ready().expect("ready"));
    let first = metrics.scrape().expect("scrape");
    assert!(first.ends_with("# EOF\n"));
    // A run being written changes nothing until it ends.
    let run = store
        .begin_run(&NewRun::new("t", ["serve"], ["devices"]))
        .expect("run 3");
    let more = [device("A9", "AP", "OFFLINE")];
    write(&mut store, run, ("t-c", "Gamma"), "devices", &more);
    store
        .write_hosts(run, &[host("central", 7, 1, None)])
        .expect("hosts");
    assert_eq!(metrics.scrape().expect("scrape"), first);
    // The runs before this process started are not in its counters.
    let central = r#"{host="http://127.0.0.1:1",family="central"}"#;
    assert_eq!(
        sample(&first, &format!("glp_msp_api_requests_total{central}")),
        None
    );
    store.end_run(run, RunStatus::Partial).expect("end");
    metrics.refresh().expect("computed after the run");
    let after = metrics.scrape().expect("scrape");
    assert_eq!(sample(&after, "glp_msp_tenants"), Some(3.0), "{after}");
    // Gamma's collection time was not recorded: unknown, so no sample (not a zero).
    let gamma = r#"glp_msp_tenant_last_success_duration_seconds{tenant_id="t-c""#;
    assert!(!after.contains(gamma), "{after}");
    assert_eq!(
        sample(&after, &format!("glp_msp_api_requests_total{central}")),
        Some(7.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, &format!("glp_msp_api_rate_limited_total{central}")),
        Some(1.0)
    );
    // Counted once, however often scraped.
    let again = metrics.scrape().expect("scrape");
    assert_eq!(
        sample(&again, &format!("glp_msp_api_requests_total{central}")),
        Some(7.0)
    );
    // This process's runs.
    metrics.run_started();
    assert!(
        metrics
            .scrape()
            .expect("s")
            .contains("glp_msp_run_in_progress 1")
    );
    metrics.run_ended(RunOutcome::Failed);
    metrics.notified(3, 1);
    let text = metrics.scrape().expect("s");
    for (series, value) in [
        (r#"glp_msp_runs_total{outcome="failed"}"#, 1.0),
        (r#"glp_msp_runs_total{outcome="complete"}"#, 0.0),
        (r#"glp_msp_notifications_total{outcome="sent"}"#, 3.0),
        (r#"glp_msp_notifications_total{outcome="failed"}"#, 1.0),
    ] {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
}

#[test]
fn an_empty_store_is_not_ready_and_renders_only_the_process() {
    let dir = tempfile::tempdir().expect("dir");
    let metrics = Metrics::open(dir.path().join("s.sqlite")).expect("metrics");
    assert!(!metrics.ready().expect("ready"));
    let text = metrics.scrape().expect("scrape");
    assert!(!text.contains("glp_msp_devices"), "{text}");
    assert!(text.contains("glp_msp_runs_total"), "{text}");
}
