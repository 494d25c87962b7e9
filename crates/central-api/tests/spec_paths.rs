//! Contract tests of a Central list this crate does not type, read by its path
//! (`TenantClient::list_path`: `GET network-reporting/v1/reports`, HPE's reporting spec, paged
//! by a `next` cursor) against httpmock: the exact path and query (`limit` 100, `next` from 1,
//! then as received), the tenant's token, two pages to a blank `next`; and paths that leave
//! their API refused before any request.
#![allow(clippy::unwrap_used)]

mod support;

use central_api::{ApiError, Paging};
use futures::TryStreamExt;
use httpmock::MockServer;
use serde_json::{Value, json};
use support::{TENANT_TOKEN, bearer, client, tenant};

const REPORTS: &str = "/network-reporting/v1/reports";

fn report(n: u32) -> Value {
    json!({"id": format!("r-{n}"), "name": format!("Report {n}")})
}

#[tokio::test]
async fn a_path_of_the_specs_pages_by_its_cursor_with_the_tenant_token() {
    let server = MockServer::start_async().await;
    let auth = bearer(TENANT_TOKEN);
    let headers = [("authorization", auth.as_str())];
    let mut pages = Vec::new();
    for (next, body) in [
        (
            "1",
            json!({"items": [report(1), report(2)], "count": 2, "total": 3, "next": "c-2"}),
        ),
        (
            "c-2",
            json!({"items": [report(3)], "count": 1, "total": 3, "next": ""}),
        ),
    ] {
        let query = [("limit", "100"), ("next", next)];
        pages.push(test_support::mock::exact_get(&server, REPORTS, &query, &headers, body).await);
    }
    let items: Vec<Value> = client(&server.base_url())
        .tenant(tenant())
        .list_path("network-reporting/v1/reports", Paging::Cursor)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [report(1), report(2), report(3)]);
    for page in pages {
        page.assert_async().await;
    }
}

#[tokio::test]
async fn paths_that_leave_their_api_are_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let anything = test_support::mock::any_request_fails(&server).await;
    let tenant = client(&server.base_url()).tenant(tenant());
    for bad in [
        "network-reporting/v1/../../x",
        "https://evil.example/network-reporting/v1/reports",
        "network-reporting/v1/reports?limit=5",
        "network-reporting/reports",
        "devices/v1/devices",
    ] {
        let got: Result<Vec<Value>, ApiError> = tenant
            .list_path(bad, Paging::Cursor)
            .stream()
            .try_collect()
            .await;
        assert!(
            matches!(got, Err(ApiError::InvalidRequest(_))),
            "{bad}: {got:?}"
        );
    }
    anything.assert_calls_async(0).await;
}
