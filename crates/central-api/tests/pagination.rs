//! Every pagination edge against a mock server: short pages, the cursor as a number and as a
//! string (sent back exactly as received), an empty page while `total` says more, `next` null,
//! absent or blank, `total` reached while `next` is still set, a repeated cursor (an error, never
//! a loop), resuming with `start_at`, offset-paged lists, errors mid-stream, and laziness (one
//! page fetched per page consumed; streams are `Send + 'static`).
#![allow(clippy::unwrap_used)]

mod support;

use central_api::{Cursor, Paging};
use futures::{StreamExt, TryStreamExt};
use httpmock::Method::GET;
use httpmock::{Mock, MockServer};
use serde_json::{Value, json};
use support::{TENANT_TOKEN, bearer, client, tenant};

const APS: &str = "/network-monitoring/v1/aps";

/// Items `{"serialNumber": "SN<i>"}` for `range`.
fn items(range: std::ops::Range<u32>) -> Vec<Value> {
    range
        .map(|i| json!({"serialNumber": format!("SN{i}")}))
        .collect()
}

/// The serial numbers of streamed items.
fn serials(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["serialNumber"].as_str().unwrap().to_owned())
        .collect()
}

/// A page of `path` answered when the request's `next` is `next`.
async fn page_at<'a>(server: &'a MockServer, path: &str, next: &str, body: Value) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(path)
                .query_param("next", next)
                .header("authorization", bearer(TENANT_TOKEN));
            then.status(200).json_body(body);
        })
        .await
}

async fn collect(server: &MockServer) -> Vec<Result<Value, central_api::ApiError>> {
    client(&server.base_url())
        .tenant(tenant())
        .resource(central_api::Resource::Aps)
        .stream()
        .collect()
        .await
}

#[tokio::test]
async fn short_pages_are_followed_until_next_is_null() {
    let server = MockServer::start_async().await;
    // The server returns far fewer than `limit=1000` items per page.
    let p1 = page_at(
        &server,
        APS,
        "1",
        json!({"items": items(0..2), "count": 2, "total": 5, "next": 2}),
    )
    .await;
    let p2 = page_at(
        &server,
        APS,
        "2",
        json!({"items": items(2..3), "count": 1, "total": 5, "next": 3}),
    )
    .await;
    let p3 = page_at(
        &server,
        APS,
        "3",
        json!({"items": items(3..5), "count": 2, "total": 5, "next": null}),
    )
    .await;
    let all: Vec<Value> = collect(&server)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(serials(&all), ["SN0", "SN1", "SN2", "SN3", "SN4"]);
    for p in [p1, p2, p3] {
        p.assert_async().await;
    }
}

#[tokio::test]
async fn cursors_are_sent_back_exactly_as_received() {
    let server = MockServer::start_async().await;
    // A number, then a numeric string (as seen in the wild), then an opaque string.
    page_at(&server, APS, "1", json!({"items": items(0..1), "next": 2})).await;
    page_at(
        &server,
        APS,
        "2",
        json!({"items": items(1..2), "next": "3"}),
    )
    .await;
    page_at(
        &server,
        APS,
        "3",
        json!({"items": items(2..3), "next": "eyJwYWdlIjo0fQ=="}),
    )
    .await;
    let last = page_at(
        &server,
        APS,
        "eyJwYWdlIjo0fQ==",
        json!({"items": items(3..4), "next": null}),
    )
    .await;
    let all: Vec<Value> = collect(&server)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.len(), 4);
    last.assert_async().await;

    // Pages report the cursor in the form it came in.
    let t = client(&server.base_url()).tenant(tenant());
    let first = t.aps().page(None).await.unwrap();
    assert_eq!(first.next, Some(Cursor::Number(2)));
    let second = t.aps().page(first.next.as_ref()).await.unwrap();
    assert_eq!(second.next, Some(Cursor::Text("3".into())));
    let third = t.aps().page(second.next.as_ref()).await.unwrap();
    assert_eq!(third.next, Some(Cursor::Text("eyJwYWdlIjo0fQ==".into())));
}

#[tokio::test]
async fn an_empty_page_stops_even_if_total_says_more() {
    let server = MockServer::start_async().await;
    page_at(
        &server,
        APS,
        "1",
        json!({"items": items(0..2), "count": 2, "total": 10, "next": "2"}),
    )
    .await;
    let empty = page_at(
        &server,
        APS,
        "2",
        json!({"items": [], "count": 0, "total": 10, "next": "3"}),
    )
    .await;
    let beyond = page_at(
        &server,
        APS,
        "3",
        json!({"items": items(2..4), "total": 10, "next": "4"}),
    )
    .await;
    let all = collect(&server).await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(Result::is_ok));
    empty.assert_async().await;
    assert_eq!(beyond.calls_async().await, 0, "asked past an empty page");
}

#[tokio::test]
async fn a_null_absent_or_blank_next_stops() {
    for next in [json!(null), json!(""), json!("  ")] {
        let server = MockServer::start_async().await;
        let first = page_at(
            &server,
            APS,
            "1",
            json!({"items": items(0..2), "total": 10, "next": next}),
        )
        .await;
        let beyond = page_at(
            &server,
            APS,
            "2",
            json!({"items": items(2..4), "total": 10, "next": null}),
        )
        .await;
        assert_eq!(collect(&server).await.len(), 2, "next = {next}");
        first.assert_async().await;
        assert_eq!(beyond.calls_async().await, 0, "next = {next}");
    }
    let server = MockServer::start_async().await;
    page_at(
        &server,
        APS,
        "1",
        json!({"items": items(0..2), "total": 10}),
    )
    .await;
    let beyond = page_at(&server, APS, "2", json!({"items": items(2..4)})).await;
    assert_eq!(collect(&server).await.len(), 2, "next absent");
    assert_eq!(beyond.calls_async().await, 0, "next absent");
}

#[tokio::test]
async fn reaching_total_stops_even_if_next_is_set() {
    let server = MockServer::start_async().await;
    page_at(
        &server,
        APS,
        "1",
        json!({"items": items(0..3), "count": 3, "total": 5, "next": 2}),
    )
    .await;
    page_at(
        &server,
        APS,
        "2",
        json!({"items": items(3..5), "count": 2, "total": 5, "next": 3}),
    )
    .await;
    let beyond = page_at(
        &server,
        APS,
        "3",
        json!({"items": items(5..7), "total": 5, "next": 4}),
    )
    .await;
    let all: Vec<Value> = collect(&server)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.len(), 5);
    assert_eq!(beyond.calls_async().await, 0);
}

#[tokio::test]
async fn a_repeated_cursor_ends_with_an_error_instead_of_looping() {
    // The server answers page 2 with `next: 2` again, without a total.
    let server = MockServer::start_async().await;
    page_at(
        &server,
        APS,
        "1",
        json!({"items": items(0..2), "next": "2"}),
    )
    .await;
    let again = page_at(
        &server,
        APS,
        "2",
        json!({"items": items(2..4), "next": "2"}),
    )
    .await;
    let results = collect(&server).await;
    assert_eq!(results.len(), 5, "4 items then the error");
    assert!(results[..4].iter().all(Result::is_ok));
    let err = results[4].as_ref().unwrap_err();
    assert_eq!(err.kind(), "decode");
    assert!(err.to_string().contains("\"2\" was already sent"), "{err}");
    assert_eq!(again.calls_async().await, 1);

    // A longer cycle: 1 -> 2 -> 1.
    let server = MockServer::start_async().await;
    let one = page_at(&server, APS, "1", json!({"items": items(0..1), "next": 2})).await;
    page_at(&server, APS, "2", json!({"items": items(1..2), "next": 1})).await;
    let results = collect(&server).await;
    assert_eq!(results.len(), 3);
    assert!(results[2].is_err());
    assert_eq!(one.calls_async().await, 1);

    // The number 2 and the string "2" are the same cursor on the wire.
    let server = MockServer::start_async().await;
    page_at(&server, APS, "1", json!({"items": items(0..1), "next": 2})).await;
    let two = page_at(
        &server,
        APS,
        "2",
        json!({"items": items(1..2), "next": "2"}),
    )
    .await;
    let results = collect(&server).await;
    assert_eq!(results.len(), 3);
    assert!(results[2].is_err());
    assert_eq!(two.calls_async().await, 1);
}

#[tokio::test]
async fn start_at_resumes_from_a_saved_cursor() {
    let server = MockServer::start_async().await;
    let first = page_at(
        &server,
        APS,
        "1",
        json!({"items": items(0..2), "next": "2"}),
    )
    .await;
    let resumed = page_at(
        &server,
        APS,
        "7",
        json!({"items": items(12..14), "next": null}),
    )
    .await;
    let t = client(&server.base_url()).tenant(tenant());
    let all: Vec<Value> = t
        .resource(central_api::Resource::Aps)
        .start_at(Cursor::Text("7".into()))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(serials(&all), ["SN12", "SN13"]);
    resumed.assert_async().await;
    assert_eq!(first.calls_async().await, 0);
}

#[tokio::test]
async fn streams_are_lazy_send_and_static() {
    let server = MockServer::start_async().await;
    let p1 = page_at(
        &server,
        APS,
        "1",
        json!({"items": items(0..3), "total": 9, "next": 2}),
    )
    .await;
    let p2 = page_at(
        &server,
        APS,
        "2",
        json!({"items": items(3..6), "total": 9, "next": 3}),
    )
    .await;
    let p3 = page_at(
        &server,
        APS,
        "3",
        json!({"items": items(6..9), "total": 9, "next": null}),
    )
    .await;
    let t = client(&server.base_url()).tenant(tenant());

    // Nothing is sent before the stream is polled.
    let stream = t.aps().stream();
    tokio::task::yield_now().await;
    assert_eq!(p1.calls_async().await, 0);

    // The stream can move to another task (Send + 'static).
    let handle = tokio::spawn(async move {
        let mut stream = Box::pin(stream);
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(stream.try_next().await.unwrap().unwrap());
        }
        got
    });
    let first_four = handle.await.unwrap();
    assert_eq!(first_four.len(), 4);
    assert_eq!(first_four[3].serial_number.as_deref(), Some("SN3"));
    // Four items need two pages, not three.
    assert_eq!(p1.calls_async().await, 1);
    assert_eq!(p2.calls_async().await, 1);
    assert_eq!(p3.calls_async().await, 0);
}

#[tokio::test]
async fn pages_yield_each_page_with_its_envelope() {
    let server = MockServer::start_async().await;
    page_at(
        &server,
        APS,
        "1",
        json!({"items": items(0..2), "count": 2, "total": 3, "next": "2"}),
    )
    .await;
    page_at(
        &server,
        APS,
        "2",
        json!({"items": items(2..3), "count": 1, "total": 3, "next": null}),
    )
    .await;
    let pages: Vec<_> = client(&server.base_url())
        .tenant(tenant())
        .resource(central_api::Resource::Aps)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!((pages[0].count, pages[0].total), (Some(2), Some(3)));
    assert_eq!(pages[0].next, Some(Cursor::Text("2".into())));
    assert_eq!(pages[1].next, None);
    assert_eq!(pages[1].items.len(), 1);
}

#[tokio::test]
async fn an_error_mid_stream_ends_it_after_the_items_already_read() {
    let server = MockServer::start_async().await;
    page_at(&server, APS, "1", json!({"items": items(0..2), "next": 2})).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(APS).query_param("next", "2");
            then.status(500).json_body(json!({"message": "boom"}));
        })
        .await;
    let results = collect(&server).await;
    assert_eq!(results.len(), 3);
    assert_eq!(results[2].as_ref().unwrap_err().kind(), "server_error");
}

const SITES_HEALTH: &str = "/network-monitoring/v1/sites-health";

/// A page of `sites-health` answered when the request's `offset` is `offset`.
async fn offset_page<'a>(server: &'a MockServer, offset: &str, body: Value) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(SITES_HEALTH)
                .query_param("limit", "100")
                .query_param("offset", offset)
                .query_param_missing("next")
                .header("authorization", bearer(TENANT_TOKEN));
            then.status(200).json_body(body);
        })
        .await
}

#[tokio::test]
async fn offset_paged_lists_advance_by_the_items_received() {
    let server = MockServer::start_async().await;
    // Fewer items than asked; the next page starts after the items received.
    let first = offset_page(
        &server,
        "0",
        json!({"items": items(0..60), "count": 60, "total": 130, "offset": 0}),
    )
    .await;
    let second = offset_page(
        &server,
        "60",
        json!({"items": items(60..120), "count": 60, "total": 130, "offset": 60}),
    )
    .await;
    let third = offset_page(
        &server,
        "120",
        json!({"items": items(120..130), "count": 10, "total": 130, "offset": 120}),
    )
    .await;
    let beyond = offset_page(&server, "130", json!({"items": items(0..1), "total": 130})).await;
    let t = client(&server.base_url()).tenant(tenant());
    let all: Vec<Value> = t
        .monitoring("sites-health")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 130);
    for m in [first, second, third] {
        m.assert_async().await;
    }
    assert_eq!(beyond.calls_async().await, 0);

    // Without `total`, a short page is not the last one (servers cap `limit` silently): only
    // an empty page is.
    let server = MockServer::start_async().await;
    offset_page(&server, "0", json!({"items": items(0..100)})).await;
    offset_page(&server, "100", json!({"items": items(100..101)})).await;
    offset_page(&server, "101", json!({"items": items(101..103)})).await;
    let empty = offset_page(&server, "103", json!({"items": []})).await;
    let t = client(&server.base_url()).tenant(tenant());
    let all: Vec<Value> = t
        .monitoring("sites-health")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 103);
    empty.assert_async().await;

    // Any path can be switched to offset paging.
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/network-monitoring/v1/sites-device-health")
                .query_param("offset", "0");
            then.status(200).json_body(json!({"items": [], "total": 0}));
        })
        .await;
    client(&server.base_url())
        .tenant(tenant())
        .monitoring("sites-device-health")
        .paging(Paging::Offset)
        .page(None)
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn list_tenants_streams_every_page() {
    const PATH: &str = "/network-msp/v1/list-tenants";
    let server = MockServer::start_async().await;
    let tenant_page = |range: std::ops::Range<u32>| -> Vec<Value> {
        range
            .map(|i| json!({"tenantId": format!("c{i:031}"), "tenantName": format!("Tenant {i}")}))
            .collect()
    };
    for (next, range, following) in [
        ("1", 0..100, json!(2)),
        ("2", 100..200, json!(3)),
        ("3", 200..250, json!(null)),
    ] {
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(PATH)
                    .query_param("limit", "100")
                    .query_param("next", next)
                    .header("authorization", bearer(support::MSP_TOKEN));
                then.status(200).json_body(json!({
                    "items": tenant_page(range.clone()),
                    "count": range.len(),
                    "total": 250,
                    "next": following,
                }));
            })
            .await;
    }
    let tenants: Vec<_> = client(&server.base_url())
        .list_tenants()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(tenants.len(), 250);
    assert_eq!(tenants[249].tenant_name, "Tenant 249");
}

#[tokio::test]
async fn a_cursor_that_never_repeats_ends_at_the_page_cap_with_an_error() {
    let server = MockServer::start_async().await;
    for n in 1..=12u32 {
        page_at(
            &server,
            APS,
            &n.to_string(),
            json!({"items": items(n * 10..n * 10 + 1), "count": 1, "total": 1_000_000_000u64,
                   "next": n + 1}),
        )
        .await;
    }
    let results: Vec<_> = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        client(&server.base_url())
            .tenant(tenant())
            .resource(central_api::Resource::Aps)
            .max_pages(5)
            .stream()
            .collect::<Vec<_>>(),
    )
    .await
    .expect("the stream ended");
    let (ok, errors): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    assert_eq!(ok.len(), 5, "the items of the pages read are kept");
    assert_eq!(errors.len(), 1);
    let error = errors.into_iter().next().unwrap().unwrap_err();
    assert_eq!(error.kind(), "protocol", "{error}");
    assert!(!error.is_transient());
    assert!(error.to_string().contains(APS), "{error}");
    assert!(error.to_string().contains("5 pages"), "{error}");
    assert_eq!(central_api::DEFAULT_MAX_PAGES, 10_000);
}
