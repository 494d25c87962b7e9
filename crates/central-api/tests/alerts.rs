//! Contract tests of Central's alerts (`GET /network-notifications/v1/alerts`, HPE's
//! notifications spec, operation `getAlertListV1`) against a mock server: the exact path and
//! query (`limit` up to 100, `next` from 1, `filter`, `sort`), the tenant's token, typed items
//! with the spec's nulls, paging to the end, a total that lies in both directions, a filter
//! the spec does not allow refused before any request, and error answers.
#![allow(clippy::unwrap_used)]

mod support;

use central_api::{Alert, ApiError, ListRequest, Resource, check_filter, check_sort};
use futures::{StreamExt, TryStreamExt};
use httpmock::Method::GET;
use httpmock::MockServer;
use serde_json::{Value, json};
use support::{TENANT_TOKEN, bearer, client, tenant};
use test_support::mock::{answered_once, any_request_fails};

const ALERTS: &str = "/network-notifications/v1/alerts";

/// An alert as the spec's example has it (with its `null`s), numbered `i`.
fn alert(i: u32, status: &str) -> Value {
    json!({
        "id": format!("22071893000:{i}"), "key": "ad4c9f5b", "category": "System",
        "typeId": "102", "name": "Insufficient PoE Received", "severity": "Critical",
        "priority": "Very High", "status": status, "summary": "AP did not receive PoE",
        "createdAt": "2025-12-10T07:04:33.352Z", "updatedAt": "", "updatedBy": null,
        "type": "network-notifications/alerts", "deviceType": "Access Point",
        "clearedReason": null
    })
}

/// A page of `items` (its `count`) of `total` alerts, followed by the page `next` (blank: the
/// last).
fn page(items: Vec<Value>, total: u64, next: &str) -> Value {
    json!({"items": items, "count": items.len(), "total": total, "next": next})
}

/// What answers the alerts page at `next` (with `limit` 100 and the tenant token) with `body`.
async fn page_at<'a>(server: &'a MockServer, next: &str, body: Value) -> httpmock::Mock<'a> {
    let auth = bearer(TENANT_TOKEN);
    test_support::mock::exact_get(
        server,
        ALERTS,
        &[("limit", "100"), ("next", next)],
        &[("authorization", &auth)],
        body,
    )
    .await
}

/// The alerts request of the tenant, of a client of `server`.
fn alerts_of(server: &MockServer) -> ListRequest<Alert> {
    client(&server.base_url()).tenant(tenant()).alerts()
}

async fn stream_all(server: &MockServer) -> Vec<Result<Alert, ApiError>> {
    alerts_of(server).stream().collect().await
}

/// Every alert streamed from a mock server answering `pages` (each body at its `next`, see
/// [`page_at`]), and how many times each page was asked for.
async fn listed(pages: &[(&str, Value)]) -> (Vec<Result<Alert, ApiError>>, Vec<usize>) {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for (next, body) in pages {
        mocks.push(page_at(&server, next, body.clone()).await);
    }
    let alerts = stream_all(&server).await;
    let mut calls = Vec::new();
    for mock in mocks {
        calls.push(mock.calls_async().await);
    }
    (alerts, calls)
}

#[tokio::test]
async fn every_page_is_read_with_the_tenant_token_until_next_is_blank() {
    let (alerts, calls) = listed(&[
        (
            "1",
            page(vec![alert(1, "Active"), alert(2, "Cleared")], 3, "2"),
        ),
        ("2", page(vec![alert(3, "Active")], 3, "")),
    ])
    .await;
    assert_eq!(calls, [1, 1], "each page once");
    let alerts: Vec<Alert> = alerts.into_iter().map(Result::unwrap).collect();
    let ids: Vec<_> = alerts.iter().map(|a| a.id.clone().unwrap()).collect();
    assert_eq!(ids, ["22071893000:1", "22071893000:2", "22071893000:3"]);
    assert_eq!(alerts.iter().filter(|a| a.is_open()).count(), 2);
    assert_eq!(alerts[0].updated_by, None);
    assert_eq!(alerts[0].device_type.as_deref(), Some("Access Point"));
}

#[tokio::test]
async fn filter_sort_and_limit_are_sent_as_given() {
    let server = MockServer::start_async().await;
    let filter = "typeId in ('102', '4') and siteId eq '1234567'";
    let auth = bearer(TENANT_TOKEN);
    let mock = test_support::mock::exact_get(
        &server,
        ALERTS,
        &[
            ("limit", "20"),
            ("next", "1"),
            ("filter", filter),
            ("sort", "severity desc"),
        ],
        &[("authorization", &auth)],
        page(vec![], 0, ""),
    )
    .await;
    let page = alerts_of(&server)
        .limit(20)
        .filter(filter)
        .sort("severity desc")
        .page(None)
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(page.items.is_empty());
    assert!(check_filter(filter, Some(Resource::Alerts)).is_ok());
}

#[tokio::test]
async fn a_limit_over_100_and_a_field_the_spec_does_not_filter_are_refused_unsent() {
    let server = MockServer::start_async().await;
    let any = any_request_fails(&server).await;
    let err = alerts_of(&server).limit(101).page(None).await.unwrap_err();
    assert!(matches!(err, ApiError::InvalidRequest(_)), "{err}");
    assert!(
        err.to_string()
            .contains("1..=100 for network-notifications/v1/alerts"),
        "{err}"
    );
    assert_eq!(any.calls_async().await, 0);
    let problem = check_filter("severity eq 'Critical'", Some(Resource::Alerts))
        .unwrap_err()
        .to_string();
    assert!(
        problem.contains("siteId, typeId, status, category, deviceType"),
        "{problem}"
    );
    let problem = check_filter("status eq 'Active' or status eq 'Deferred'", None)
        .unwrap_err()
        .to_string();
    assert!(problem.contains("`and` only"), "{problem}");
    assert!(check_sort("severity desc, createdAt", Resource::Alerts).is_ok());
    let problem = check_sort("summary asc", Resource::Alerts)
        .unwrap_err()
        .to_string();
    assert!(problem.contains("createdAt, severity"), "{problem}");
    assert!(check_sort("name sideways", Resource::Alerts).is_err());
    assert!(check_sort("anything goes", Resource::Aps).is_ok());
}

#[tokio::test]
async fn a_total_that_says_more_does_not_make_the_stream_loop_or_fail() {
    let (alerts, _) = listed(&[
        ("1", page(vec![alert(1, "Active")], 500, "2")),
        ("2", page(vec![], 500, "3")),
    ])
    .await;
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].is_ok());
}

#[tokio::test]
async fn a_total_that_says_less_ends_the_listing_at_the_total() {
    let first = page(vec![alert(1, "Active"), alert(2, "Active")], 2, "2");
    let (alerts, calls) = listed(&[("1", first)]).await;
    assert_eq!(calls, [1]);
    assert_eq!(alerts.len(), 2);
    assert!(alerts.iter().all(Result::is_ok));
}

#[tokio::test]
async fn error_answers_are_errors_with_the_server_words_cleaned() {
    for (status, body, kind) in [
        (
            400,
            json!({"httpStatusCode": 400, "errorCode": "HPE_GL_NETWORK_NOTIFICATIONS_INVALID_INPUT", "message": "bad filter\u{1b}[31m"}),
            "bad_request",
        ),
        (
            403,
            json!({"httpStatusCode": "403", "errorCode": "HPE_GL_ERROR_FORBIDDEN", "message": "a tenant token is required"}),
            "forbidden",
        ),
    ] {
        let err = answered_once(GET, ALERTS, (status, body), |base| async move {
            let alerts = client(&base).tenant(tenant()).alerts();
            alerts.stream().try_collect::<Vec<_>>().await
        })
        .await
        .unwrap_err();
        assert_eq!(err.status(), Some(status), "{err}");
        assert_eq!(err.kind(), kind, "{err}");
        assert!(!err.to_string().contains('\u{1b}'), "{err}");
    }
}

#[tokio::test]
async fn an_item_of_an_odd_shape_is_an_error_not_a_panic() {
    let server = MockServer::start_async().await;
    page_at(
        &server,
        "1",
        json!({"items": [{"id": {"nested": true}}], "next": ""}),
    )
    .await;
    let alerts = stream_all(&server).await;
    assert_eq!(alerts.len(), 1);
    let err = alerts.into_iter().next().unwrap().unwrap_err();
    assert_eq!(err.kind(), "decode", "{err}");
    // The same page read raw keeps the item as sent.
    let raw = client(&server.base_url())
        .tenant(tenant())
        .resource(Resource::Alerts)
        .stream()
        .try_collect::<Vec<Value>>()
        .await
        .unwrap();
    assert_eq!(raw, [json!({"id": {"nested": true}})]);
}
