//! GreenLake workspace resources (`devices/v1/devices`, `subscriptions/v1/subscriptions`) with
//! a tenant token: contract tests of the offset pager with httpmock (the exact request, short
//! pages, a total that changes while the list is read, limits checked before sending, a
//! hostile total, an echoed offset that differs, raw items kept verbatim), and a stateful test
//! against the simulator comparing every record of every tenant with its truth.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt as _;
use glp_auth::{AuthOptions, BaseUrl, Credentials, SecretString, WorkspaceId, msp_provider};
use glp_transport::{Api, ApiClient, ApiError};
use glp_workspaces::{GlpResource, WorkspacesClient};
use httpmock::prelude::*;
use platform_sim::{SimConfig, Simulator};
use serde_json::{Value, json};
use support::{TOKEN, client, tenant_id};

const DEVICES: &str = "/devices/v1/devices";
const SUBSCRIPTIONS: &str = "/subscriptions/v1/subscriptions";

fn tenant() -> WorkspaceId {
    WorkspaceId::parse(&tenant_id(7)).unwrap()
}

fn device(n: u64) -> Value {
    json!({"id": format!("d-{n}"), "serialNumber": format!("SN{n:05}"), "x-unknown": [n]})
}

fn body(offset: u64, items: std::ops::Range<u64>, total: Value) -> Value {
    let items: Vec<Value> = items.map(device).collect();
    json!({"offset": offset, "count": items.len(), "total": total, "items": items})
}

async fn serials(
    request: glp_workspaces::OffsetListRequest<Value>,
) -> Result<Vec<String>, ApiError> {
    let items: Vec<Value> =
        tokio::time::timeout(Duration::from_secs(10), request.stream().try_collect())
            .await
            .expect("the stream ended")?;
    Ok(items
        .iter()
        .map(|d| d["serialNumber"].as_str().unwrap().to_owned())
        .collect())
}

#[tokio::test]
async fn pages_by_the_items_received_with_the_tenant_token() {
    let server = MockServer::start_async().await;
    // The server caps pages at 3 whatever `limit` says.
    let mut mocks = Vec::new();
    for (offset, end) in [(0, 3), (3, 6), (6, 7)] {
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path(DEVICES)
                        .query_param("offset", offset.to_string())
                        .query_param("limit", "2000")
                        .header("authorization", format!("Bearer {TOKEN}"));
                    then.status(200)
                        .json_body(body(offset, offset..end, json!(7)));
                })
                .await,
        );
    }
    let got = serials(client(&server.base_url()).tenant(tenant()).devices())
        .await
        .unwrap();
    assert_eq!(got.len(), 7);
    assert_eq!(got[6], "SN00006");
    for mock in &mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_total_that_grows_is_followed_and_one_that_shrinks_ends_sooner() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(SUBSCRIPTIONS).query_param("offset", "0");
            then.status(200).json_body(body(0, 0..2, json!(3)));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path(SUBSCRIPTIONS).query_param("offset", "2");
            then.status(200).json_body(body(2, 2..4, json!(5)));
        })
        .await;
    let last = server
        .mock_async(|when, then| {
            when.path(SUBSCRIPTIONS).query_param("offset", "4");
            then.status(200).json_body(body(4, 4..5, json!(5)));
        })
        .await;
    let c = client(&server.base_url());
    let got = serials(c.tenant(tenant()).subscriptions().limit(2))
        .await
        .unwrap();
    assert_eq!(got.len(), 5, "{got:?}");
    last.assert_async().await;

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(SUBSCRIPTIONS).query_param("offset", "0");
            then.status(200).json_body(body(0, 0..2, json!(10)));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path(SUBSCRIPTIONS).query_param("offset", "2");
            then.status(200).json_body(body(2, 2..4, json!(4)));
        })
        .await;
    let after = server
        .mock_async(|when, then| {
            when.path(SUBSCRIPTIONS).query_param("offset", "4");
            then.status(200).json_body(body(4, 4..5, json!(4)));
        })
        .await;
    let got = serials(client(&server.base_url()).tenant(tenant()).subscriptions())
        .await
        .unwrap();
    assert_eq!(got.len(), 4);
    after.assert_calls_async(0).await;
}

#[tokio::test]
async fn limits_are_checked_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(body(0, 0..0, json!(0)));
        })
        .await;
    let t = client(&server.base_url()).tenant(tenant());
    for (request, max) in [
        (t.devices().limit(2001), "2000"),
        (t.devices().limit(0), "2000"),
        (t.subscriptions().limit(51), "50"),
        (t.devices().param("offset", "5"), "use .offset() instead"),
    ] {
        let err = request.page().await.unwrap_err();
        assert!(matches!(err, ApiError::InvalidRequest(_)), "{err}");
        assert!(err.to_string().contains(max), "{err}");
    }
    assert_eq!(GlpResource::Subscriptions.max_limit(), 50);
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_hostile_total_cannot_make_it_list_forever() {
    let server = MockServer::start_async().await;
    // Every page is full and says there are u64::MAX items.
    server
        .mock_async(|when, then| {
            when.path(DEVICES);
            then.status(200).json_body(json!({
                "count": 1, "total": u64::MAX, "items": [device(1)]
            }));
        })
        .await;
    let request = client(&server.base_url())
        .tenant(tenant())
        .devices()
        .limit(1)
        .max_pages(5);
    let items: Vec<Result<Value, ApiError>> = futures::StreamExt::collect(request.stream()).await;
    assert_eq!(
        items.iter().filter(|i| i.is_ok()).count(),
        5,
        "the pages read are kept"
    );
    let err = items.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(err, ApiError::Protocol { .. }), "{err}");
    assert!(err.to_string().contains("page cap"), "{err}");

    // No total at all: an empty page ends the list.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(DEVICES).query_param("offset", "0");
            then.status(200)
                .json_body(json!({"items": [device(0), device(1)]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path(DEVICES).query_param("offset", "2");
            then.status(200).json_body(json!({"items": []}));
        })
        .await;
    let got = serials(client(&server.base_url()).tenant(tenant()).devices())
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
}

#[tokio::test]
async fn another_offset_than_asked_is_an_error_and_raw_items_stay_verbatim() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(DEVICES).query_param("offset", "0");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"offset":0,"count":2,"total":4,"items":[{"b":1,"a": 2},{"z":"é"}]}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path(DEVICES).query_param("offset", "2");
            then.status(200).json_body(body(0, 0..2, json!(4)));
        })
        .await;
    let request = client(&server.base_url()).tenant(tenant()).devices().raw();
    let items: Vec<_> = futures::StreamExt::collect::<Vec<_>>(request.stream()).await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap().get(), r#"{"b":1,"a": 2}"#);
    let err = items[2].as_ref().unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err}");
    assert!(err.to_string().contains("offset 0"), "{err}");
}

#[tokio::test]
async fn every_tenant_record_matches_the_simulator_truth() {
    let sim = Simulator::start(SimConfig {
        tenants: 8,
        glp_page_cap: 30,
        max_devices: 200,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let demo = sim.credentials();
    let creds = Credentials::new(
        demo.client_id,
        SecretString::from(demo.client_secret),
        WorkspaceId::parse(&demo.workspace_id).unwrap(),
    )
    .with_base_url(BaseUrl::parse(&sim.base_url()).unwrap());
    let base = creds.base_url.clone();
    let provider = msp_provider(creds, AuthOptions::default()).unwrap();
    let api = ApiClient::builder(Api::GreenLake, base, Arc::clone(&provider))
        .no_rate_limit()
        .build()
        .unwrap();
    let client = WorkspacesClient::new(api);
    let truth = sim.truth_with_records();
    for t in &truth.tenants {
        let tenant = client.tenant(WorkspaceId::parse(&t.workspace_id).unwrap());
        for &r in GlpResource::all() {
            let got: Vec<Value> = tenant.resource(r).stream().try_collect().await.unwrap();
            let want = &t.records.as_ref().unwrap()[r.name()];
            assert_eq!(&got, want, "{} {r}", t.name);
        }
    }
    // With the MSP token: the MSP workspace's own inventory.
    let own: Vec<Value> = client
        .resource(GlpResource::Devices, glp_auth::Scope::Msp)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(own.len() as u64, truth.msp_counts["glp/devices"]);
    assert_eq!(
        "glp/devices".parse::<GlpResource>(),
        Ok(GlpResource::Devices)
    );
    assert!("glp/licences".parse::<GlpResource>().is_err());
    sim.shutdown().await;
}
