//! `GET /workspaces/v1/msp-tenants`: the exact request (path, `offset`, `limit`, `filter`,
//! bearer token) against httpmock, and every paging edge against test-support's scripted
//! server, answering by `offset` and recording the offsets asked for: short pages advance by the
//! items received, an empty page stops, a `total` that lies stops on an empty page, an echoed
//! offset that differs from the one asked for is an error, and a stream resumes from an offset.
#![allow(clippy::unwrap_used)]

mod support;

use futures::{StreamExt as _, TryStreamExt as _};
use glp_transport::ApiError;
use glp_workspaces::{MAX_LIMIT, Tenant, TenantEntry, TenantPage, WorkspacesClient};
use httpmock::prelude::*;
use serde_json::{Value, json};
use support::{PATH, TOKEN, asked, by_offset, client, hang_guard, page, tenant, tenant_id};
use test_support::{Reply, Server};

/// Collects a whole stream.
async fn collect_all(client: &WorkspacesClient, limit: u32) -> Result<Vec<Tenant>, ApiError> {
    hang_guard(client.msp_tenants().limit(limit).stream().try_collect()).await
}

/// The page of no tenants at `offset`, `total` saying `total`.
fn empty(offset: u64, total: u64) -> Value {
    json!({"offset": offset, "count": 0, "total": total, "items": []})
}

/// What answers a `GET` of the msp-tenants path with exactly the parameters of `query`, the
/// bearer [`TOKEN`] and `Accept: application/json` with `body`.
async fn tenants_get<'a>(
    server: &'a MockServer,
    query: &[(&str, &str)],
    body: Value,
) -> httpmock::Mock<'a> {
    let bearer = format!("Bearer {TOKEN}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("accept", "application/json"),
    ];
    test_support::mock::exact_get(server, PATH, query, &headers, body).await
}

/// The query of the first page when nothing else is asked for: offset 0, the maximum limit.
const FIRST_PAGE: [(&str, &str); 2] = [("offset", "0"), ("limit", "300")];

fn names(tenants: &[Tenant]) -> Vec<String> {
    tenants.iter().map(|t| t.workspace_name.clone()).collect()
}

#[tokio::test]
async fn one_page_sends_offset_limit_and_the_bearer_token() {
    let server = MockServer::start_async().await;
    let mock = tenants_get(&server, &FIRST_PAGE, page(0, 0..2, 2)).await;
    let page = client(&server.base_url())
        .msp_tenants()
        .page()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!((page.offset, page.count, page.total), (0, 2, 2));
    assert_eq!(names(&page.items), ["Tenant 0000", "Tenant 0001"]);
    assert_eq!(page.items[1].id.to_string(), tenant_id(1));
    assert_eq!(page.next_offset(), 2);
    assert!(page.is_last());
}

#[tokio::test]
async fn limit_offset_and_filter_are_sent_as_given() {
    let server = MockServer::start_async().await;
    let filter = "inventoryOwnership eq 'CUSTOMER_OWNED_INVENTORY' and createdBy eq 'a+b@x.com'";
    let query = [("offset", "40"), ("limit", "20"), ("filter", filter)];
    let mock = tenants_get(&server, &query, page(40, 40..45, 45)).await;
    let page = client(&server.base_url())
        .msp_tenants()
        .limit(20)
        .offset(40)
        .filter(filter)
        .page()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.items.len(), 5);
}

#[tokio::test]
async fn a_limit_out_of_range_is_refused_before_sending() {
    let server = Server::start();
    server.always("GET", PATH, Reply::json(200, page(0, 0..1, 1)));
    let c = client(server.base_url());
    for limit in [0, MAX_LIMIT + 1, 1000] {
        let err = c.msp_tenants().limit(limit).page().await.unwrap_err();
        assert!(matches!(err, ApiError::InvalidRequest(_)), "{err:?}");
        assert!(err.to_string().contains("1..=300"), "{err}");
        let streamed: Vec<_> = c.msp_tenants().limit(limit).stream().collect().await;
        assert_eq!(streamed.len(), 1);
        assert!(streamed[0].is_err());
    }
    assert_eq!(server.requests().len(), 0);
    // The bounds themselves are fine.
    for limit in [1, MAX_LIMIT] {
        c.msp_tenants().limit(limit).page().await.unwrap();
    }
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn short_pages_advance_by_the_items_received() {
    // limit 300, but the server caps pages at 100 and the last one at 50: the next offsets are
    // 100 and 200 (items received), not 300 (limit) nor 1 (pages).
    let server = by_offset(PATH, |o| {
        (o < 250).then(|| page(o, o..(o + 100).min(250), 250))
    });
    let tenants = collect_all(&client(server.base_url()), 300).await.unwrap();
    let expected: Vec<String> = (0..250).map(tenant_id).collect();
    let got: Vec<String> = tenants.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(got, expected, "every tenant once, in order");
    assert_eq!(asked(&server), [0, 100, 200]);
    let limits: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.query_pairs()["limit"].clone())
        .collect();
    assert_eq!(limits, ["300"; 3]);
}

#[tokio::test]
async fn pages_report_their_offsets_and_stop_at_total() {
    let server = by_offset(PATH, |o| (o < 5).then(|| page(o, o..(o + 3).min(5), 5)));
    let pages: Vec<TenantPage> = client(server.base_url())
        .msp_tenants()
        .limit(3)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let summary: Vec<(u64, u64, u64, usize)> = pages
        .iter()
        .map(|p| (p.offset, p.count, p.total, p.items.len()))
        .collect();
    assert_eq!(summary, [(0, 3, 5, 3), (3, 2, 5, 2)]);
    assert_eq!(pages[1].next_offset(), 5);
}

/// What the listing reads, and the offsets it asks for, from pages by offset.
async fn listed(
    limit: u32,
    body: impl Fn(u64) -> Option<Value> + Send + Sync + 'static,
) -> (Vec<Tenant>, Vec<u64>) {
    let server = by_offset(PATH, body);
    let tenants = collect_all(&client(server.base_url()), limit)
        .await
        .unwrap();
    (tenants, asked(&server))
}

#[tokio::test]
async fn an_empty_page_stops_even_if_total_says_more() {
    let (tenants, offsets) = listed(300, |o| match o {
        0 => Some(page(0, 0..2, 10)),
        _ => Some(empty(o, 10)),
    })
    .await;
    assert_eq!((tenants.len(), offsets), (2, vec![0, 2]));
}

#[tokio::test]
async fn a_total_that_always_says_more_ends_on_the_first_empty_page() {
    // The server claims one more tenant than it has ever shown, on every page.
    let (tenants, offsets) = listed(1, |o| match o {
        0..4 => Some(page(o, o..o + 1, o + 2)),
        _ => Some(empty(o, 1_000_000)),
    })
    .await;
    assert_eq!((tenants.len(), offsets), (4, vec![0, 1, 2, 3, 4]));
}

#[tokio::test]
async fn an_empty_first_page_is_an_empty_list() {
    let (tenants, offsets) = listed(300, |o| Some(empty(o, 0))).await;
    assert!(tenants.is_empty());
    assert_eq!(offsets, [0]);
}

#[tokio::test]
async fn a_count_that_disagrees_with_the_items_does_not_skip_any() {
    // `count` says 3 on a page of 2: the next offset still counts the 2 items received.
    let (tenants, offsets) = listed(300, |o| match o {
        0 => Some(json!({"offset": 0, "count": 3, "total": 4, "items": [tenant(0), tenant(1)]})),
        _ => Some(page(2, 2..4, 4)),
    })
    .await;
    assert_eq!((tenants.len(), offsets), (4, vec![0, 2]));
}

#[tokio::test]
async fn missing_offset_and_count_are_tolerated() {
    let (tenants, offsets) = listed(300, |o| match o {
        0 => Some(json!({"total": 3, "items": [tenant(0), tenant(1)]})),
        _ => Some(json!({"total": 3, "items": [tenant(2)]})),
    })
    .await;
    assert_eq!((tenants.len(), offsets), (3, vec![0, 2]));
}

#[tokio::test]
async fn a_tenant_listed_twice_is_yielded_once() {
    // Tenant 1 again on the second page, then tenant 2.
    let (tenants, _) = listed(2, |o| match o {
        0 => Some(page(0, 0..2, 4)),
        _ => Some(page(o, 1..3, 4)),
    })
    .await;
    assert_eq!(
        names(&tenants),
        ["Tenant 0000", "Tenant 0001", "Tenant 0002"]
    );
}

#[tokio::test]
async fn a_page_with_another_offset_than_asked_is_an_error() {
    // The server ignores `offset` and serves the first page again: without the check the
    // stream would repeat tenants 0..2 until `total` was reached.
    let server = by_offset(PATH, |_| Some(page(0, 0..2, 6)));
    let results: Vec<Result<Tenant, ApiError>> = client(server.base_url())
        .msp_tenants()
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 3, "two tenants, then the error: {results:?}");
    assert!(results[0].is_ok() && results[1].is_ok());
    let err = results[2].as_ref().unwrap_err();
    match err {
        ApiError::Decode {
            truncated, detail, ..
        } => {
            assert!(!truncated);
            assert!(
                detail.contains("offset 0 to a request for offset 2"),
                "{detail}"
            );
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(!err.is_transient());
    assert_eq!(asked(&server), [0, 2]);
}

#[tokio::test]
async fn a_page_without_total_is_an_error_not_a_guess() {
    let server = by_offset(PATH, |_| Some(json!({"items": [tenant(0)]})));
    let err = client(server.base_url())
        .msp_tenants()
        .page()
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err}");
    assert!(err.to_string().contains("total"), "{err}");
}

#[tokio::test]
async fn a_stream_resumes_from_an_offset() {
    let server = by_offset(PATH, |o| Some(page(o, o..5, 5)));
    let request = client(server.base_url()).msp_tenants().offset(3);
    assert_eq!(request.starting_offset(), 3);
    let tenants: Vec<Tenant> = request.stream().try_collect().await.unwrap();
    assert_eq!(names(&tenants), ["Tenant 0003", "Tenant 0004"]);
    assert_eq!(asked(&server), [3], "the pages before are not asked for");
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_tenants_already_read_and_resume_works() {
    // The second page fails once; the server then recovers.
    let server = Server::scripted([
        Reply::json(200, page(0, 0..2, 4)),
        Reply::json(403, json!({"httpStatusCode": 403, "message": "Forbidden"})),
        Reply::json(200, page(2, 2..4, 4)),
    ]);
    let c = client(server.base_url());
    let mut stream = c.msp_tenants().stream();
    let mut received = 0u64;
    let err = loop {
        match stream.next().await {
            Some(Ok(_)) => received += 1,
            Some(Err(e)) => break e,
            None => panic!("the stream ended without the error"),
        }
    };
    assert_eq!(received, 2);
    assert_eq!(err.kind(), "forbidden");
    assert!(stream.next().await.is_none(), "nothing after the error");
    // Resume where the failed stream stopped.
    let rest: Vec<Tenant> = c
        .msp_tenants()
        .offset(received)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names(&rest), ["Tenant 0002", "Tenant 0003"]);
    assert_eq!(asked(&server), [0, 2, 2]);
}

#[tokio::test]
async fn the_stream_can_be_moved_into_a_task() {
    let server = by_offset(PATH, |_| Some(page(0, 0..3, 3)));
    let stream = client(server.base_url()).msp_tenants().stream();
    let count = tokio::spawn(async move { stream.try_collect::<Vec<_>>().await.map(|v| v.len()) })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count, 3);
}

#[tokio::test]
async fn find_by_name_sends_the_quoted_filter() {
    let server = MockServer::start_async().await;
    let filter = [("filter", "workspaceName eq 'O''Brien Ünïcödé'")];
    let query = [&FIRST_PAGE[..], &filter].concat();
    let mut t = tenant(7);
    t["workspaceName"] = json!("O'Brien Ünïcödé");
    let body = json!({"offset": 0, "count": 1, "total": 1, "items": [t]});
    let mock = tenants_get(&server, &query, body).await;
    let found = client(&server.base_url())
        .find_tenants_by_name("O'Brien Ünïcödé")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.to_string(), tenant_id(7));
}

/// A server answering msp-tenants by the name its `filter` asks for (`workspaceName eq 'X'`).
fn by_name(answer: impl Fn(&str) -> Option<Reply> + Send + Sync + 'static) -> Server {
    let server = Server::start();
    server.handle(move |r| {
        let filter = r.query_pairs().get("filter")?.clone();
        answer(
            filter
                .strip_prefix("workspaceName eq '")?
                .strip_suffix('\'')?,
        )
    });
    server
}

#[tokio::test]
async fn find_by_name_keeps_only_exact_matches() {
    // A server whose `eq` ignores case returns a near-namesake: it is dropped.
    let server = by_name(|_| {
        let (mut exact, mut upper) = (tenant(1), tenant(2));
        exact["workspaceName"] = json!("Acme");
        upper["workspaceName"] = json!("ACME");
        let items = [exact, upper];
        Some(Reply::json(
            200,
            json!({"offset": 0, "count": 2, "total": 2, "items": items}),
        ))
    });
    let found = client(server.base_url())
        .find_tenants_by_name("Acme")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.to_string(), tenant_id(1));
}

#[tokio::test]
async fn find_by_name_with_no_match_is_empty_and_errors_propagate() {
    let server = by_name(|name| match name {
        "Nobody" => Some(Reply::json(200, empty(0, 0))),
        "Broken" => Some(Reply::json(
            401,
            json!({"httpStatusCode": 401, "message": "Unauthorized"}),
        )),
        _ => None,
    });
    let c = client(server.base_url());
    assert!(c.find_tenants_by_name("Nobody").await.unwrap().is_empty());
    let err = c.find_tenants_by_name("Broken").await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.to_string().contains("hint: 401"), "{err}");
}

#[tokio::test]
async fn a_repeated_page_with_a_large_total_ends_with_a_protocol_error() {
    // Every offset gets the same two tenants (echoing the offset asked for), with a total that
    // always says more.
    let server = by_offset(PATH, |offset| {
        Some(json!({
            "offset": offset, "count": 2, "total": 1_000_000_000u64,
            "items": [tenant(0), tenant(1)]
        }))
    });
    let client = client(server.base_url());
    let mut stream = client.msp_tenants().stream();
    let mut got = Vec::new();
    let error = hang_guard(async {
        loop {
            match stream.next().await {
                Some(Ok(t)) => got.push(t),
                Some(Err(e)) => return e,
                None => panic!("the listing ended without an error"),
            }
        }
    })
    .await;
    assert_eq!(
        names(&got),
        ["Tenant 0000", "Tenant 0001"],
        "each tenant once"
    );
    assert_eq!(error.kind(), "protocol", "{error}");
    assert!(error.to_string().contains(PATH), "{error}");
    assert!(error.to_string().contains("already listed"), "{error}");
}

#[tokio::test]
async fn a_listing_beyond_the_page_cap_ends_with_a_protocol_error() {
    let server = by_offset(PATH, |o| Some(page(o, o..o + 1, o + 2)));
    let error = hang_guard(
        client(server.base_url())
            .msp_tenants()
            .limit(1)
            .max_pages(5)
            .stream()
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect_err("an endless listing is an error");
    assert!(error.to_string().contains("5 pages"), "{error}");
    assert_eq!(error.kind(), "protocol", "{error}");
    assert!(error.to_string().contains(PATH), "{error}");
}

#[tokio::test]
async fn an_invalid_id_is_reported_and_the_rest_of_its_page_is_listed() {
    let mut bad = tenant(1);
    bad["id"] = json!("not-a-workspace-id\n");
    let items = [tenant(0), bad, tenant(2)];
    let server = by_offset(PATH, move |_| {
        Some(json!({"offset": 0, "count": 3, "total": 3, "items": items.clone()}))
    });
    let client = client(server.base_url());
    let entries: Vec<TenantEntry> = hang_guard(client.msp_tenants().entries().try_collect())
        .await
        .unwrap();
    let valid: Vec<&str> = entries
        .iter()
        .filter_map(|e| match e {
            TenantEntry::Tenant(t) => Some(t.workspace_name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(valid, ["Tenant 0000", "Tenant 0002"]);
    let invalid: Vec<_> = entries
        .iter()
        .filter_map(|e| match e {
            TenantEntry::Invalid(i) => Some(i),
            _ => None,
        })
        .collect();
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0].listed_id, "not-a-workspace-id\n");
    assert_eq!(invalid[0].name, "Tenant 0001");
    assert!(!invalid[0].reason.is_empty());
    // The plain stream lists the valid ones.
    let tenants = collect_all(&client, 300).await.unwrap();
    assert_eq!(names(&tenants), ["Tenant 0000", "Tenant 0002"]);
}

/// The last entry of a whole listing, when it is a [`TenantEntry::TotalMismatch`].
async fn mismatch(server: &Server) -> Option<(u64, u64)> {
    let entries: Vec<TenantEntry> = hang_guard(
        client(server.base_url())
            .msp_tenants()
            .limit(10)
            .entries()
            .try_collect(),
    )
    .await
    .unwrap();
    match entries.last()? {
        TenantEntry::TotalMismatch { total, delivered } => Some((*total, *delivered)),
        _ => None,
    }
}

#[tokio::test]
async fn a_total_that_disagrees_with_the_tenants_delivered_ends_the_entries_with_both_numbers() {
    // 25 promised, 20 delivered: the third page is empty.
    let server = by_offset(PATH, |o| {
        Some(match o {
            0 => page(0, 0..10, 25),
            10 => page(10, 10..20, 25),
            _ => empty(o, 25),
        })
    });
    assert_eq!(mismatch(&server).await, Some((25, 20)));
    assert_eq!(
        TenantEntry::mismatch_warning(25, 20),
        "msp-tenants said total 25 but delivered 20 items"
    );
    // More than promised (the pager warns in the log; the entries say it too).
    let server = by_offset(PATH, |o| (o == 0).then(|| page(0, 0..4, 3)));
    assert_eq!(mismatch(&server).await, Some((3, 4)));
    // A listing that adds up, and one that fails, say nothing of it.
    let server = by_offset(PATH, |o| {
        Some(match o {
            0 => page(0, 0..10, 12),
            _ => page(10, 10..12, 12),
        })
    });
    assert_eq!(mismatch(&server).await, None);
    let server = by_offset(PATH, |o| {
        Some(match o {
            0 => Reply::json(200, page(0, 0..10, 25)),
            _ => Reply::json(400, json!({"message": "no"})),
        })
    });
    let entries: Vec<Result<TenantEntry, ApiError>> = hang_guard(
        client(server.base_url())
            .msp_tenants()
            .limit(10)
            .entries()
            .collect(),
    )
    .await;
    assert!(entries.last().unwrap().is_err(), "the error is the end");
}
