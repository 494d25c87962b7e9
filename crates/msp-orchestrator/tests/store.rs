//! The store sink: the orchestrator with [`MarkedJob`] writes each tenant x resource into a
//! real SQLite file once it completes; what never completes leaves nothing.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use central_api::{CentralClient, Resource};
use glp_auth::AuthOptions;
use glp_workspaces::WorkspacesClient;
use msp_orchestrator::msp_store::{NewRun, RunStatus, Store};
use msp_orchestrator::{
    Cancel, MarkedJob, Orchestrator, Record, RecordSink, ResourceSpec, StoreSink, TenantSource,
    completion_mark, drain,
};
use platform_sim::{SimConfig, Simulator};
use support::sim_clients;
use test_support::TempDir;

fn clients(sim: &Simulator) -> (WorkspacesClient, CentralClient) {
    sim_clients(sim, AuthOptions::default(), (None, None))
}

/// A fresh store in a temporary directory (removed with it).
fn store() -> (TempDir, Store) {
    let dir = test_support::temp_dir("store");
    let store = Store::open(dir.path().join("inventory.sqlite")).unwrap();
    (dir, store)
}

/// A simulator of `tenants` tenants (at most `max_devices` devices each), a fresh store, and a
/// snapshot run of `resources` begun in it.
async fn world(
    tenants: usize,
    max_devices: usize,
    resources: &[&str],
) -> (Simulator, TempDir, Store, i64) {
    let sim = Simulator::start(SimConfig {
        tenants,
        max_devices,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (dir, mut store) = store();
    let run = store
        .begin_run(&NewRun::new(
            "test",
            ["snapshot"],
            resources.iter().copied(),
        ))
        .unwrap();
    (sim, dir, store, run)
}

/// Runs a snapshot of `resources` into `run`, skipping what the run already holds.
async fn snapshot(sim: &Simulator, store: Store, run: i64, resources: &[Resource]) -> Store {
    let specs: Vec<ResourceSpec> = resources.iter().map(|r| ResourceSpec::Known(*r)).collect();
    snapshot_specs(sim, store, run, specs).await
}

/// Runs a snapshot of any resources (GreenLake's too) into `run`.
async fn snapshot_specs(
    sim: &Simulator,
    store: Store,
    run: i64,
    specs: Vec<ResourceSpec>,
) -> Store {
    let (workspaces, central) = clients(sim);
    let done = store.completed(run).unwrap();
    let job = MarkedJob::new(specs).skipping(done);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let writer = tokio::task::spawn_blocking(move || {
        let mut sink = StoreSink::new(store, run);
        drain(&mut rx, &mut sink).unwrap();
        sink.into_store()
    });
    let tenants = TenantSource::GreenLake.stream(&workspaces, &central);
    let report = Orchestrator::new(central.clone())
        .greenlake(workspaces.clone())
        .concurrency(4)
        .run(tenants, Arc::new(job), tx, &Cancel::new())
        .await
        .unwrap();
    assert!(report.all_succeeded(), "{}", report.summary());
    writer.await.unwrap()
}

/// Every stored item per (tenant, resource), as JSON text.
fn exported(store: &Store, run: i64) -> BTreeMap<(String, String), Vec<String>> {
    let mut map: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    store
        .export(run, None, |item| {
            map.entry((item.tenant_id, item.resource))
                .or_default()
                .push(item.data);
            Ok::<_, msp_orchestrator::msp_store::StoreError>(())
        })
        .unwrap();
    for items in map.values_mut() {
        items.sort();
    }
    map
}

fn truth(sim: &Simulator, resources: &[Resource]) -> BTreeMap<(String, String), Vec<String>> {
    let truth = serde_json::to_value(sim.truth_with_records()).unwrap();
    let mut map = BTreeMap::new();
    for t in truth["tenants"].as_array().unwrap() {
        for r in resources {
            let mut items: Vec<String> = t["records"][r.name()]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.to_string())
                .collect();
            if items.is_empty() {
                continue;
            }
            items.sort();
            map.insert(
                (
                    t["workspace_id"].as_str().unwrap().to_owned(),
                    r.name().to_owned(),
                ),
                items,
            );
        }
    }
    map
}

/// The same JSON, whatever the key order of its text.
fn canonical(
    map: BTreeMap<(String, String), Vec<String>>,
) -> BTreeMap<(String, String), Vec<String>> {
    map.into_iter()
        .map(|(k, items)| {
            let mut items: Vec<String> = items
                .iter()
                .map(|t| {
                    serde_json::from_str::<serde_json::Value>(t)
                        .unwrap()
                        .to_string()
                })
                .collect();
            items.sort();
            (k, items)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_holds_the_truth_and_a_resume_adds_nothing_twice() {
    let resources = [Resource::DeviceInventory, Resource::Devices];
    let (sim, _dir, store, run) = world(12, 150, &["device-inventory", "devices"]).await;
    let mut store = snapshot(&sim, store, run, &resources).await;
    store.end_run(run, RunStatus::Complete).unwrap();
    let expected = truth(&sim, &resources);
    assert_eq!(canonical(exported(&store, run)), expected);
    let records_before = store.run(run).unwrap().records;
    // A resume of a complete run collects nothing and changes nothing.
    let store = snapshot(&sim, store, run, &resources).await;
    assert_eq!(canonical(exported(&store, run)), expected);
    assert_eq!(store.run(run).unwrap().records, records_before);
    sim.shutdown().await;
}

/// The SQL of the guide's "which licences end in the next 90 days, per customer", as the guide
/// has it.
fn guide_licence_query() -> String {
    test_support::guide_example("licences end in the next 90 days", "```sql\n", "```")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greenlake_resources_snapshot_and_the_guide_finds_the_licences_ending_soon() {
    let names = ["glp/devices", "glp/subscriptions"];
    let (sim, _dir, store, run) = world(10, 300, &names).await;
    let specs = names.iter().map(|n| n.parse().unwrap()).collect();
    let mut store = snapshot_specs(&sim, store, run, specs).await;
    store.end_run(run, RunStatus::Complete).unwrap();

    // Every record of both, as the truth has them.
    let truth = serde_json::to_value(sim.truth_with_records()).unwrap();
    let mut expected = BTreeMap::new();
    for t in truth["tenants"].as_array().unwrap() {
        for name in names {
            let mut items: Vec<String> = t["records"][name]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.to_string())
                .collect();
            if !items.is_empty() {
                items.sort();
                expected.insert(
                    (
                        t["workspace_id"].as_str().unwrap().to_owned(),
                        name.to_owned(),
                    ),
                    items,
                );
            }
        }
    }
    assert_eq!(canonical(exported(&store, run)), expected);

    // The guide's query, at the simulator's fixed "now" (2026-12-01) instead of the clock's.
    let sql = guide_licence_query().replace("'now'", "'2026-12-01T00:00:00Z'");
    let mut statement = store
        .connection()
        .expect("a SQLite store")
        .prepare(&sql)
        .unwrap();
    let found: Vec<(String, String)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut soon = Vec::new();
    for t in truth["tenants"].as_array().unwrap() {
        for s in t["records"]["glp/subscriptions"].as_array().unwrap() {
            let end = s["endTime"].as_str().unwrap();
            if ("2026-12-01T00:00:00Z".."2027-03-01T00:00:00Z").contains(&end) {
                soon.push((
                    t["name"].as_str().unwrap().to_owned(),
                    s["key"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    soon.sort();
    let mut sorted = found.clone();
    sorted.sort();
    assert!(!soon.is_empty(), "the simulator has licences ending soon");
    assert_eq!(sorted, soon, "{sql}");
    sim.shutdown().await;
}

#[test]
fn records_without_their_completion_mark_leave_nothing() {
    let (_dir, mut store) = store();
    let run = store
        .begin_run(&NewRun::new("test", ["snapshot"], ["aps"]))
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let item = |serial: &str| serde_json::json!({ "serialNumber": serial });
    for record in [
        Record::from_value("done", "Done", "aps", &item("A1")),
        Record::from_value("halfway", "Halfway", "aps", &item("B1")),
        Record::from_value("done", "Done", "aps", &item("A2")),
        completion_mark("done", "Done", "aps"),
        Record::from_value("halfway", "Halfway", "aps", &item("B2")),
    ] {
        tx.try_send(record).unwrap();
    }
    drop(tx);
    let mut sink = StoreSink::new(store, run);
    assert_eq!(drain(&mut rx, &mut sink).unwrap(), 2);
    let store = sink.into_store();
    let done = store.completed(run).unwrap();
    assert_eq!(done.len(), 1);
    assert!(done.contains(&("done".to_owned(), "aps".to_owned())));
    let held: i64 = store
        .connection()
        .expect("a SQLite store")
        .query_row("SELECT count(*) FROM payloads", [], |r| r.get(0))
        .unwrap();
    assert_eq!(held, 2, "the half-done tenant's records are not stored");
}

#[test]
fn the_file_writer_is_a_sink_that_ignores_marks() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    tx.try_send(Record::from_value(
        "t",
        "T",
        "aps",
        &serde_json::json!({"serialNumber": "S"}),
    ))
    .unwrap();
    tx.try_send(completion_mark("t", "T", "aps")).unwrap();
    drop(tx);
    let dir = test_support::temp_dir("store");
    let path = dir.path().join("out.jsonl");
    let file = std::fs::File::create(&path).unwrap();
    let mut sink: Box<dyn RecordSink> = Box::new(
        msp_orchestrator::RecordWriter::new(msp_orchestrator::Format::Jsonl, Box::new(file))
            .unwrap(),
    );
    assert_eq!(drain(&mut rx, sink.as_mut()).unwrap(), 1);
    sink.finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("\"serialNumber\":\"S\""), "{text}");
}
