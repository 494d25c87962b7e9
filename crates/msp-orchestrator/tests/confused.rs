//! What a confused server gets (issue 24, item 5), against test-support's scripted server: a
//! page that repeats the page before it is refused before its records are written, and a
//! resource that fails does not stop the tenant's other resources (the tenant still fails,
//! its outcome says which resource failed with what and which succeeded; the store keeps the
//! one that completed).
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use central_api::Resource;
use msp_orchestrator::msp_store::{NewRun, Store};
use msp_orchestrator::{
    Cancel, CollectJob, MarkedJob, Orchestrator, Record, Report, ResourceSpec, StoreSink,
    TenantJob, TenantSource, TenantStatus, drain,
};
use serde_json::json;
use support::{clients, fixed_token, received};
use test_support::{Reply, Server};

const TENANT: &str = "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c";
const APS: &str = "/network-monitoring/v1/aps";
const INVENTORY: &str = "/network-monitoring/v1/device-inventory";

/// GreenLake with Acme alone; Central's aps answering `aps`, device-inventory `inventory`, to
/// every request.
fn platform(aps: Reply, inventory: Reply) -> Server {
    let server = Server::start();
    server
        .always(
            "GET",
            "/workspaces/v1/msp-tenants",
            Reply::json(
                200,
                json!({"offset": 0, "count": 1, "total": 1,
                       "items": [{"id": TENANT, "workspaceName": "Acme"}]}),
            ),
        )
        .always("GET", APS, aps)
        .always("GET", INVENTORY, inventory);
    server
}

/// An aps page of `serials` whose `next` is `next`, out of `total`.
fn aps_page(serials: &[&str], total: u64, next: Option<&str>) -> Reply {
    let items: Vec<_> = serials.iter().map(|s| json!({"serialNumber": s})).collect();
    Reply::json(
        200,
        json!({"items": items, "count": serials.len(), "total": total, "next": next}),
    )
}

/// `job` for every tenant of `server`: the report and every record sent (marks included).
async fn run(server: &Server, job: Arc<dyn TenantJob>) -> (Report, Vec<Record>) {
    let (workspaces, central) = clients(server.base_url(), fixed_token(), (None, None));
    let tenants = TenantSource::GreenLake.stream(&workspaces, &central);
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let report = Orchestrator::new(central)
        .greenlake(workspaces)
        .run(tenants, job, tx, &Cancel::new())
        .await
        .unwrap();
    (report, received(rx).await)
}

fn collect(resources: &[Resource]) -> Arc<dyn TenantJob> {
    let specs = resources.iter().map(|r| ResourceSpec::Known(*r)).collect();
    Arc::new(CollectJob::new(specs))
}

/// The error kind and message of the report's one tenant, which failed after `records`.
fn failure(report: &Report, records: u64) -> (&str, &str) {
    let acme = &report.tenants[0];
    assert_eq!(acme.records, records);
    match &acme.status {
        TenantStatus::Failed { kind, message } => (kind, message),
        other => panic!("{other:?}"),
    }
}

fn serials(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| r.value()["serialNumber"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_page_that_repeats_the_one_before_is_refused_before_its_records_are_written() {
    // The server ignores `next`: every page is the first one again, with a `next` to follow.
    let server = platform(
        aps_page(&["AP1", "AP2"], 6, Some("2")),
        Reply::json(404, json!({"message": "unused"})),
    );
    let (report, records) = run(&server, collect(&[Resource::Aps])).await;
    assert_eq!(server.count("GET", APS), 2, "page 1, then its repeat");
    assert_eq!(serials(&records), ["AP1", "AP2"], "no record twice");
    let (kind, message) = failure(&report, 2);
    assert_eq!(kind, "protocol");
    assert!(message.contains("page 2 repeats page 1"), "{message}");
    assert!(message.contains(APS), "{message}");
}

#[tokio::test]
async fn a_failed_resource_does_not_stop_the_next_and_the_outcome_gives_both() {
    let server = platform(
        aps_page(&["AP1", "AP2"], 2, None),
        Reply::json(404, json!({"message": "no such list here"})),
    );
    let job = collect(&[Resource::DeviceInventory, Resource::Aps]);
    let (report, records) = run(&server, job).await;
    assert_eq!(
        server.count("GET", APS),
        1,
        "aps ran after device-inventory failed"
    );
    assert_eq!(serials(&records), ["AP1", "AP2"]);
    assert_eq!(report.failed(), 1, "the tenant still counts as failed");
    assert!(!report.all_succeeded());
    let (kind, message) = failure(&report, 2);
    assert_eq!(kind, "not_found");
    let acme = &report.tenants[0];
    assert!(message.starts_with("device-inventory: "), "{message}");
    let parts: Vec<(&str, &TenantStatus, u64)> = acme
        .resources
        .iter()
        .map(|p| (p.resource.as_str(), &p.status, p.records))
        .collect();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_eq!(parts[0].0, "device-inventory");
    assert!(
        matches!(parts[0].1, TenantStatus::Failed { kind, .. } if kind == "not_found"),
        "{parts:?}"
    );
    assert_eq!(
        (parts[1].0, parts[1].1, parts[1].2),
        ("aps", &TenantStatus::Ok, 2)
    );
    // The summary's line of the tenant gives both outcomes.
    let summary = report.summary();
    let line = summary.lines().find(|l| l.starts_with("FAILED")).unwrap();
    assert!(
        line.contains(
            "resources: device-inventory failed [not_found] after 0 records, aps ok (2 records)"
        ),
        "{line}"
    );
    // And the JSON report.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["tenants"][0]["resources"][1]["status"], "ok");
    assert_eq!(json["tenants"][0]["resources"][0]["kind"], "not_found");
}

#[tokio::test]
async fn the_store_keeps_the_resource_that_completed_and_nothing_of_the_one_that_failed() {
    // aps repeats its first page: it fails after one page, which must not be stored;
    // device-inventory, collected after it, completes.
    let server = platform(
        aps_page(&["AP1", "AP2"], 6, Some("2")),
        Reply::json(
            200,
            json!({"items": [{"serialNumber": "D1"}], "count": 1, "total": 1, "next": null}),
        ),
    );
    let dir = test_support::temp_dir("confused-store");
    let mut store = Store::open(dir.path().join("inventory.sqlite")).unwrap();
    let run_id = store
        .begin_run(&NewRun::new(
            "test",
            ["snapshot"],
            ["aps", "device-inventory"],
        ))
        .unwrap();
    let (workspaces, central) = clients(server.base_url(), fixed_token(), (None, None));
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let writer = tokio::task::spawn_blocking(move || {
        let mut sink = StoreSink::new(store, run_id);
        drain(&mut rx, &mut sink).unwrap();
        sink.into_store()
    });
    let job = MarkedJob::new(vec![
        ResourceSpec::Known(Resource::Aps),
        ResourceSpec::Known(Resource::DeviceInventory),
    ]);
    let tenants = TenantSource::GreenLake.stream(&workspaces, &central);
    let report = Orchestrator::new(central)
        .greenlake(workspaces)
        .run(tenants, Arc::new(job), tx, &Cancel::new())
        .await
        .unwrap();
    let store = writer.await.unwrap();
    assert_eq!(report.failed(), 1);
    let mut stored: BTreeMap<String, Vec<String>> = BTreeMap::new();
    store
        .export(run_id, None, |item| {
            stored.entry(item.resource).or_default().push(item.data);
            Ok::<_, msp_orchestrator::msp_store::StoreError>(())
        })
        .unwrap();
    assert_eq!(
        stored.keys().collect::<Vec<_>>(),
        ["device-inventory"],
        "{stored:?}"
    );
    assert!(stored["device-inventory"][0].contains("D1"));
    let complete = store.completed(run_id).unwrap();
    assert!(complete.contains(&(TENANT.to_owned(), "device-inventory".to_owned())));
    assert!(!complete.contains(&(TENANT.to_owned(), "aps".to_owned())));
}

#[tokio::test]
async fn a_tenant_total_that_disagrees_with_the_tenants_delivered_is_a_warning_of_the_report() {
    let server = Server::start();
    server
        .handle(|r| {
            let offset = r.query_pairs().get("offset")?.clone();
            let items = if offset == "0" {
                json!([{"id": TENANT, "workspaceName": "Acme"}])
            } else {
                json!([])
            };
            (r.path == "/workspaces/v1/msp-tenants").then(|| {
                Reply::json(
                    200,
                    json!({"offset": offset.parse::<u64>().ok(), "total": 3, "items": items}),
                )
            })
        })
        .always("GET", APS, aps_page(&["AP1"], 1, None));
    let (report, records) = run(&server, collect(&[Resource::Aps])).await;
    assert_eq!(records.len(), 1, "the tenant delivered runs");
    assert!(report.all_succeeded(), "a warning, not a failure");
    assert_eq!(
        report.warnings,
        ["msp-tenants said total 3 but delivered 1 items"]
    );
    assert!(
        report
            .summary()
            .contains("\nwarning: msp-tenants said total 3 but delivered 1 items"),
        "{}",
        report.summary()
    );
}
