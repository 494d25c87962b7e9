//! Contract tests of single answers with httpmock: what `ApiClient::get_json` sends (path, query,
//! bearer token, `Accept`, `User-Agent`) and what it does with one kind of answer (decoded JSON;
//! 400/403/404 not retried; JSON of the wrong shape not retried; connection refused retried a
//! bounded number of times).
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use glp_core::hints::FORBIDDEN_HINT;
use glp_core::{RetryPolicy, Scope, WorkspaceId};
use glp_transport::{Api, ApiClient, ApiError, ErrorBody};
use httpmock::prelude::*;
use serde_json::json;
use support::{
    OkBody, TOKEN, builder, client, client_retrying, counted, fast_retry, get_err, get_guarded,
    refused_url, shown_with,
};

#[tokio::test]
async fn sends_path_query_bearer_accept_and_user_agent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/workspaces/v1/msp-tenants")
                .query_param("offset", "0")
                .query_param("limit", "300")
                .query_param("filter", "workspaceName eq 'A&B ''x'' =?'")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("accept", "application/json")
                .header_matches("user-agent", r"^glp-msp/\d+\.\d+\.\d+");
            then.status(200).json_body(json!({"ok": true, "n": 7}));
        })
        .await;
    let api = client(&server.base_url());
    let body: OkBody = api
        .get_json(
            &Scope::Msp,
            "workspaces/v1/msp-tenants",
            &[
                ("offset", "0".to_owned()),
                ("limit", "300".to_owned()),
                ("filter", "workspaceName eq 'A&B ''x'' =?'".to_owned()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(body, OkBody { ok: true, n: 7 });
    mock.assert_async().await;
    assert_eq!(counted(&api), (1, 0, 0, 0));
}

#[tokio::test]
async fn base_url_path_prefix_is_kept_and_leading_slash_ignored() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/proxy/glp/a/b");
            then.status(200).json_body(json!({"ok": true, "n": 1}));
        })
        .await;
    let api = client(&format!("{}/proxy/glp/", server.base_url()));
    let _: OkBody = api.get_json(&Scope::Msp, "/a/b", &[]).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn the_scope_picks_the_token() {
    let server = MockServer::start_async().await;
    let tenant = WorkspaceId::parse("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d").unwrap();
    let provider = glp_core::StaticTokenProvider::default()
        .with_scope(
            Scope::Msp,
            "msp-token".to_owned().into(),
            Duration::from_secs(60),
        )
        .with_scope(
            Scope::Tenant(tenant),
            "tenant-token".to_owned().into(),
            Duration::from_secs(60),
        );
    let tenant_mock = server
        .mock_async(|when, then| {
            when.path("/t")
                .header("authorization", "Bearer tenant-token");
            then.status(200).json_body(json!({"ok": true, "n": 2}));
        })
        .await;
    let api = builder(
        Api::Central,
        &server.base_url(),
        std::sync::Arc::new(provider),
    )
    .build()
    .unwrap();
    let body: OkBody = api
        .get_json(&Scope::Tenant(tenant), "t", &[])
        .await
        .unwrap();
    assert_eq!(body.n, 2);
    tenant_mock.assert_async().await;
    // A scope the provider has no token for never reaches the server.
    let other = WorkspaceId::parse(&"b".repeat(32)).unwrap();
    let err = api
        .get_json::<OkBody>(&Scope::Tenant(other), "t", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Token { .. }), "{err:?}");
    assert_eq!(err.kind(), "token");
    tenant_mock.assert_calls_async(1).await;
}

/// One answer (made by `answer`) to `GET /x` of a GreenLake [`client`], which must be an error
/// and must not be retried: the error and the client.
async fn refused_once(
    answer: impl FnOnce(httpmock::Then) -> httpmock::Then,
) -> (ApiError, ApiClient) {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/x");
            answer(then);
        })
        .await;
    let api = client(&server.base_url());
    let err = get_err(&api).await;
    mock.assert_calls_async(1).await;
    (err, api)
}

#[tokio::test]
async fn forbidden_is_never_retried_and_carries_the_hint() {
    let (err, api) = refused_once(|then| {
        then.status(403).json_body(json!({
            "httpStatusCode": 403,
            "errorCode": "HPE_GL_ERROR_FORBIDDEN",
            "message": "Access denied",
            "debugId": "dbg-403",
            "errorDetails": [{"type": "hpe.greenlake.metadata",
                              "recommendedActions": ["Use a tenant token"]}]
        }))
    })
    .await;
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.kind(), "forbidden");
    assert!(!err.is_transient());
    let shown = shown_with(&err, &[FORBIDDEN_HINT]);
    assert!(
        shown.contains("Access denied [HPE_GL_ERROR_FORBIDDEN] (debugId dbg-403)"),
        "{shown}"
    );
    assert!(shown.contains("recommended: Use a tenant token"), "{shown}");
    assert_eq!(api.totals().retries, 0);
}

#[tokio::test]
async fn bad_request_is_never_retried_and_keeps_the_issues() {
    let (err, _) = refused_once(|then| {
        then.status(400).json_body(json!({
            "httpStatusCode": "400",
            "errorCode": "HPE_GL_ERROR_BAD_REQUEST",
            "message": "Bad request",
            "errorDetails": [{"type": "hpe.greenlake.bad_request", "issues": [
                {"source": "query", "subject": "limit", "description": "must be <= 300"}]}]
        }))
    })
    .await;
    assert_eq!(err.kind(), "bad_request");
    assert!(!err.is_transient());
    match &err {
        ApiError::Http {
            status,
            body,
            hints,
            ..
        } => {
            assert_eq!(*status, 400);
            assert!(hints.is_empty());
            let ErrorBody::Glp(glp) = body.as_ref() else {
                panic!("not decoded as a GreenLake body: {body:?}");
            };
            assert_eq!(glp.http_status_code, Some(400));
            assert_eq!(glp.issues(), vec!["query limit: must be <= 300"]);
        }
        other => panic!("unexpected error {other:?}"),
    }
}

#[tokio::test]
async fn not_found_with_a_raw_body_is_not_retried() {
    let (err, _) = refused_once(|then| then.status(404).body("<html>no such page</html>")).await;
    assert_eq!(err.kind(), "not_found");
    match &err {
        ApiError::Http { body, .. } => {
            assert_eq!(**body, ErrorBody::Raw("<html>no such page</html>".into()));
        }
        other => panic!("unexpected error {other:?}"),
    }
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_decode_error_not_retried() {
    let (err, api) = refused_once(|then| {
        then.status(200)
            .json_body(json!({"items": [], "unexpected": true}))
    })
    .await;
    match &err {
        ApiError::Decode {
            status,
            truncated,
            excerpt,
            path,
            ..
        } => {
            assert_eq!(*status, 200);
            assert!(!truncated);
            assert_eq!(path, "/x");
            assert!(excerpt.contains("unexpected"), "{excerpt}");
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert_eq!(err.kind(), "decode");
    assert!(!err.is_transient());
    assert_eq!(api.totals().retries, 0);
}

#[tokio::test]
async fn a_success_body_mentioning_a_token_is_not_quoted_in_errors() {
    let (err, _) = refused_once(|then| {
        then.status(200)
            .json_body(json!({"access_token": "leaky-value", "n": "not a number"}))
    })
    .await;
    assert!(!format!("{err} {err:?}").contains("leaky-value"), "{err}");
}

/// A client of `api` retrying by `retry`, at an address that refuses connections.
fn refusing(api: Api, retry: RetryPolicy) -> ApiClient {
    client_retrying(api, &refused_url(), retry)
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_bounded_attempts() {
    let three = RetryPolicy::with_max_attempts(3).initial_backoff(Duration::from_millis(10));
    let api = refusing(Api::GreenLake, three);
    // Bounded by counting, not by a stopwatch: three attempts, two retries, then the error.
    // The timeout is only a hang guard (an endless retry loop fails instead of hanging).
    let err = get_guarded(&api, "the retries never ended")
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    assert_eq!(err.kind(), "transport");
    assert!(err.is_transient());
    assert_eq!(counted(&api), (3, 2, 0, 0));
}

#[tokio::test]
async fn default_retry_policy_is_bounded_too() {
    // Six attempts by default: connection refused ends in an error, not an endless loop.
    let api = refusing(
        Api::Central,
        fast_retry().max_backoff(Duration::from_millis(20)),
    );
    let err = get_err(&api).await;
    assert_eq!(err.kind(), "transport");
    assert_eq!(api.totals().requests, 6);
}
