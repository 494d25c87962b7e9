//! Contract tests of the shapes where HPE's published OpenAPI specs (`msp.json`,
//! `monitoring.json`) and what was seen elsewhere (HPE's samples, the vendor SDK, the simulator
//! before issue 21) differ: the client reads both, and never fails to decode over them.
//!
//! - `next`: a string (the spec), a number, `null`, absent or `""` on the last page;
//! - list-tenants `deviceOwnership`: the spec's `MSP`/`TENANT`, the samples' `MSP_OWNED`/
//!   `CUSTOMER_OWNED`, or any other text, kept as received;
//! - sites-health: with or without the spec's `response` status object, `reasons` as strings or
//!   as the spec's objects;
//! - items with or without the spec's `id` and `type`, `siteId` blank or missing, a gateway's
//!   `status` `Online` (the spec) or `ONLINE`, a client's `vlanId` as a string (the spec) or a
//!   number.
#![allow(clippy::unwrap_used)]

mod support;

use central_api::{ApiError, ListRequest, TenantClient};
use futures::TryStreamExt;
use httpmock::Method::GET;
use httpmock::MockServer;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::{MSP_TOKEN, TENANT_TOKEN, bearer, client, tenant};

const INVENTORY: &str = "/network-monitoring/v1/device-inventory";

/// A device-inventory item as `monitoring.json` gives it (`siteId` blank: no site).
fn spec_device(serial: &str, site: &str) -> Value {
    json!({"id": serial, "type": "network-monitoring/device-monitoring", "serialNumber": serial,
           "macAddress": "20:00:00:00:00:01", "deviceName": serial, "deviceType": "ACCESS_POINT",
           "siteId": site})
}

/// Serves `INVENTORY` page 1 (cursor `"2"`, a string as the spec says) and page 2 ending with
/// `last` (the members of `last` are merged into page 2's body).
async fn two_pages(server: &MockServer, last: Value) {
    let first = json!({
        "items": [spec_device("SN1", "24833497")], "count": 1, "total": 2, "next": "2"
    });
    inventory_page(server, "1", first).await;
    let mut body = json!({"items": [spec_device("SN2", "")], "count": 1, "total": 2});
    for (k, v) in last.as_object().unwrap() {
        body[k] = v.clone();
    }
    inventory_page(server, "2", body).await;
}

/// Serves `body` as the `INVENTORY` page of cursor `next`, for the tenant's token.
async fn inventory_page(server: &MockServer, next: &str, body: Value) {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(INVENTORY)
                .query_param("next", next)
                .header("authorization", bearer(TENANT_TOKEN));
            then.status(200).json_body(body);
        })
        .await;
}

/// Every item of the list of [`tenant`] that `list` asks for, from `server`.
async fn tenant_items<T: DeserializeOwned + Send + 'static>(
    server: &MockServer,
    list: impl FnOnce(&TenantClient) -> ListRequest<T>,
) -> Result<Vec<T>, ApiError> {
    list(&client(&server.base_url()).tenant(tenant()))
        .stream()
        .try_collect()
        .await
}

#[tokio::test]
async fn the_last_page_may_end_with_next_null_absent_or_blank() {
    for last in [
        json!({"next": null}),
        json!({}),
        json!({"next": ""}),
        json!({"next": "3"}),
    ] {
        let server = MockServer::start_async().await;
        two_pages(&server, last.clone()).await;
        let devices = tenant_items(&server, TenantClient::device_inventory)
            .await
            .unwrap_or_else(|e| panic!("{last}: {e}"));
        let serials: Vec<_> = devices
            .iter()
            .map(|d| d.common.serial_number.clone().unwrap())
            .collect();
        assert_eq!(serials, ["SN1", "SN2"], "{last}");
        // The spec's `id` and `type` are read; a blank `siteId` is kept as received.
        assert_eq!(devices[0].common.id.as_deref(), Some("SN1"));
        assert_eq!(
            devices[1].extra["type"],
            "network-monitoring/device-monitoring"
        );
        assert_eq!(devices[1].common.site_id.as_deref(), Some(""));
    }
}

#[tokio::test]
async fn a_numeric_cursor_is_followed_too() {
    let server = MockServer::start_async().await;
    let first = json!({"items": [{"serialNumber": "SN1"}], "total": 2, "next": 2});
    inventory_page(&server, "1", first).await;
    let last = json!({"items": [{"serialNumber": "SN2"}], "total": 2, "next": null});
    inventory_page(&server, "2", last).await;
    let devices = tenant_items(&server, TenantClient::device_inventory)
        .await
        .unwrap();
    assert_eq!(devices.len(), 2);
    assert!(
        devices
            .iter()
            .all(|d| d.common.id.is_none() && d.common.site_id.is_none())
    );
}

#[tokio::test]
async fn device_ownership_is_kept_as_text_whatever_its_value() {
    let server = MockServer::start_async().await;
    let owners = [
        "MSP",
        "TENANT",
        "MSP_OWNED",
        "CUSTOMER_OWNED",
        "SOMETHING_NEW",
    ];
    let items: Vec<Value> = owners
        .iter()
        .enumerate()
        .map(|(i, o)| json!({"tenantId": format!("t{i}"), "tenantName": format!("T{i}"), "deviceOwnership": o}))
        .collect();
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/network-msp/v1/list-tenants")
                .header("authorization", bearer(MSP_TOKEN));
            // The last page of the spec: no `next` at all.
            then.status(200)
                .json_body(json!({"items": items, "count": 5, "total": 5}));
        })
        .await;
    let tenants: Vec<_> = client(&server.base_url())
        .list_tenants()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let got: Vec<_> = tenants
        .iter()
        .map(|t| t.device_ownership.clone().unwrap())
        .collect();
    assert_eq!(got, owners);
}

#[tokio::test]
async fn sites_health_with_or_without_the_response_object_and_any_reasons() {
    let site = |reasons: Value| {
        json!({"id": "24833497", "siteName": "HQ", "type": "network-monitoring/site-health",
               "address": {"city": "Zürich"}, "health": {"groups": []},
               "devices": {"count": 3, "health": {"groups": []}},
               "clients": {"count": 9, "health": {"groups": []}},
               "alerts": {"totalCount": 1, "groups": []}, "reasons": reasons})
    };
    let as_spec = json!([{"reason": "Poor devices", "health": "Poor", "data": {"count": 2}}]);
    let as_strings = json!(["At least 20% of the site's devices are in poor health"]);
    for body in [
        json!({"items": [site(as_spec.clone())], "count": 1, "total": 1, "offset": 0,
               "response": {"code": "SITE-HEALTH-SUCCESS-001", "message": "ok", "status": "SUCCESS"}}),
        json!({"items": [site(as_strings.clone())], "count": 1, "total": 1, "offset": 0}),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/network-monitoring/v1/sites-health")
                    .query_param("offset", "0");
                then.status(200).json_body(body.clone());
            })
            .await;
        let sites = tenant_items(&server, TenantClient::sites_health)
            .await
            .unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(sites.len(), 1, "{body}");
        assert_eq!(sites[0].key(), Some("24833497"));
        assert_eq!(sites[0].device_count(), Some(3));
        assert_eq!(
            sites[0].reasons.as_ref(),
            body["items"][0].get("reasons"),
            "reasons kept as received"
        );
    }
}

#[tokio::test]
async fn gateway_status_and_client_vlan_in_either_spelling() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/network-monitoring/v1/gateways");
            then.status(200).json_body(json!({
                "items": [
                    {"id": "GW1", "type": "network-monitoring/gw-monitoring", "serialNumber": "GW1",
                     "status": "Online", "role": "Leader", "uptimeInMillis": 1000},
                    {"serialNumber": "GW2", "status": "OFFLINE", "role": "BRANCH"}
                ],
                "count": 2, "total": 2, "next": ""
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/network-monitoring/v1/clients");
            then.status(200).json_body(json!({
                "items": [
                    {"id": "3c:00:00:00:00:01", "type": "network-monitoring/client-monitoring",
                     "macAddress": "3c:00:00:00:00:01", "vlanId": "10", "status": "Connected"},
                    {"macAddress": "3c:00:00:00:00:02", "vlanId": 20, "status": "CONNECTED"}
                ],
                "count": 2, "total": 2
            }));
        })
        .await;
    let gateways = tenant_items(&server, TenantClient::gateways).await.unwrap();
    let status: Vec<_> = gateways
        .iter()
        .map(|g| g.common.status.clone().unwrap())
        .collect();
    assert_eq!(status, ["Online", "OFFLINE"]);
    let clients = tenant_items(&server, TenantClient::clients).await.unwrap();
    let vlans: Vec<_> = clients.iter().map(|c| c.vlan_id.clone().unwrap()).collect();
    assert_eq!(vlans, ["10", "20"]);
}
