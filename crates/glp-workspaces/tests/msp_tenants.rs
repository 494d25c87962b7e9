//! Contract tests of `GET /workspaces/v1/msp-tenants` with httpmock: the exact request (path,
//! `offset`, `limit`, `filter`, bearer token), and every paging edge: short pages advance by the
//! items received, an empty page stops, a `total` that lies stops on an empty page, an echoed
//! offset that differs from the one asked for is an error, and a stream resumes from an offset.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use futures::{StreamExt as _, TryStreamExt as _};
use glp_transport::ApiError;
use glp_workspaces::{MAX_LIMIT, Tenant, TenantEntry, TenantPage, WorkspacesClient};
use httpmock::prelude::*;
use serde_json::json;
use support::{PATH, TOKEN, client, page, tenant, tenant_id};

/// Collects a whole stream, failing the test instead of hanging if it never ends.
async fn collect_all(client: &WorkspacesClient, limit: u32) -> Result<Vec<Tenant>, ApiError> {
    tokio::time::timeout(
        Duration::from_secs(10),
        client.msp_tenants().limit(limit).stream().try_collect(),
    )
    .await
    .expect("the stream ended")
}

fn names(tenants: &[Tenant]) -> Vec<String> {
    tenants.iter().map(|t| t.workspace_name.clone()).collect()
}

#[tokio::test]
async fn one_page_sends_offset_limit_and_the_bearer_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PATH)
                .query_param("offset", "0")
                .query_param("limit", "300")
                .query_param_missing("filter")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("accept", "application/json");
            then.status(200).json_body(page(0, 0..2, 2));
        })
        .await;
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
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PATH)
                .query_param("offset", "40")
                .query_param("limit", "20")
                .query_param("filter", filter)
                .query_param_count(".*", ".*", 3);
            then.status(200).json_body(page(40, 40..45, 45));
        })
        .await;
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
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(200).json_body(page(0, 0..1, 1));
        })
        .await;
    let c = client(&server.base_url());
    for limit in [0, MAX_LIMIT + 1, 1000] {
        let err = c.msp_tenants().limit(limit).page().await.unwrap_err();
        assert!(matches!(err, ApiError::InvalidRequest(_)), "{err:?}");
        assert!(err.to_string().contains("1..=300"), "{err}");
        let streamed: Vec<_> = c.msp_tenants().limit(limit).stream().collect().await;
        assert_eq!(streamed.len(), 1);
        assert!(streamed[0].is_err());
    }
    mock.assert_calls_async(0).await;
    // The bounds themselves are fine.
    for limit in [1, MAX_LIMIT] {
        c.msp_tenants().limit(limit).page().await.unwrap();
    }
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn short_pages_advance_by_the_items_received() {
    // limit 300, but the server caps pages at 100 and the last one at 50: the next offsets are
    // 100 and 200 (items received), not 300 (limit) nor 1 (pages).
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for (offset, end) in [(0, 100), (100, 200), (200, 250)] {
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.path(PATH)
                        .query_param("offset", offset.to_string())
                        .query_param("limit", "300");
                    then.status(200).json_body(page(offset, offset..end, 250));
                })
                .await,
        );
    }
    let tenants = collect_all(&client(&server.base_url()), 300).await.unwrap();
    assert_eq!(tenants.len(), 250);
    let expected: Vec<String> = (0..250).map(tenant_id).collect();
    let got: Vec<String> = tenants.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(got, expected, "every tenant once, in order");
    for mock in &mocks {
        mock.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn pages_report_their_offsets_and_stop_at_total() {
    let server = MockServer::start_async().await;
    for (offset, end) in [(0, 3), (3, 5)] {
        server
            .mock_async(|when, then| {
                when.path(PATH)
                    .query_param("offset", offset.to_string())
                    .query_param("limit", "3");
                then.status(200).json_body(page(offset, offset..end, 5));
            })
            .await;
    }
    let pages: Vec<TenantPage> = client(&server.base_url())
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

#[tokio::test]
async fn an_empty_page_stops_even_if_total_says_more() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "0");
            then.status(200).json_body(page(0, 0..2, 10));
        })
        .await;
    let empty = server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "2");
            then.status(200)
                .json_body(json!({"offset": 2, "count": 0, "total": 10, "items": []}));
        })
        .await;
    let tenants = collect_all(&client(&server.base_url()), 300).await.unwrap();
    assert_eq!(tenants.len(), 2);
    first.assert_calls_async(1).await;
    empty.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_total_that_always_says_more_ends_on_the_first_empty_page() {
    // The server claims one more tenant than it has ever shown, on every page.
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for offset in 0..4u64 {
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.path(PATH).query_param("offset", offset.to_string());
                    then.status(200)
                        .json_body(page(offset, offset..offset + 1, offset + 2));
                })
                .await,
        );
    }
    let lying_empty = server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "4");
            then.status(200)
                .json_body(json!({"offset": 4, "count": 0, "total": 1_000_000, "items": []}));
        })
        .await;
    let tenants = collect_all(&client(&server.base_url()), 1).await.unwrap();
    assert_eq!(tenants.len(), 4);
    for mock in &mocks {
        mock.assert_calls_async(1).await;
    }
    lying_empty.assert_calls_async(1).await;
}

#[tokio::test]
async fn an_empty_first_page_is_an_empty_list() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(200)
                .json_body(json!({"offset": 0, "count": 0, "total": 0, "items": []}));
        })
        .await;
    let tenants = collect_all(&client(&server.base_url()), 300).await.unwrap();
    assert!(tenants.is_empty());
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_count_that_disagrees_with_the_items_does_not_skip_any() {
    // `count` says 3 on a page of 2: the next offset still counts the 2 items received.
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "0");
            then.status(200).json_body(
                json!({"offset": 0, "count": 3, "total": 4, "items": [tenant(0), tenant(1)]}),
            );
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "2");
            then.status(200).json_body(page(2, 2..4, 4));
        })
        .await;
    let tenants = collect_all(&client(&server.base_url()), 300).await.unwrap();
    assert_eq!(tenants.len(), 4);
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_page_with_another_offset_than_asked_is_an_error() {
    // The server ignores `offset` and serves the first page again: without the check the
    // stream would repeat tenants 0..2 until `total` was reached.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "0");
            then.status(200).json_body(page(0, 0..2, 6));
        })
        .await;
    let wrong = server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "2");
            then.status(200).json_body(page(0, 0..2, 6));
        })
        .await;
    let results: Vec<Result<Tenant, ApiError>> = client(&server.base_url())
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
    wrong.assert_calls_async(1).await;
}

#[tokio::test]
async fn missing_offset_and_count_are_tolerated() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "0");
            then.status(200)
                .json_body(json!({"total": 3, "items": [tenant(0), tenant(1)]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "2");
            then.status(200)
                .json_body(json!({"total": 3, "items": [tenant(2)]}));
        })
        .await;
    let tenants = collect_all(&client(&server.base_url()), 300).await.unwrap();
    assert_eq!(tenants.len(), 3);
}

#[tokio::test]
async fn a_page_without_total_is_an_error_not_a_guess() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(200).json_body(json!({"items": [tenant(0)]}));
        })
        .await;
    let err = client(&server.base_url())
        .msp_tenants()
        .page()
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err}");
    assert!(err.to_string().contains("total"), "{err}");
}

#[tokio::test]
async fn a_stream_resumes_from_an_offset() {
    let server = MockServer::start_async().await;
    let skipped = server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "0");
            then.status(200).json_body(page(0, 0..3, 5));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "3");
            then.status(200).json_body(page(3, 3..5, 5));
        })
        .await;
    let request = client(&server.base_url()).msp_tenants().offset(3);
    assert_eq!(request.starting_offset(), 3);
    let tenants: Vec<Tenant> = request.stream().try_collect().await.unwrap();
    assert_eq!(names(&tenants), ["Tenant 0003", "Tenant 0004"]);
    skipped.assert_calls_async(0).await;
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_tenants_already_read_and_resume_works() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "0");
            then.status(200).json_body(page(0, 0..2, 4));
        })
        .await;
    let failing = server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "2");
            then.status(403)
                .json_body(json!({"httpStatusCode": 403, "message": "Forbidden"}));
        })
        .await;
    let c = client(&server.base_url());
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
    failing.assert_calls_async(1).await;

    // The server recovers; resume where the failed stream stopped.
    failing.delete_async().await;
    server
        .mock_async(|when, then| {
            when.path(PATH).query_param("offset", "2");
            then.status(200).json_body(page(2, 2..4, 4));
        })
        .await;
    let rest: Vec<Tenant> = c
        .msp_tenants()
        .offset(received)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names(&rest), ["Tenant 0002", "Tenant 0003"]);
}

#[tokio::test]
async fn the_stream_can_be_moved_into_a_task() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(PATH);
            then.status(200).json_body(page(0, 0..3, 3));
        })
        .await;
    let stream = client(&server.base_url()).msp_tenants().stream();
    let count = tokio::spawn(async move { stream.try_collect::<Vec<_>>().await.map(|v| v.len()) })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count, 3);
}

#[tokio::test]
async fn find_by_name_sends_the_quoted_filter() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PATH)
                .query_param("offset", "0")
                .query_param("limit", "300")
                .query_param("filter", "workspaceName eq 'O''Brien Ünïcödé'")
                .header("authorization", format!("Bearer {TOKEN}"));
            let mut t = tenant(7);
            t["workspaceName"] = json!("O'Brien Ünïcödé");
            then.status(200)
                .json_body(json!({"offset": 0, "count": 1, "total": 1, "items": [t]}));
        })
        .await;
    let found = client(&server.base_url())
        .find_tenants_by_name("O'Brien Ünïcödé")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.to_string(), tenant_id(7));
}

#[tokio::test]
async fn find_by_name_keeps_only_exact_matches() {
    // A server whose `eq` ignores case returns a near-namesake: it is dropped.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(PATH)
                .query_param("filter", "workspaceName eq 'Acme'");
            let mut exact = tenant(1);
            exact["workspaceName"] = json!("Acme");
            let mut upper = tenant(2);
            upper["workspaceName"] = json!("ACME");
            then.status(200)
                .json_body(json!({"offset": 0, "count": 2, "total": 2, "items": [exact, upper]}));
        })
        .await;
    let found = client(&server.base_url())
        .find_tenants_by_name("Acme")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.to_string(), tenant_id(1));
}

#[tokio::test]
async fn find_by_name_with_no_match_is_empty_and_errors_propagate() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(PATH)
                .query_param("filter", "workspaceName eq 'Nobody'");
            then.status(200)
                .json_body(json!({"offset": 0, "count": 0, "total": 0, "items": []}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path(PATH)
                .query_param("filter", "workspaceName eq 'Broken'");
            then.status(401)
                .json_body(json!({"httpStatusCode": 401, "message": "Unauthorized"}));
        })
        .await;
    let c = client(&server.base_url());
    assert!(c.find_tenants_by_name("Nobody").await.unwrap().is_empty());
    let err = c.find_tenants_by_name("Broken").await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.to_string().contains("hint: 401"), "{err}");
}

#[tokio::test]
async fn a_repeated_page_with_a_large_total_ends_with_a_protocol_error() {
    // Every offset gets the same two tenants (echoing the offset asked for), with a total that
    // always says more.
    let server2 = MockServer::start_async().await;
    for offset in 0..20u64 {
        server2
            .mock_async(|when, then| {
                when.method(GET)
                    .path(PATH)
                    .query_param("offset", offset.to_string());
                then.status(200).json_body(json!({
                    "offset": offset, "count": 2, "total": 1_000_000_000u64,
                    "items": [tenant(0), tenant(1)]
                }));
            })
            .await;
    }
    let client = client(&server2.base_url());
    let mut stream = client.msp_tenants().stream();
    let mut got = Vec::new();
    let error = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.next().await {
                Some(Ok(t)) => got.push(t),
                Some(Err(e)) => return e,
                None => panic!("the listing ended without an error"),
            }
        }
    })
    .await
    .expect("the listing ended");
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
async fn a_tenant_listed_twice_is_yielded_once() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(PATH).query_param("offset", "0");
            then.status(200).json_body(page(0, 0..2, 4));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(PATH).query_param("offset", "2");
            // Tenant 1 again, then tenant 2.
            then.status(200).json_body(page(2, 1..3, 4));
        })
        .await;
    let tenants = collect_all(&client(&server.base_url()), 2).await.unwrap();
    assert_eq!(
        names(&tenants),
        ["Tenant 0000", "Tenant 0001", "Tenant 0002"]
    );
}

#[tokio::test]
async fn a_listing_beyond_the_page_cap_ends_with_a_protocol_error() {
    let server = MockServer::start_async().await;
    for offset in 0..30u64 {
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(PATH)
                    .query_param("offset", offset.to_string());
                then.status(200)
                    .json_body(page(offset, offset..offset + 1, offset + 2));
            })
            .await;
    }
    let error = tokio::time::timeout(
        Duration::from_secs(10),
        client(&server.base_url())
            .msp_tenants()
            .limit(1)
            .max_pages(5)
            .stream()
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect("the stream ended")
    .expect_err("an endless listing is an error");
    assert!(error.to_string().contains("5 pages"), "{error}");
    assert_eq!(error.kind(), "protocol", "{error}");
    assert!(error.to_string().contains(PATH), "{error}");
}

#[tokio::test]
async fn an_invalid_id_is_reported_and_the_rest_of_its_page_is_listed() {
    let server = MockServer::start_async().await;
    let mut bad = tenant(1);
    bad["id"] = json!("not-a-workspace-id\n");
    server
        .mock_async(|when, then| {
            when.method(GET).path(PATH).query_param("offset", "0");
            then.status(200).json_body(json!({
                "offset": 0, "count": 3, "total": 3,
                "items": [tenant(0), bad, tenant(2)]
            }));
        })
        .await;
    let client = client(&server.base_url());
    let entries: Vec<TenantEntry> = tokio::time::timeout(
        Duration::from_secs(10),
        client.msp_tenants().entries().try_collect(),
    )
    .await
    .unwrap()
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
