use std::path::PathBuf;
use std::pin::Pin;

use msp_orchestrator::msp_store::{Incomplete, NewRun, RunStatus};
use test_support::waits::Waits;
use test_support::{Reply, Server};

use super::*;

#[derive(Debug, Default)]
struct Recorder(Arc<Waits>);

impl Sleeper for Recorder {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        self.0.record(duration)
    }
}

fn device(serial: &str, status: &str) -> String {
    format!(
        r#"{{"serialNumber":"{serial}","deviceName":"AP-{serial}","deviceType":"AP","status":"{status}"}}"#
    )
}

fn alert(id: &str, severity: &str) -> String {
    format!(r#"{{"id":"{id}","severity":"{severity}","status":"Active","name":"Alert {id}"}}"#)
}

/// One run: tenant `t`'s devices and alerts as given, tenant `u` ok or failed.
fn run(store: &mut Store, devices: &[String], alerts: &[String], u_ok: bool) -> RunId {
    let run = store
        .begin_run(&NewRun::new("t", ["serve"], ["devices", "alerts"]))
        .expect("run");
    store
        .write_entry(
            run,
            "t",
            "Tee",
            "devices",
            devices.iter().map(String::as_str),
        )
        .expect("devices");
    store
        .write_entry(run, "t", "Tee", "alerts", alerts.iter().map(String::as_str))
        .expect("alerts");
    for resource in ["devices", "alerts"] {
        if u_ok {
            store
                .write_entry(run, "u", "You", resource, std::iter::empty())
                .expect("u");
        } else {
            store
                .note_incomplete(run, "u", "You", resource, Incomplete::Failed, "503")
                .expect("u failed");
        }
    }
    store.end_run(run, RunStatus::Partial).expect("end");
    run
}

/// Three runs: the second takes SN1 offline, brings SN2 back and raises critical alert a2; `u`
/// fails in the second and the third. Returns the store's directory (removed when dropped), its
/// path and the runs.
fn three_runs() -> (tempfile::TempDir, PathBuf, [RunId; 3]) {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("s.sqlite");
    let mut store = Store::open(&db).expect("store");
    let first = run(
        &mut store,
        &[device("SN1", "ONLINE"), device("SN2", "OFFLINE")],
        &[alert("a1", "Critical")],
        true,
    );
    let later = [device("SN1", "OFFLINE"), device("SN2", "ONLINE")];
    let alerts = [
        alert("a1", "Critical"),
        alert("a2", "Critical"),
        alert("a3", "Minor"),
    ];
    let second = run(&mut store, &later, &alerts, false);
    let third = run(&mut store, &later, &alerts, false);
    (dir, db, [first, second, third])
}

#[test]
fn a_runs_events_are_what_changed_since_the_run_before() {
    let (_dir, db, [first, second, third]) = three_runs();
    let store = Store::open(&db).expect("store");
    assert!(
        events(&store, first).expect("events").is_empty(),
        "nothing to compare with"
    );
    let got: Vec<(EventKind, String, Option<String>)> = events(&store, second)
        .expect("events")
        .into_iter()
        .map(|e| (e.event, e.tenant_id, e.subject))
        .collect();
    assert_eq!(
        got,
        [
            (EventKind::DeviceOffline, "t".into(), Some("SN1".into())),
            (EventKind::DeviceOnline, "t".into(), Some("SN2".into())),
            (EventKind::CriticalAlert, "t".into(), Some("a2".into())),
        ]
    );
    let third: Vec<Event> = events(&store, third).expect("events");
    assert_eq!(third.len(), 1, "{third:?}");
    assert_eq!(third[0].event, EventKind::TenantFailing);
    assert_eq!(
        (third[0].tenant_id.as_str(), third[0].failures),
        ("u", Some(2))
    );
}

#[tokio::test]
async fn each_event_is_sent_once_retried_with_backoff_and_not_again_after_a_restart() {
    let (_dir, db, _) = three_runs();
    let hook = Server::scripted([Reply::status(503), Reply::status(200)]);
    let url = hook.url("/hook");
    let waits = Arc::new(Waits::default());
    let notifier = || {
        let target = Target::parse(&url, NotifyFormat::Generic).expect("target");
        Notifier::new(vec![target])
            .expect("notifier")
            .with_sleeper(Arc::new(Recorder(waits.clone())))
    };
    let first = notifier();
    // The newest run is the third: its one event (u failing twice).
    let delivered = first.notify_newest(&db).await.expect("notify");
    assert_eq!(delivered, Delivered { sent: 1, failed: 0 });
    assert_eq!(waits.asked(), [Duration::from_secs(1)]);
    let requests = hook.requests();
    assert_eq!(requests.len(), 2);
    let body: serde_json::Value = serde_json::from_str(&requests[1].text()).expect("json");
    assert_eq!(body["events"][0]["event"], "tenant_failing");
    // Again, and after a restart (a new notifier): nothing more.
    assert_eq!(
        first.notify_newest(&db).await.expect("again"),
        Delivered::default()
    );
    assert_eq!(
        notifier().notify_newest(&db).await.expect("restart"),
        Delivered::default()
    );
    assert_eq!(hook.requests().len(), 2);
}

#[tokio::test]
async fn a_refused_delivery_is_not_retried_at_once_but_after_the_next_run() {
    let (_dir, db, _) = three_runs();
    let hook = Server::scripted([Reply::status(400), Reply::status(200)]);
    let waits = Arc::new(Waits::default());
    let target = Target::parse(&hook.url("/hook"), NotifyFormat::Slack).expect("target");
    let notifier = Notifier::new(vec![target])
        .expect("notifier")
        .with_sleeper(Arc::new(Recorder(waits.clone())));
    assert_eq!(
        notifier.notify_newest(&db).await.expect("notify"),
        Delivered { sent: 0, failed: 1 }
    );
    assert!(waits.asked().is_empty(), "a 400 is not retried");
    // The next run: the pending run is delivered with it.
    assert_eq!(
        notifier.notify_newest(&db).await.expect("notify"),
        Delivered { sent: 1, failed: 0 }
    );
    let text = hook.requests()[1].text();
    assert!(text.contains("failed to collect 2 runs in a row"), "{text}");
}

#[test]
fn a_webhook_url_is_https_or_loopback_and_never_shown() {
    let secret = "https://hooks.slack.com/services/T0/B0/SECRETPART";
    let target = Target::parse(secret, NotifyFormat::Slack).expect("https");
    assert!(!format!("{target:?}").contains("SECRETPART"));
    let teams = "https://x.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=abc";
    assert!(
        Target::parse(teams, NotifyFormat::Teams).is_ok(),
        "a query is kept"
    );
    for bad in [
        "http://hooks.example.com/SECRETPART",
        "https://user:SECRETPART@example.com/x",
        "ftp://example.com/SECRETPART",
        "not a url SECRETPART",
    ] {
        let e = Target::parse(bad, NotifyFormat::Generic).expect_err(bad);
        assert!(!e.contains("SECRETPART"), "{e}");
    }
    assert!(Target::parse("http://127.0.0.1:9/x", NotifyFormat::Generic).is_ok());
}
