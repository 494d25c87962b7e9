//! Central answers that do not add up, against httpmock: an MSP-wide inventory short of its
//! total (the records read are kept, the shortfall is an error in the report), and names that
//! cannot be placed on one cluster (reported, never guessed).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use central_api::CentralClient;
use glp_auth::{BaseUrl, SecretString, StaticTokenProvider};
use glp_transport::{Api, ApiClient};
use glp_workspaces::WorkspacesClient;
use httpmock::prelude::*;
use msp_orchestrator::{Cancel, TenantStatus, collect_msp_inventory};
use serde_json::json;

const TENANT: &str = "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c";

/// GreenLake and one Central gateway at `server`, with a fixed token.
fn clients(server: &MockServer) -> (WorkspacesClient, msp_orchestrator::Clusters) {
    let base = BaseUrl::parse(&server.base_url()).unwrap();
    let provider = Arc::new(StaticTokenProvider::new(
        SecretString::from("t0ken".to_string()),
        Duration::from_secs(900),
    ));
    let glp = ApiClient::builder(Api::GreenLake, base.clone(), provider.clone())
        .no_rate_limit()
        .build()
        .unwrap();
    let central = ApiClient::builder(Api::Central, base, provider)
        .no_rate_limit()
        .build()
        .unwrap();
    (
        WorkspacesClient::new(glp),
        CentralClient::new(central).into(),
    )
}

#[tokio::test]
async fn pages_short_of_their_total_are_an_error_and_what_arrived_is_kept() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/workspaces/v1/msp-tenants");
            then.status(200).json_body(json!({
                "offset": 0, "count": 1, "total": 1,
                "items": [{"id": TENANT, "workspaceName": "Acme"}],
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/network-msp/v1/list-tenants");
            then.status(200).json_body(json!({
                "items": [{"tenantId": "c1", "tenantName": "Acme"}],
                "count": 1, "total": 1, "next": null,
            }));
        })
        .await;
    // The first page promises 5 devices, 2 a page; page 2 brings one, page 3 none.
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/network-msp/v1/device-inventory")
                .query_param("next", "1");
            then.status(200).json_body(json!({
                "items": [
                    {"serialNumber": "A1", "tenantName": "Acme", "tenantId": "c1"},
                    {"serialNumber": "A2", "tenantName": "Acme", "tenantId": "c1"},
                ],
                "count": 2, "total": 5, "next": "2",
            }));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/network-msp/v1/device-inventory")
                .query_param("next", "2");
            then.status(200).json_body(json!({
                "items": [{"serialNumber": "A3", "tenantName": "Nobody"}],
                "count": 1, "total": 5, "next": "3",
            }));
        })
        .await;
    let third = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/network-msp/v1/device-inventory")
                .query_param("next", "3");
            then.status(200)
                .json_body(json!({"items": [], "count": 0, "total": 5, "next": null}));
        })
        .await;
    let (workspaces, clusters) = clients(&server);
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let report = collect_msp_inventory(&workspaces, &clusters, tx, &Cancel::new())
        .await
        .unwrap();
    let mut records = Vec::new();
    while let Some(r) = rx.recv().await {
        records.push(r);
    }
    first.assert_async().await;
    second.assert_async().await;
    third.assert_async().await;
    // Three records arrived and are kept; two attributed, one not.
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].workspace_id, TENANT);
    assert_eq!(records[0].central_tenant_id.as_deref(), Some("c1"));
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
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/workspaces/v1/msp-tenants");
            then.status(200).json_body(json!({
                "offset": 0, "count": 1, "total": 1,
                "items": [{"id": TENANT, "workspaceName": "Acme"}],
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/network-msp/v1/list-tenants");
            then.status(200).json_body(json!({
                "items": [{"tenantId": "c1", "tenantName": "Acme"}],
                "count": 1, "total": 1, "next": null,
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/network-msp/v1/device-inventory")
                .query_param("next", "1");
            then.status(200).json_body(json!({
                "items": [{"serialNumber": "A1", "tenantName": "Acme"}],
                "count": 1, "total": 50000, "next": "2",
            }));
        })
        .await;
    let mut later = Vec::new();
    for page in 2..=12 {
        later.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path("/network-msp/v1/device-inventory")
                        .query_param("next", page.to_string());
                    then.status(200)
                        .json_body(json!({"items": [], "count": 0, "total": 50000, "next": null}));
                })
                .await,
        );
    }
    let (workspaces, clusters) = clients(&server);
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let report = collect_msp_inventory(&workspaces, &clusters, tx, &Cancel::new())
        .await
        .unwrap();
    let mut records = 0;
    while rx.recv().await.is_some() {
        records += 1;
    }
    assert_eq!(records, 1);
    let mut asked = 0;
    for m in &later {
        asked += m.calls_async().await;
    }
    assert!((1..=4).contains(&asked), "{asked} later pages asked for");
    let error = report.source_error.as_deref().unwrap();
    assert!(error.contains("1 of the 50000"), "{error}");
}

/// A name listed on two clusters, and two GreenLake workspaces sharing a name, are reported as
/// ambiguous (never guessed); a tenant no cluster lists is `NoCluster`.
#[tokio::test]
async fn placement_reports_ambiguous_names_and_tenants_on_no_cluster() {
    use futures::TryStreamExt as _;
    use msp_orchestrator::{CentralCluster, Clusters, SourceItem, TenantSource};
    let glp_server = MockServer::start_async().await;
    let ids = [
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b01",
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b02",
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b03",
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b04",
        "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b05",
    ];
    let names = ["Both", "Twin", "Twin", "Only-A", "Nowhere"];
    let items: Vec<_> = ids
        .iter()
        .zip(names)
        .map(|(id, name)| json!({"id": id, "workspaceName": name}))
        .collect();
    glp_server
        .mock_async(|when, then| {
            when.method(GET).path("/workspaces/v1/msp-tenants");
            then.status(200)
                .json_body(json!({"offset": 0, "count": 5, "total": 5, "items": items}));
        })
        .await;
    let cluster = |listed: &'static [&'static str]| async move {
        let server = MockServer::start_async().await;
        let items: Vec<_> = listed
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"tenantId": format!("c{i}"), "tenantName": n}))
            .collect();
        server
            .mock_async(|when, then| {
                when.method(GET).path("/network-msp/v1/list-tenants");
                then.status(200).json_body(
                    json!({"items": items, "count": listed.len(), "total": listed.len(), "next": null}),
                );
            })
            .await;
        server
    };
    let a = cluster(&["Both", "Twin", "Only-A"]).await;
    let b = cluster(&["Both"]).await;
    let provider = Arc::new(StaticTokenProvider::new(
        SecretString::from("t0ken".to_string()),
        Duration::from_secs(900),
    ));
    let client = |url: String| {
        CentralClient::new(
            ApiClient::builder(
                Api::Central,
                BaseUrl::parse(&url).unwrap(),
                provider.clone(),
            )
            .no_rate_limit()
            .build()
            .unwrap(),
        )
    };
    let clusters = Clusters::new(vec![
        CentralCluster {
            name: "A".into(),
            client: client(a.base_url()),
        },
        CentralCluster {
            name: "B".into(),
            client: client(b.base_url()),
        },
    ])
    .unwrap();
    let glp = ApiClient::builder(
        Api::GreenLake,
        BaseUrl::parse(&glp_server.base_url()).unwrap(),
        provider.clone(),
    )
    .no_rate_limit()
    .build()
    .unwrap();
    let items: Vec<SourceItem> = TenantSource::GreenLake
        .stream(&WorkspacesClient::new(glp), &clusters)
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
