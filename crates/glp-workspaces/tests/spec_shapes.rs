//! Contract tests of the GreenLake shapes where HPE's published specs
//! (`device-management.json`, `subscription-management.json`) and earlier answers differ: a
//! device's `application` an object, `null` or absent; a subscription's `quantity` and
//! `availableQuantity` strings (the spec) or numbers; a `tier` outside the spec's enumeration.
//! The lists decode every variant, keep each item as received, and `glp_workspaces::shapes`
//! reads both forms.
#![allow(clippy::unwrap_used)]

mod support;

use futures::TryStreamExt as _;
use glp_auth::WorkspaceId;
use glp_workspaces::shapes::{application_id, count};
use glp_workspaces::{OffsetListRequest, TenantResources};
use httpmock::Method::GET;
use httpmock::MockServer;
use serde_json::{Value, json};
use support::{TOKEN, client, tenant_id};

fn tenant() -> WorkspaceId {
    WorkspaceId::parse(&tenant_id(3)).unwrap()
}

/// Serves `path` with one page holding `items`, for the bearer [`TOKEN`].
async fn one_page(server: &MockServer, path: &str, items: &Value) {
    let n = items.as_array().unwrap().len();
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(path)
                .query_param("offset", "0")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200)
                .json_body(json!({"items": items, "count": n, "offset": 0, "total": n}));
        })
        .await;
}

/// Every item of the list of [`tenant`] that `list` asks for, from `server`.
async fn tenant_items(
    server: &MockServer,
    list: impl FnOnce(&TenantResources) -> OffsetListRequest<Value>,
) -> Vec<Value> {
    list(&client(&server.base_url()).tenant(tenant()))
        .stream()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn device_application_as_object_null_or_absent() {
    let server = MockServer::start_async().await;
    let items = json!([
        {"id": "d1", "type": "devices/device", "serialNumber": "SN1", "partNumber": "R7J28A",
         "application": {"id": "app-1", "resourceUri": "/service-catalog/v1/service-managers/app-1"}},
        {"id": "d2", "type": "devices/device", "serialNumber": "SN2", "partNumber": "R7J28A",
         "application": null},
        {"id": "d3", "type": "devices/device", "serialNumber": "SN3", "partNumber": "R7J28A",
         "deviceType": "A_TYPE_THE_SPEC_DOES_NOT_NAME"},
    ]);
    one_page(&server, "/devices/v1/devices", &items).await;
    let devices = tenant_items(&server, TenantResources::devices).await;
    assert_eq!(&Value::Array(devices.clone()), &items, "kept as received");
    let apps: Vec<_> = devices.iter().map(application_id).collect();
    assert_eq!(apps, [Some("app-1"), None, None]);
}

#[tokio::test]
async fn subscription_quantities_as_strings_or_numbers_and_any_tier() {
    let server = MockServer::start_async().await;
    let items = json!([
        {"id": "s1", "type": "subscriptions/subscription", "tier": "FOUNDATION_AP",
         "quantity": "25", "availableQuantity": "5"},
        {"id": "s2", "type": "subscriptions/subscription", "tier": "FOUNDATION_GW",
         "quantity": 30, "availableQuantity": 0},
        {"id": "s3", "type": "subscriptions/subscription", "tier": "A_TIER_FROM_TOMORROW"},
    ]);
    one_page(&server, "/subscriptions/v1/subscriptions", &items).await;
    let subs = tenant_items(&server, TenantResources::subscriptions).await;
    assert_eq!(&Value::Array(subs.clone()), &items, "kept as received");
    let quantities: Vec<_> = subs
        .iter()
        .map(|s| (count(s, "quantity"), count(s, "availableQuantity")))
        .collect();
    assert_eq!(
        quantities,
        [(Some(25), Some(5)), (Some(30), Some(0)), (None, None)]
    );
    let tiers: Vec<_> = subs.iter().map(|s| s["tier"].as_str().unwrap()).collect();
    assert_eq!(
        tiers,
        ["FOUNDATION_AP", "FOUNDATION_GW", "A_TIER_FROM_TOMORROW"]
    );
}
