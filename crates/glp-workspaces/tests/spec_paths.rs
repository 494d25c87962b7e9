//! Contract test of a GreenLake list this crate does not type, read by its path
//! (`TenantResources::list_path`: `GET locations/v1/locations`, HPE's location-management
//! spec, offset-paged) against httpmock: the exact path and query (offset by the items
//! received, the generic page size), the tenant's token, two pages to the total, items kept
//! verbatim; and a typed resource's path keeping its own page size.
#![allow(clippy::unwrap_used)]

mod support;

use futures::TryStreamExt as _;
use glp_auth::WorkspaceId;
use glp_workspaces::TenantResources;
use httpmock::{Mock, MockServer};
use serde_json::{Value, json};
use support::{TOKEN, client, hang_guard, tenant_id};

const LOCATIONS: &str = "/locations/v1/locations";

fn location(n: u64) -> Value {
    json!({"id": format!("loc-{n}"), "name": format!("Site {n}"), "type": "street"})
}

fn page(offset: u64, items: std::ops::Range<u64>, total: u64) -> Value {
    let items: Vec<Value> = items.map(location).collect();
    json!({"offset": offset, "count": items.len(), "total": total, "items": items})
}

/// The resources of tenant 4 on `base`.
fn tenant(base: &str) -> TenantResources {
    client(base).tenant(WorkspaceId::parse(&tenant_id(4)).unwrap())
}

/// `server` answering a `GET` of `path` with exactly `query` and the token with `body`.
async fn page_at<'a>(
    server: &'a MockServer,
    path: &str,
    query: &[(&str, &str)],
    body: Value,
) -> Mock<'a> {
    let auth = format!("Bearer {TOKEN}");
    let headers = [("authorization", auth.as_str())];
    test_support::mock::exact_get(server, path, query, &headers, body).await
}

#[tokio::test]
async fn a_path_of_the_specs_pages_by_offset_with_the_tenant_token() {
    let server = MockServer::start_async().await;
    // The server caps pages at 2 whatever `limit` says: the next offset is the items received.
    let mut pages = Vec::new();
    for (offset, items) in [("0", 0..2), ("2", 2..3)] {
        let body = page(offset.parse().unwrap(), items, 3);
        let query = [("offset", offset), ("limit", "50")];
        pages.push(page_at(&server, LOCATIONS, &query, body).await);
    }
    let request = tenant(&server.base_url()).list_path("/locations/v1/locations/");
    assert_eq!(request.path(), "locations/v1/locations");
    assert_eq!(request.max_limit(), glp_workspaces::GENERIC_MAX_LIMIT);
    let items: Vec<Value> = hang_guard(request.stream().try_collect()).await.unwrap();
    assert_eq!(items, (0..3).map(location).collect::<Vec<_>>());
    for page in pages {
        page.assert_async().await;
    }
}

#[test]
fn a_typed_resources_path_keeps_its_page_size() {
    let t = tenant("http://127.0.0.1:9");
    assert_eq!(
        t.list_path("subscriptions/v1/subscriptions").max_limit(),
        50
    );
    assert_eq!(t.list_path("devices/v1/devices").max_limit(), 2000);
}

#[tokio::test]
async fn a_cursor_paged_list_sends_back_each_next_and_no_offset() {
    let server = MockServer::start_async().await;
    let mut pages = Vec::new();
    for (query, body) in [
        (
            &[("limit", "50")][..],
            json!({"items": [location(1), location(2)], "count": 2, "total": 3, "next": "tok-2"}),
        ),
        (
            &[("limit", "50"), ("next", "tok-2")][..],
            json!({"items": [location(3)], "count": 1, "total": 3, "next": ""}),
        ),
    ] {
        pages.push(page_at(&server, "/wellness/v2/events", query, body).await);
    }
    let request = tenant(&server.base_url()).list_path("wellness/v2/events");
    let items: Vec<Value> = hang_guard(request.cursor_stream().try_collect())
        .await
        .unwrap();
    assert_eq!(items, (1..4).map(location).collect::<Vec<_>>());
    for page in pages {
        page.assert_async().await;
    }
}
