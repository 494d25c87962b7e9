//! Contract tests of `GET audit-log/v2beta1/logs` (`getAuditLogs`, HPE's `audit-logs.json`)
//! with a tenant token, against httpmock: the exact query (offset, limit up to 2,000, the
//! `createdAt ge '...'` time filter, the sort), paging by the items received, the spec's
//! `{count, offset, total, remainingRecords, items}` page, a total that lies (more items than
//! it says, and a total that never ends), and the spec's error bodies.
#![allow(clippy::unwrap_used)]

mod support;

use futures::TryStreamExt as _;
use glp_auth::WorkspaceId;
use glp_transport::ApiError;
use glp_workspaces::{GlpResource, created_at_since};
use httpmock::Method::GET;
use httpmock::MockServer;
use platform_sim::SimConfig;
use serde_json::{Value, json};
use support::{TOKEN, client, hang_guard, sim_with_truth, tenant_id};

const PATH: &str = "/audit-log/v2beta1/logs";

fn tenant() -> WorkspaceId {
    WorkspaceId::parse(&tenant_id(21)).unwrap()
}

/// Audit entry `n`, in the spec's item shape.
fn entry(n: u64) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012x}"),
        "type": "/audit-log/log",
        "category": "User Management",
        "createdAt": format!("2026-12-01T00:{:02}:00Z", n % 60),
        "description": format!("User u{n}@example.com logged in"),
        "username": format!("u{n}@example.com"),
        "serviceOffer": {"id": "00000000-0000-0000-0000-000000000000",
                         "name": "HPE GreenLake Platform", "region": "global"},
        "workspace": {"id": tenant_id(21), "name": "Tenant 21", "type": "TENANT"},
        "hasDetails": false
    })
}

/// The spec's page of entries `items` at `offset` of `total` (`remainingRecords`: more after it).
fn page(offset: u64, items: std::ops::Range<u64>, total: u64) -> Value {
    let items: Vec<Value> = items.map(entry).collect();
    let remaining = offset + (items.len() as u64) < total;
    json!({"count": items.len(), "offset": offset, "total": total,
           "remainingRecords": remaining, "items": items})
}

/// `server` answering `GET PATH?offset=OFFSET` with `body`.
async fn at_offset(server: &MockServer, offset: u64, body: Value) -> httpmock::Mock<'_> {
    server
        .mock_async(move |when, then| {
            when.method(GET)
                .path(PATH)
                .query_param("offset", offset.to_string());
            then.status(200).json_body(body);
        })
        .await
}

fn request(server: &MockServer) -> glp_workspaces::OffsetListRequest<Value> {
    client(&server.base_url())
        .tenant(tenant())
        .resource(GlpResource::AuditLogs)
}

async fn ids(request: glp_workspaces::OffsetListRequest<Value>) -> Result<Vec<String>, ApiError> {
    let items: Vec<Value> = hang_guard(request.stream().try_collect()).await?;
    Ok(items
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect())
}

#[test]
fn the_resource_names_its_path_limit_and_time_field() {
    let r: GlpResource = "glp/audit-logs".parse().unwrap();
    assert_eq!(r, GlpResource::AuditLogs);
    assert_eq!("audit-log/v2beta1/logs".parse(), Ok(GlpResource::AuditLogs));
    assert_eq!(r.max_limit(), 2000);
    assert_eq!(r.time_field(), Some("createdAt"));
    assert_eq!(GlpResource::Devices.time_field(), None);
    assert_eq!(
        created_at_since("2026-12-01T00:00:00Z"),
        "createdAt ge '2026-12-01T00:00:00Z'"
    );
}

#[tokio::test]
async fn pages_with_the_time_filter_sort_and_tenant_token() {
    let server = MockServer::start_async().await;
    let filter = created_at_since("2026-12-01T00:00:00Z");
    let mut mocks = Vec::new();
    for (offset, range) in [(0, 0..2), (2, 2..4), (4, 4..5)] {
        let filter = filter.clone();
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path(PATH)
                        .query_param("offset", offset.to_string())
                        .query_param("limit", "2")
                        .query_param("filter", filter)
                        .query_param("sort", "createdAt asc")
                        .header("authorization", format!("Bearer {TOKEN}"));
                    then.status(200).json_body(page(offset, range, 5));
                })
                .await,
        );
    }
    let got = ids(request(&server)
        .limit(2)
        .filter(filter)
        .sort("createdAt asc"))
    .await
    .unwrap();
    assert_eq!(got.len(), 5);
    assert_eq!(got[4], "00000000-0000-4000-8000-000000000004");
    for m in mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn the_default_limit_is_the_spec_maximum_and_more_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path(PATH).query_param("limit", "2000");
            then.status(200).json_body(page(0, 0..3, 3));
        })
        .await;
    assert_eq!(ids(request(&server)).await.unwrap().len(), 3);
    m.assert_async().await;
    let err = request(&server).limit(2001).page().await.unwrap_err();
    assert!(matches!(err, ApiError::InvalidRequest(_)), "{err}");
    assert!(err.to_string().contains("2000"), "{err}");
    assert_eq!(m.calls_async().await, 1);
}

#[tokio::test]
async fn a_total_that_lies_low_ends_the_listing_and_one_that_lies_high_ends_on_an_empty_page() {
    // total 2 but 3 items on the page: the items received are kept, the listing ends there.
    let server = MockServer::start_async().await;
    at_offset(&server, 0, page(0, 0..3, 2)).await;
    assert_eq!(ids(request(&server)).await.unwrap().len(), 3);

    // total 10,000 (the spec's ceiling, remainingRecords true) but the list ends at 3.
    let server = MockServer::start_async().await;
    at_offset(&server, 0, page(0, 0..3, 10_000)).await;
    let empty = at_offset(&server, 3, page(3, 3..3, 10_000)).await;
    assert_eq!(ids(request(&server)).await.unwrap().len(), 3);
    empty.assert_async().await;
}

#[tokio::test]
async fn a_total_that_never_ends_is_stopped_by_the_page_cap() {
    let server = MockServer::start_async().await;
    for offset in 0..3u64 {
        at_offset(&server, offset, page(offset, offset..offset + 1, u64::MAX)).await;
    }
    let err = ids(request(&server).limit(1).max_pages(3))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Protocol { .. }), "{err:?}");
}

#[tokio::test]
async fn the_specs_errors_are_errors_with_their_message() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(PATH);
            then.status(400).json_body(json!({
                "debugId": "78lm90no", "errorCode": "HPE_GL_ERROR_BAD_REQUEST",
                "httpStatusCode": 400, "message": "Bad request error",
                "errorDetails": [{"type": "hpe.greenlake.bad_request", "issues": [{
                    "source": "query.parameter", "subject": "filter",
                    "description": "Invalid date format \u{1b}[31m for createdAt filter."}]}]
            }));
        })
        .await;
    let err = request(&server)
        .filter("createdAt ge 'yesterday'")
        .page()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("400"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "terminal escapes reach the message: {text}"
    );

    let server = MockServer::start_async().await;
    let forbidden = server
        .mock_async(|when, then| {
            when.method(GET).path(PATH);
            then.status(403).json_body(json!({
                "debugId": "abbeeb59", "errorCode": "HPE_GL_ERROR_FORBIDDEN",
                "httpStatusCode": 403, "message": "FORBIDDEN",
                "errorDetails": [{"type": "hpe.greenlake.metadata",
                                  "source": "hpe.greenlake.audit-log", "metadata": {}}]
            }));
        })
        .await;
    let err = request(&server).page().await.unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");
    // 403 is never retried.
    assert_eq!(forbidden.calls_async().await, 1);
}

#[tokio::test]
async fn the_simulator_serves_the_truth_newest_first_and_filters_and_sorts_by_time() {
    let (sim, client, truth) = sim_with_truth(SimConfig {
        tenants: 3,
        glp_page_cap: 7,
        generation: 2,
        ..SimConfig::default()
    })
    .await;
    for t in &truth.tenants {
        let tenant = client.tenant(WorkspaceId::parse(&t.workspace_id).unwrap());
        let want: Vec<Value> = t.records.as_ref().unwrap()["glp/audit-logs"].clone();
        assert!(want.len() >= 3, "{}", want.len());
        let got: Vec<Value> = hang_guard(
            tenant
                .resource(GlpResource::AuditLogs)
                .stream()
                .try_collect(),
        )
        .await
        .unwrap();
        assert_eq!(got, want, "{}", t.name);
        let times: Vec<&str> = want
            .iter()
            .map(|e| e["createdAt"].as_str().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] > w[1]), "newest first");
        // From the third newest on, oldest first.
        let since = times[2];
        let got: Vec<Value> = hang_guard(
            tenant
                .resource(GlpResource::AuditLogs)
                .filter(created_at_since(since))
                .sort("createdAt asc")
                .stream()
                .try_collect(),
        )
        .await
        .unwrap();
        let mut newest: Vec<Value> = want[..3].to_vec();
        newest.reverse();
        assert_eq!(got, newest, "{}", t.name);
        // A bad date is the spec's 400.
        let err = tenant
            .resource(GlpResource::AuditLogs)
            .filter("createdAt ge 'yesterday'")
            .page()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("400"), "{err}");
    }
    sim.shutdown().await;
}
