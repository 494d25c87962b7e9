//! Central answers that do not add up, against test-support's scripted server: an MSP-wide
//! inventory short of its total (the records read are kept, the shortfall is an error in the
//! report), and names that cannot be placed on one cluster (reported, never guessed).
#![allow(clippy::unwrap_used)]

mod support;

use glp_transport::Api;
use glp_workspaces::WorkspacesClient;
use msp_orchestrator::{Cancel, Record, Report, TenantStatus, collect_msp_inventory};
use serde_json::{Value, json};
use support::{api, clients, fixed_token, received};
use test_support::{Reply, Server};

const TENANT: &str = "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c";
const MSP_TENANTS: &str = "/workspaces/v1/msp-tenants";
const LIST_TENANTS: &str = "/network-msp/v1/list-tenants";
const INVENTORY: &str = "/network-msp/v1/device-inventory";

/// A one-page answer of msp-tenants with `(id, name)` tenants.
fn msp_tenants(tenants: &[(&str, &str)]) -> Reply {
    let items: Vec<Value> = tenants
        .iter()
        .map(|(id, name)| json!({"id": id, "workspaceName": name}))
        .collect();
    let n = items.len();
    Reply::json(
        200,
        json!({"offset": 0, "count": n, "total": n, "items": items}),
    )
}

/// A one-page answer of list-tenants with tenants named `names` (`c0`, `c1`, ...).
fn list_tenants(names: &[&str]) -> Reply {
    let items: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"tenantId": format!("c{i}"), "tenantName": n}))
        .collect();
    let n = items.len();
    Reply::json(
        200,
        json!({"items": items, "count": n, "total": n, "next": null}),
    )
}

/// GreenLake with Acme alone, Central listing it as `c0`, and the MSP inventory's page `n`
/// (the `next` asked for) from `page(n)`.
fn acme_platform(page: impl Fn(u64) -> Value + Send + Sync + 'static) -> Server {
    let server = Server::start();
    server
        .always("GET", MSP_TENANTS, msp_tenants(&[(TENANT, "Acme")]))
        .always("GET", LIST_TENANTS, list_tenants(&["Acme"]))
        .handle(move |r| {
            let next = r.query_pairs().get("next")?.parse().ok()?;
            (r.path == INVENTORY).then(|| Reply::json(200, page(next)))
        });
    server
}

/// The `next` of every MSP inventory page asked for, in order.
fn pages_asked(server: &Server) -> Vec<u64> {
    server
        .requests_to("GET", INVENTORY)
        .iter()
        .filter_map(|r| r.query_pairs().get("next")?.parse().ok())
        .collect()
}

/// The MSP-wide inventory read from `server`: the report and every record.
async fn msp_inventory(server: &Server) -> (Report, Vec<Record>) {
    let (workspaces, clusters) = clients(server.base_url(), fixed_token(), (None, None));
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let report = collect_msp_inventory(&workspaces, &clusters.into(), tx, &Cancel::new())
        .await
        .unwrap();
    (report, received(rx).await)
}

#[tokio::test]
async fn pages_short_of_their_total_are_an_error_and_what_arrived_is_kept() {
    // The first page promises 5 devices, 2 a page; page 2 brings one, page 3 none.
    let server = acme_platform(|next| match next {
        1 => json!({
            "items": [
                {"serialNumber": "A1", "tenantName": "Acme", "tenantId": "c0"},
                {"serialNumber": "A2", "tenantName": "Acme", "tenantId": "c0"},
            ],
            "count": 2, "total": 5, "next": "2",
        }),
        2 => json!({
            "items": [{"serialNumber": "A3", "tenantName": "Nobody"}],
            "count": 1, "total": 5, "next": "3",
        }),
        _ => json!({"items": [], "count": 0, "total": 5, "next": null}),
    });
    let (report, records) = msp_inventory(&server).await;
    // Pages 2 and 3 are asked for at once: in whichever order they arrive, each once.
    let mut asked = pages_asked(&server);
    asked.sort_unstable();
    assert_eq!(asked, [1, 2, 3], "each page once");
    // Three records arrived and are kept; two attributed, one not.
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].workspace_id, TENANT);
    assert_eq!(records[0].central_tenant_id.as_deref(), Some("c0"));
    assert!(records[2].workspace_id.is_empty());
    let error = report.source_error.as_deref().unwrap();
    assert!(error.contains("3 of the 5"), "{error}");
    let acme = report
        .tenants
        .iter()
        .find(|t| t.tenant_name == "Acme")
        .unwrap();
    assert_eq!((acme.records, &acme.status), (2, &TenantStatus::Ok));
    let unattributed = report
        .tenants
        .iter()
        .find(|t| matches!(&t.status, TenantStatus::Failed { kind, .. } if kind == "unattributed"))
        .unwrap();
    assert_eq!(unattributed.records, 1);
    assert!(!report.all_succeeded());
}

/// A total that promises thousands of pages, with an empty second page: the listing stops
/// there (at most the pages already in flight are asked for), and the shortfall is an error.
#[tokio::test]
async fn a_lying_total_costs_a_few_requests_not_one_per_promised_page() {
    let server = acme_platform(|next| match next {
        1 => json!({
            "items": [{"serialNumber": "A1", "tenantName": "Acme"}],
            "count": 1, "total": 50000, "next": "2",
        }),
        _ => json!({"items": [], "count": 0, "total": 50000, "next": null}),
    });
    let (report, records) = msp_inventory(&server).await;
    assert_eq!(records.len(), 1);
    let later = pages_asked(&server).iter().filter(|n| **n > 1).count();
    assert!((1..=4).contains(&later), "{later} later pages asked for");
    let error = report.source_error.as_deref().unwrap();
    assert!(error.contains("1 of the 50000"), "{error}");
}

/// A name listed on two clusters, and two GreenLake workspaces sharing a name, are reported as
/// ambiguous (never guessed); a tenant no cluster lists is `NoCluster`.
#[tokio::test]
async fn placement_reports_ambiguous_names_and_tenants_on_no_cluster() {
    use central_api::CentralClient;
    use futures::TryStreamExt as _;
    use msp_orchestrator::{CentralCluster, Clusters, SourceItem, TenantSource};
    let ids = [
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b01",
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b02",
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b03",
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b04",
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b05",
    ];
    let names = ["Both", "Twin", "Twin", "Only-A", "Nowhere"];
    let tenants: Vec<(&str, &str)> = ids.into_iter().zip(names).collect();
    let glp = Server::start();
    glp.always("GET", MSP_TENANTS, msp_tenants(&tenants));
    let cluster = |name: &str, listed: &[&str]| {
        let server = Server::start();
        server.always("GET", LIST_TENANTS, list_tenants(listed));
        let client = api(Api::Central, server.base_url(), fixed_token(), None);
        (
            server,
            CentralCluster {
                name: name.into(),
                client: CentralClient::new(client),
            },
        )
    };
    let (_a, a) = cluster("A", &["Both", "Twin", "Only-A"]);
    let (_b, b) = cluster("B", &["Both"]);
    let clusters = Clusters::new(vec![a, b]).unwrap();
    let workspaces =
        WorkspacesClient::new(api(Api::GreenLake, glp.base_url(), fixed_token(), None));
    let items: Vec<SourceItem> = TenantSource::GreenLake
        .stream(&workspaces, &clusters)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 5);
    let by_name = |name: &str| -> Vec<&SourceItem> {
        items
            .iter()
            .filter(|i| match i {
                SourceItem::Tenant(t) => t.name == name,
                SourceItem::Unresolved { name: n, .. } => n == name,
                SourceItem::NoCluster { tenant, .. } => tenant.name == name,
                SourceItem::Warning(_) => false,
            })
            .collect()
    };
    match by_name("Both").as_slice() {
        [SourceItem::Unresolved { reason, .. }] => {
            assert!(reason.contains("2 clusters"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let twins = by_name("Twin");
    assert_eq!(twins.len(), 2);
    for t in twins {
        match t {
            SourceItem::Unresolved { reason, .. } => {
                assert!(reason.contains("2 GreenLake workspaces"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
    match by_name("Only-A").as_slice() {
        [SourceItem::Tenant(t)] => {
            assert_eq!(t.cluster.as_deref(), Some("A"));
            assert_eq!(t.central_tenant_id.as_deref(), Some("c2"));
        }
        other => panic!("{other:?}"),
    }
    match by_name("Nowhere").as_slice() {
        [SourceItem::NoCluster { clusters, .. }] => assert_eq!(clusters, "A, B"),
        other => panic!("{other:?}"),
    }
}
