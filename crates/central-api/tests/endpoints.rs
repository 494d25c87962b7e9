//! Contract tests of every endpoint against a mock server: the exact path (with the default
//! `v1` and with `.version("v1alpha1")`), the exact query (`limit`, `next` or `offset`, `filter`, `sort`,
//! `site-assigned`, ...), and the bearer token of the right scope (tenant calls carry the
//! tenant's token, list-tenants the MSP token). Requests that cannot be right (a limit over the
//! endpoint's maximum, a bad path) are refused before anything is sent.
#![allow(clippy::unwrap_used)]

mod support;

use central_api::{ApiError, ListRequest, Resource, SiteAssignment};
use futures::{StreamExt, TryStreamExt};
use glp_auth::hints::FORBIDDEN_HINT;
use httpmock::Method::GET;
use httpmock::MockServer;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::{
    MSP_TOKEN, OTHER_TOKEN, TENANT_TOKEN, bearer, client, fixture, other_tenant, tenant,
};

/// What answers a `GET` of `path` with exactly the parameters of `query` and the bearer `token`
/// with `body`.
async fn exact_get<'a>(
    server: &'a MockServer,
    path: &str,
    query: &[(&str, &str)],
    token: &str,
    body: Value,
) -> httpmock::Mock<'a> {
    let bearer = bearer(token);
    test_support::mock::exact_get(server, path, query, &[("authorization", &bearer)], body).await
}

/// What answers every request on `server` with an empty list.
async fn empty_lists(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({"items": []}));
        })
        .await
}

/// What answers a `GET` of a path matching `path` with the bearer `token` with an empty list.
async fn empty_list_at<'a>(server: &'a MockServer, path: &str, token: &str) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path_matches(path)
                .header("authorization", bearer(token));
            then.status(200).json_body(json!({"items": []}));
        })
        .await
}

/// The first page of `request`, which must succeed.
async fn first_page<T: DeserializeOwned + Send + std::fmt::Debug + 'static>(
    request: ListRequest<T>,
) -> central_api::Page<T> {
    request.page(None).await.unwrap()
}

/// The error of the first page of `request`, which must fail.
async fn refused<T: DeserializeOwned + Send + std::fmt::Debug + 'static>(
    request: ListRequest<T>,
) -> ApiError {
    request.page(None).await.unwrap_err()
}

/// The fixture that serves each resource's first page.
fn fixture_of(resource: Resource) -> &'static str {
    match resource {
        Resource::DeviceInventory | Resource::Devices => "device-inventory.json",
        Resource::Aps => "aps.json",
        Resource::Switches => "switches.json",
        Resource::Gateways => "gateways.json",
        Resource::Clients => "clients.json",
        Resource::SitesHealth => "sites-health.json",
        Resource::Alerts => "alerts.json",
    }
}

#[tokio::test]
async fn every_resource_is_read_from_its_path_with_the_tenant_token() {
    let server = MockServer::start_async().await;
    let central = client(&server.base_url());
    for &resource in Resource::all() {
        let body = fixture(fixture_of(resource));
        let path = format!("/{}", resource.path());
        let limit = resource.max_limit().to_string();
        let first = if resource == Resource::SitesHealth {
            ("offset", "0")
        } else {
            ("next", "1")
        };
        let query = [("limit", limit.as_str()), first];
        let mock = exact_get(&server, &path, &query, TENANT_TOKEN, body.clone()).await;
        let page = central
            .tenant(tenant())
            .resource(resource)
            .page(None)
            .await
            .unwrap_or_else(|e| panic!("{resource}: {e}"));
        assert_eq!(
            Value::Array(page.items),
            body["items"],
            "{resource}: raw items"
        );
        mock.assert_async().await;
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn typed_lists_decode_their_models() {
    let server = MockServer::start_async().await;
    let tenant_client = client(&server.base_url()).tenant(tenant());
    for &resource in Resource::all() {
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(format!("/{}", resource.path()))
                    .header("authorization", bearer(TENANT_TOKEN));
                then.status(200).json_body(fixture(fixture_of(resource)));
            })
            .await;
    }
    let inventory = first_page(tenant_client.device_inventory()).await;
    assert_eq!(
        inventory.items[1].common.serial_number.as_deref(),
        Some("SG30KLM77Q")
    );
    assert_eq!((inventory.count, inventory.total), (Some(3), Some(5)));
    assert_eq!(inventory.next, Some(central_api::Cursor::Text("2".into())));
    let alerts = first_page(tenant_client.alerts()).await;
    assert_eq!(alerts.items[0].severity.as_deref(), Some("Critical"));
    assert_eq!(
        alerts.items[1].cleared_reason.as_deref(),
        Some("Condition resolved")
    );
    assert_eq!(alerts.items[1].extra["siteId"], "48424357225234432");
    assert_eq!(alerts.next, None);
    let aps = first_page(tenant_client.aps()).await;
    assert_eq!(aps.items[0].cluster_name.as_deref(), Some("ber-hq-cluster"));
    assert_eq!(aps.next, None);
    let switches = first_page(tenant_client.switches()).await;
    assert_eq!(switches.items[1].common.role.as_deref(), Some("Member"));
    let gateways = first_page(tenant_client.gateways()).await;
    assert_eq!(
        gateways.items[0].device_function.as_deref(),
        Some("Branch GW")
    );
    assert_eq!(gateways.count, None, "count absent");
    let clients = first_page(tenant_client.clients()).await;
    assert_eq!(clients.items[0].mac.as_deref(), Some("5c:e9:1e:0a:44:01"));
    let sites = first_page(tenant_client.sites_health()).await;
    assert_eq!(sites.items[1].display_name(), Some("München Filiale"));
    assert_eq!(sites.items[0].device_count(), Some(42));
    // Offset-paged: the whole list was 2 items, no next page.
    assert_eq!(sites.next, None);
    let devices = first_page(tenant_client.devices()).await;
    assert_eq!(devices.items.len(), 3);
}

#[tokio::test]
async fn version_filter_sort_limit_and_site_assigned_are_sent_as_asked() {
    let server = MockServer::start_async().await;
    let filter = "deviceType eq 'ACCESS_POINT' and siteName eq 'Café & Bar'";
    let query = [
        ("limit", "250"),
        ("next", "1"),
        ("filter", filter),
        ("sort", "deviceName asc"),
        ("site-assigned", "UNASSIGNED"),
    ];
    let path = "/network-monitoring/v1alpha1/device-inventory";
    let body = json!({"items": [], "count": 0, "total": 0, "next": null});
    let mock = exact_get(&server, path, &query, TENANT_TOKEN, body).await;
    let request = client(&server.base_url())
        .tenant(tenant())
        .device_inventory()
        .version("v1alpha1")
        .limit(250)
        .filter(filter)
        .sort("deviceName asc")
        .site_assigned(SiteAssignment::Assigned)
        .site_assigned(SiteAssignment::Unassigned);
    assert_eq!(
        request.path(),
        "network-monitoring/v1alpha1/device-inventory"
    );
    let page = first_page(request).await;
    assert!(page.items.is_empty());
    mock.assert_async().await;
}

#[tokio::test]
async fn every_typed_list_honours_version() {
    let server = MockServer::start_async().await;
    let tenant_client = client(&server.base_url()).tenant(tenant());
    let any_v1alpha2 = "^/network-monitoring/v1alpha2/[a-z-]+$";
    let mock = empty_list_at(&server, any_v1alpha2, TENANT_TOKEN).await;
    let v = "v1alpha2";
    first_page(tenant_client.device_inventory().version(v)).await;
    first_page(tenant_client.aps().version(v)).await;
    first_page(tenant_client.switches().version(v)).await;
    first_page(tenant_client.gateways().version(v)).await;
    first_page(tenant_client.clients().version(v)).await;
    first_page(tenant_client.sites_health().version(v)).await;
    first_page(tenant_client.devices().version(v)).await;
    assert_eq!(mock.calls_async().await, 7);
}

#[tokio::test]
async fn client_parameters_pass_through() {
    let server = MockServer::start_async().await;
    let query = [
        ("limit", "1000"),
        ("next", "1"),
        ("site-id", "48424357225234432"),
        ("serial-number", "CNR4KXY01B"),
    ];
    let body = json!({"items": [], "next": null});
    let mock = exact_get(
        &server,
        "/network-monitoring/v1/clients",
        &query,
        TENANT_TOKEN,
        body,
    )
    .await;
    first_page(
        client(&server.base_url())
            .tenant(tenant())
            .clients()
            .param("site-id", "1")
            .param("site-id", "48424357225234432")
            .param("serial-number", "CNR4KXY01B"),
    )
    .await;
    mock.assert_async().await;
}

#[tokio::test]
async fn list_tenants_uses_the_msp_token() {
    let server = MockServer::start_async().await;
    let body = fixture("list-tenants.json");
    let path = "/network-msp/v1/list-tenants";
    let query = [("limit", "100"), ("next", "1")];
    let first = exact_get(&server, path, &query, MSP_TOKEN, body).await;
    let central = client(&server.base_url());
    let tenants: Vec<_> = central.list_tenants().stream().try_collect().await.unwrap();
    assert_eq!(tenants.len(), 2);
    assert_eq!(tenants[0].tenant_name, "Café Müller");
    first.assert_async().await;

    let query = [
        ("limit", "10"),
        ("next", "1"),
        ("filter", "tenantName eq 'O''Brien & Sons'"),
        ("sort", "tenantName asc"),
    ];
    let body = json!({"items": [], "total": 0, "next": null});
    let filtered = exact_get(&server, path, &query, MSP_TOKEN, body).await;
    let page = first_page(
        central
            .list_tenants()
            .limit(10)
            .filter("tenantName eq 'O''Brien & Sons'")
            .sort("tenantName asc"),
    )
    .await;
    assert_eq!(page.total, Some(0));
    filtered.assert_async().await;
}

#[tokio::test]
async fn each_tenant_gets_its_own_token() {
    let server = MockServer::start_async().await;
    let mock = empty_list_at(&server, "^/network-monitoring/v1/aps$", OTHER_TOKEN).await;
    let central = client(&server.base_url());
    first_page(central.tenant(other_tenant()).aps()).await;
    mock.assert_async().await;
    assert_eq!(central.tenant(other_tenant()).tenant_id(), other_tenant());

    // A tenant the provider has no token for: no request at all, a token error.
    let unknown = "11111111-2222-4333-8444-555555555555".parse().unwrap();
    let err = central.tenant(unknown).aps().page(None).await.unwrap_err();
    assert_eq!(err.kind(), "token", "{err}");
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn limits_over_the_maximum_are_refused_without_a_request() {
    let server = MockServer::start_async().await;
    let any = empty_lists(&server).await;
    let central = client(&server.base_url());
    let t = central.tenant(tenant());
    let errors = [
        refused(t.device_inventory().limit(1001)).await,
        refused(t.aps().limit(1001)).await,
        refused(t.switches().limit(1001)).await,
        refused(t.gateways().limit(101)).await,
        refused(t.clients().limit(1001)).await,
        refused(t.sites_health().limit(101)).await,
        refused(t.devices().limit(1001)).await,
        refused(t.resource(Resource::Gateways).limit(101)).await,
        refused(t.monitoring("gateways").limit(101)).await,
        refused(t.monitoring("radios").limit(1001)).await,
        refused(t.aps().limit(0)).await,
        refused(central.list_tenants().limit(101)).await,
    ];
    for err in &errors {
        assert_eq!(err.kind(), "invalid_request", "{err}");
    }
    assert!(errors[3].to_string().contains("1..=100"), "{}", errors[3]);
    assert!(errors[3].to_string().contains("gateways"), "{}", errors[3]);
    // Streams refuse too, as their first and only item.
    let items: Vec<_> = t.aps().limit(5000).stream().collect().await;
    assert_eq!(items.len(), 1);
    assert!(items[0].is_err());
    assert_eq!(any.calls_async().await, 0, "a refused request was sent");

    // The maxima themselves are accepted.
    first_page(t.gateways().limit(100)).await;
    first_page(t.aps().limit(1000)).await;
    first_page(central.list_tenants().limit(100)).await;
    assert_eq!(any.calls_async().await, 3);
}

#[tokio::test]
async fn bad_filters_paths_versions_and_parameters_are_refused_without_a_request() {
    let server = MockServer::start_async().await;
    let any = empty_lists(&server).await;
    let t = client(&server.base_url()).tenant(tenant());
    let long = "x".repeat(257);
    let errors = [
        refused(t.aps().filter(long.clone())).await,
        refused(t.aps().sort(long)).await,
        refused(t.aps().version("1")).await,
        refused(t.aps().version("v1/../../x")).await,
        refused(t.aps().param("limit", "5")).await,
        refused(t.aps().param("next", "5")).await,
        refused(t.monitoring("../network-msp/v1/list-tenants")).await,
        refused(t.monitoring("aps?limit=5")).await,
        refused(t.monitoring("https://evil.example/aps")).await,
        refused(t.monitoring("network-msp/v1/list-tenants")).await,
    ];
    for err in &errors {
        assert_eq!(err.kind(), "invalid_request", "{err}");
    }
    assert!(errors[0].to_string().contains("256"), "{}", errors[0]);
    assert!(errors[5].to_string().contains("start_at"), "{}", errors[5]);
    assert!(errors[7].to_string().contains(".param()"), "{}", errors[7]);
    assert_eq!(any.calls_async().await, 0, "a refused request was sent");
    // A filter of exactly 256 characters is fine.
    first_page(t.aps().filter("y".repeat(256))).await;
    assert_eq!(any.calls_async().await, 1);
}

#[tokio::test]
async fn monitoring_reads_any_network_monitoring_path() {
    let server = MockServer::start_async().await;
    let t = client(&server.base_url()).tenant(tenant());
    let cases = [
        (
            "network-monitoring/v1alpha1/aps",
            "/network-monitoring/v1alpha1/aps",
            "1000",
        ),
        (
            "/network-monitoring/v1/switches/",
            "/network-monitoring/v1/switches",
            "1000",
        ),
        (
            "v1alpha1/gateways",
            "/network-monitoring/v1alpha1/gateways",
            "100",
        ),
        (
            "aps/CNR4KXY01B/radios",
            "/network-monitoring/v1/aps/CNR4KXY01B/radios",
            "100",
        ),
        ("swarms", "/network-monitoring/v1/swarms", "100"),
    ];
    for (given, path, limit) in cases {
        let item = json!({"given": given, "unknown": {"kept": true}});
        let mock = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(path)
                    .query_param("limit", limit)
                    .query_param("next", "1")
                    .header("authorization", bearer(TENANT_TOKEN));
                then.status(200)
                    .json_body(json!({"items": [item.clone()], "next": null}));
            })
            .await;
        let items: Vec<Value> = t.monitoring(given).stream().try_collect().await.unwrap();
        assert_eq!(items, vec![item], "{given}");
        mock.assert_async().await;
    }
    // `.version()` replaces a version the path named.
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/network-monitoring/v1alpha2/swarms");
            then.status(200).json_body(json!({"items": []}));
        })
        .await;
    first_page(
        t.monitoring("network-monitoring/v1alpha1/swarms")
            .version("v1alpha2"),
    )
    .await;
    mock.assert_async().await;
}

/// The error of the tenant's first page of APs when the server answers `status` with `body`,
/// and how many requests the server received.
async fn aps_error(status: u16, body: Value) -> (ApiError, usize) {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/network-monitoring/v1/aps");
            then.status(status).json_body(body);
        })
        .await;
    let err = refused(client(&server.base_url()).tenant(tenant()).aps()).await;
    (err, mock.calls_async().await)
}

#[tokio::test]
async fn a_403_is_reported_with_the_tenant_token_hint_and_not_retried() {
    let (err, requests) = aps_error(
        403,
        json!({
            "httpStatusCode": "403",
            "errorCode": "HPE_GL_ERROR_FORBIDDEN",
            "message": "a tenant token is required",
            "debugId": "78f002e32e0cefba3d8cc94fa8179342"
        }),
    )
    .await;
    assert_eq!(err.kind(), "forbidden");
    assert_eq!(err.hints(), [FORBIDDEN_HINT]);
    let text = err.to_string();
    assert!(text.contains("a tenant token is required"), "{text}");
    assert!(
        text.contains("the API client's role grants read access"),
        "{text}"
    );
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn a_body_without_items_is_a_decode_error() {
    let (err, _) = aps_error(200, json!({"devices": [], "total": 0})).await;
    assert_eq!(err.kind(), "decode", "{err}");
    assert!(err.to_string().contains("items"), "{err}");
}
