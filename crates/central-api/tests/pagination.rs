//! Every pagination edge against test-support's scripted server, which answers each page by
//! the cursor (or offset) the request carries and records the ones asked for, in order: short
//! pages, the cursor as a number and as a string (sent back exactly as received), an empty page
//! while `total` says more, `next` null, absent or blank, `total` reached while `next` is still
//! set, a repeated cursor (an error, never a loop), resuming with `start_at`, offset-paged lists,
//! errors mid-stream, and laziness (one page fetched per page consumed; streams are
//! `Send + 'static`).
#![allow(clippy::unwrap_used)]

mod support;

use central_api::{Cursor, Paging};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use support::{MSP_TOKEN, TENANT_TOKEN, client, tenant};
use test_support::{Reply, Server};

const APS: &str = "/network-monitoring/v1/aps";

/// Items `{"serialNumber": "SN<i>"}` for `range`.
fn items(range: std::ops::Range<u32>) -> Vec<Value> {
    range
        .map(|i| json!({"serialNumber": format!("SN{i}")}))
        .collect()
}

/// A page of `range`'s items with its `count`, the list's `total` and the `next` cursor.
fn counted_page(range: std::ops::Range<u32>, total: u64, next: Value) -> Value {
    json!({"items": items(range.clone()), "count": range.len(), "total": total, "next": next})
}

/// An offset-paged page of `range`'s items (starting at its start) with its `count` and the
/// list's `total`.
fn offset_page(range: std::ops::Range<u32>, total: u64) -> Value {
    let offset = range.start;
    json!({"items": items(range.clone()), "count": range.len(), "total": total, "offset": offset})
}

/// The serial numbers of streamed items.
fn serials(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["serialNumber"].as_str().unwrap().to_owned())
        .collect()
}

/// A server answering `path` with the body of the `key` (`next`, `offset`) the request
/// carries, from `body`.
fn by_query(
    path: &'static str,
    key: &'static str,
    body: impl Fn(&str) -> Option<Value> + Send + Sync + 'static,
) -> Server {
    let server = Server::start();
    server.handle(move |r| {
        let at = r.query_pairs().get(key)?.clone();
        (r.path == path).then(|| body(&at).map(Into::into))?
    });
    server
}

/// A server answering `path` with the page of `pages` whose `key` (`next`, `offset`) the
/// request carries.
fn paged(path: &'static str, key: &'static str, pages: Vec<(&'static str, Value)>) -> Server {
    by_query(path, key, move |at| {
        pages
            .iter()
            .find(|(page, _)| *page == at)
            .map(|(_, b)| b.clone())
    })
}

/// `aps` answering each cursor of `pages` with its body.
fn aps(pages: Vec<(&'static str, Value)>) -> Server {
    paged(APS, "next", pages)
}

/// The `key` of every request, in order, each of which carried `token`.
fn asked_with(server: &Server, key: &str, token: &str) -> Vec<String> {
    let requests = server.requests();
    for r in &requests {
        assert_eq!(r.bearer(), Some(token), "{}", r.path_and_query());
    }
    requests
        .iter()
        .filter_map(|r| r.query_pairs().get(key).cloned())
        .collect()
}

/// The cursors asked for, in order (each with the tenant's token).
fn cursors(server: &Server) -> Vec<String> {
    asked_with(server, "next", TENANT_TOKEN)
}

async fn collect(server: &Server) -> Vec<Result<Value, central_api::ApiError>> {
    client(server.base_url())
        .tenant(tenant())
        .resource(central_api::Resource::Aps)
        .stream()
        .collect()
        .await
}

async fn collect_ok(server: &Server) -> Vec<Value> {
    collect(server)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn short_pages_are_followed_until_next_is_null() {
    // The server returns far fewer than `limit=1000` items per page.
    let server = aps(vec![
        ("1", counted_page(0..2, 5, json!(2))),
        ("2", counted_page(2..3, 5, json!(3))),
        ("3", counted_page(3..5, 5, json!(null))),
    ]);
    let all = collect_ok(&server).await;
    assert_eq!(serials(&all), ["SN0", "SN1", "SN2", "SN3", "SN4"]);
    assert_eq!(cursors(&server), ["1", "2", "3"]);
}

#[tokio::test]
async fn cursors_are_sent_back_exactly_as_received() {
    // A number, then a numeric string (as seen in the wild), then an opaque string.
    let server = aps(vec![
        ("1", json!({"items": items(0..1), "next": 2})),
        ("2", json!({"items": items(1..2), "next": "3"})),
        (
            "3",
            json!({"items": items(2..3), "next": "eyJwYWdlIjo0fQ=="}),
        ),
        (
            "eyJwYWdlIjo0fQ==",
            json!({"items": items(3..4), "next": null}),
        ),
    ]);
    assert_eq!(collect_ok(&server).await.len(), 4);
    assert_eq!(cursors(&server), ["1", "2", "3", "eyJwYWdlIjo0fQ=="]);

    // Pages report the cursor in the form it came in.
    let t = client(server.base_url()).tenant(tenant());
    let first = t.aps().page(None).await.unwrap();
    assert_eq!(first.next, Some(Cursor::Number(2)));
    let second = t.aps().page(first.next.as_ref()).await.unwrap();
    assert_eq!(second.next, Some(Cursor::Text("3".into())));
    let third = t.aps().page(second.next.as_ref()).await.unwrap();
    assert_eq!(third.next, Some(Cursor::Text("eyJwYWdlIjo0fQ==".into())));
}

#[tokio::test]
async fn an_empty_page_stops_even_if_total_says_more() {
    let server = aps(vec![
        ("1", counted_page(0..2, 10, json!("2"))),
        (
            "2",
            json!({"items": [], "count": 0, "total": 10, "next": "3"}),
        ),
        ("3", json!({"items": items(2..4), "total": 10, "next": "4"})),
    ]);
    assert_eq!(collect_ok(&server).await.len(), 2);
    assert_eq!(cursors(&server), ["1", "2"], "asked past an empty page");
}

#[tokio::test]
async fn a_null_absent_or_blank_next_stops() {
    let beyond = json!({"items": items(2..4), "total": 10, "next": null});
    for next in [Some(json!(null)), Some(json!("")), Some(json!("  ")), None] {
        let mut first = json!({"items": items(0..2), "total": 10});
        if let Some(next) = &next {
            first["next"] = next.clone();
        }
        let server = aps(vec![("1", first), ("2", beyond.clone())]);
        assert_eq!(collect(&server).await.len(), 2, "next = {next:?}");
        assert_eq!(cursors(&server), ["1"], "next = {next:?}");
    }
}

#[tokio::test]
async fn reaching_total_stops_even_if_next_is_set() {
    let server = aps(vec![
        ("1", counted_page(0..3, 5, json!(2))),
        ("2", counted_page(3..5, 5, json!(3))),
        ("3", json!({"items": items(5..7), "total": 5, "next": 4})),
    ]);
    assert_eq!(collect_ok(&server).await.len(), 5);
    assert_eq!(cursors(&server), ["1", "2"]);
}

#[tokio::test]
async fn a_repeated_cursor_ends_with_an_error_instead_of_looping() {
    // The server answers page 2 with `next: 2` again, without a total.
    let server = aps(vec![
        ("1", json!({"items": items(0..2), "next": "2"})),
        ("2", json!({"items": items(2..4), "next": "2"})),
    ]);
    let results = collect(&server).await;
    assert_eq!(results.len(), 5, "4 items then the error");
    assert!(results[..4].iter().all(Result::is_ok));
    let err = results[4].as_ref().unwrap_err();
    assert_eq!(err.kind(), "decode");
    assert!(err.to_string().contains("\"2\" was already sent"), "{err}");
    assert_eq!(cursors(&server), ["1", "2"]);

    // A longer cycle: 1 -> 2 -> 1; and the number 2 then the string "2", the same cursor on
    // the wire.
    for again in [json!(1), json!("2")] {
        let server = aps(vec![
            ("1", json!({"items": items(0..1), "next": 2})),
            ("2", json!({"items": items(1..2), "next": again})),
        ]);
        let results = collect(&server).await;
        assert_eq!(results.len(), 3, "{again}");
        assert!(results[2].is_err(), "{again}");
        assert_eq!(cursors(&server), ["1", "2"], "{again}");
    }
}

#[tokio::test]
async fn start_at_resumes_from_a_saved_cursor() {
    let server = aps(vec![
        ("1", json!({"items": items(0..2), "next": "2"})),
        ("7", json!({"items": items(12..14), "next": null})),
    ]);
    let t = client(server.base_url()).tenant(tenant());
    let all: Vec<Value> = t
        .resource(central_api::Resource::Aps)
        .start_at(Cursor::Text("7".into()))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(serials(&all), ["SN12", "SN13"]);
    assert_eq!(cursors(&server), ["7"]);
}

#[tokio::test]
async fn streams_are_lazy_send_and_static() {
    let server = aps(vec![
        ("1", json!({"items": items(0..3), "total": 9, "next": 2})),
        ("2", json!({"items": items(3..6), "total": 9, "next": 3})),
        ("3", json!({"items": items(6..9), "total": 9, "next": null})),
    ]);
    let t = client(server.base_url()).tenant(tenant());

    // Nothing is sent before the stream is polled.
    let stream = t.aps().stream();
    tokio::task::yield_now().await;
    assert!(server.requests().is_empty());

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
    assert_eq!(first_four[3].common.serial_number.as_deref(), Some("SN3"));
    // Four items need two pages, not three.
    assert_eq!(cursors(&server), ["1", "2"]);
}

#[tokio::test]
async fn pages_yield_each_page_with_its_envelope() {
    let server = aps(vec![
        ("1", counted_page(0..2, 3, json!("2"))),
        ("2", counted_page(2..3, 3, json!(null))),
    ]);
    let pages: Vec<_> = client(server.base_url())
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
    let server = Server::scripted([
        Reply::json(200, json!({"items": items(0..2), "next": 2})),
        Reply::json(500, json!({"message": "boom"})),
    ]);
    let results = collect(&server).await;
    assert_eq!(results.len(), 3);
    assert_eq!(results[2].as_ref().unwrap_err().kind(), "server_error");
    assert_eq!(
        cursors(&server),
        ["1", "2"],
        "the server error is not retried"
    );
}

const SITES_HEALTH: &str = "/network-monitoring/v1/sites-health";

/// `sites-health` answering each offset of `pages` with its body.
fn sites_health(pages: Vec<(&'static str, Value)>) -> Server {
    paged(SITES_HEALTH, "offset", pages)
}

/// The offsets asked for, each with `limit=100`, no `next` and the tenant's token.
fn offsets(server: &Server) -> Vec<String> {
    for r in server.requests() {
        let q = r.query_pairs();
        assert_eq!(q.get("limit").map(String::as_str), Some("100"), "{q:?}");
        assert!(!q.contains_key("next"), "{q:?}");
    }
    asked_with(server, "offset", TENANT_TOKEN)
}

async fn all_sites_health(server: &Server) -> Vec<Value> {
    let t = client(server.base_url()).tenant(tenant());
    t.monitoring("sites-health")
        .stream()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn offset_paged_lists_advance_by_the_items_received() {
    // Fewer items than asked; the next page starts after the items received.
    let server = sites_health(vec![
        ("0", offset_page(0..60, 130)),
        ("60", offset_page(60..120, 130)),
        ("120", offset_page(120..130, 130)),
        ("130", json!({"items": items(0..1), "total": 130})),
    ]);
    assert_eq!(all_sites_health(&server).await.len(), 130);
    assert_eq!(offsets(&server), ["0", "60", "120"]);

    // Without `total`, a short page is not the last one (servers cap `limit` silently): only
    // an empty page is.
    let server = sites_health(vec![
        ("0", json!({"items": items(0..100)})),
        ("100", json!({"items": items(100..101)})),
        ("101", json!({"items": items(101..103)})),
        ("103", json!({"items": []})),
    ]);
    assert_eq!(all_sites_health(&server).await.len(), 103);
    assert_eq!(offsets(&server), ["0", "100", "101", "103"]);

    // Any path can be switched to offset paging.
    let server = Server::start();
    server.always(
        "GET",
        "/network-monitoring/v1/sites-device-health",
        Reply::json(200, json!({"items": [], "total": 0})),
    );
    client(server.base_url())
        .tenant(tenant())
        .monitoring("sites-device-health")
        .paging(Paging::Offset)
        .page(None)
        .await
        .unwrap();
    assert_eq!(asked_with(&server, "offset", TENANT_TOKEN), ["0"]);
}

#[tokio::test]
async fn list_tenants_streams_every_page() {
    let server = by_query("/network-msp/v1/list-tenants", "next", |next| {
        let (range, following) = match next {
            "1" => (0..100, json!(2)),
            "2" => (100..200, json!(3)),
            "3" => (200..250, json!(null)),
            _ => return None,
        };
        let items: Vec<Value> = range
            .clone()
            .map(|i| json!({"tenantId": format!("c{i:031}"), "tenantName": format!("Tenant {i}")}))
            .collect();
        Some(json!({"items": items, "count": range.len(), "total": 250, "next": following}))
    });
    let tenants: Vec<_> = client(server.base_url())
        .list_tenants()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(tenants.len(), 250);
    assert_eq!(tenants[249].tenant_name, "Tenant 249");
    assert_eq!(asked_with(&server, "next", MSP_TOKEN), ["1", "2", "3"]);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.query_pairs()["limit"] == "100")
    );
}

#[tokio::test]
async fn a_cursor_that_never_repeats_ends_at_the_page_cap_with_an_error() {
    let server = by_query(APS, "next", |next| {
        let n: u32 = next.parse().ok()?;
        Some(
            json!({"items": items(n * 10..n * 10 + 1), "count": 1, "total": 1_000_000_000u64,
                    "next": n + 1}),
        )
    });
    let results: Vec<_> = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        client(server.base_url())
            .tenant(tenant())
            .resource(central_api::Resource::Aps)
            .max_pages(5)
            .stream()
            .collect::<Vec<_>>(),
    )
    .await
    .expect("hang guard: the stream never ended");
    let (ok, errors): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    assert_eq!(ok.len(), 5, "the items of the pages read are kept");
    assert_eq!(errors.len(), 1);
    let error = errors.into_iter().next().unwrap().unwrap_err();
    assert_eq!(error.kind(), "protocol", "{error}");
    assert!(!error.is_transient());
    assert!(error.to_string().contains(APS), "{error}");
    assert!(error.to_string().contains("5 pages"), "{error}");
    assert_eq!(cursors(&server), ["1", "2", "3", "4", "5"]);
    assert_eq!(central_api::DEFAULT_MAX_PAGES, 10_000);
}
