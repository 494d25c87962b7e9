//! Snapshots of what users read: the `Display` of every kind of `ApiError` (with its `kind()` and
//! whether it is transient), produced by real requests. Loopback ports are filtered out.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use glp_core::{RetryPolicy, Scope, StaticTokenProvider, WorkspaceId};
use glp_transport::{Api, ApiClient, ApiError};
use httpmock::prelude::*;
use serde_json::json;
use support::{OkBody, builder, refused_url, snapshot_filters, static_provider};

fn shown(err: &ApiError) -> String {
    format!(
        "kind: {}\ntransient: {}\nstatus: {:?}\n---\n{err}",
        err.kind(),
        err.is_transient(),
        err.status()
    )
}

macro_rules! snapshot {
    ($name:literal, $err:expr) => {
        insta::with_settings!({ filters => snapshot_filters() }, {
            insta::assert_snapshot!($name, shown(&$err));
        })
    };
}

/// One answer from httpmock for `GET /api/x`, and the error the client makes of it (no retries).
async fn error_for(api: Api, status: u16, body: serde_json::Value) -> ApiError {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/x");
            then.status(status).json_body(body);
        })
        .await;
    client(api, &server.base_url()).await
}

async fn client(api: Api, base: &str) -> ApiError {
    builder(api, base, static_provider())
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
        .get_json::<OkBody>(&Scope::Msp, "api/x", &[("limit", "10".into())])
        .await
        .unwrap_err()
}

#[tokio::test]
async fn unauthorized_greenlake() {
    let err = error_for(
        Api::GreenLake,
        401,
        json!({"httpStatusCode": 401, "errorCode": "HPE_GL_ERROR_UNAUTHORIZED",
               "message": "Invalid or expired token", "debugId": "dbg-401"}),
    )
    .await;
    snapshot!("unauthorized_greenlake", err);
}

#[tokio::test]
async fn unauthorized_central() {
    let err = error_for(Api::Central, 401, json!({"message": "Unauthorized"})).await;
    snapshot!("unauthorized_central", err);
}

#[tokio::test]
async fn forbidden() {
    let err = error_for(
        Api::Central,
        403,
        json!({"httpStatusCode": 403, "errorCode": "HPE_GL_ERROR_FORBIDDEN",
               "message": "Access denied", "debugId": "dbg-403",
               "errorDetails": [{"type": "hpe.greenlake.metadata",
                                 "recommendedActions": ["Exchange the MSP token for a tenant token"]}]}),
    )
    .await;
    snapshot!("forbidden", err);
}

#[tokio::test]
async fn bad_request_with_issues() {
    let err = error_for(
        Api::GreenLake,
        400,
        json!({"httpStatusCode": "400", "errorCode": "HPE_GL_ERROR_BAD_REQUEST",
               "message": "Bad request", "debugId": "dbg-400",
               "errorDetails": [{"type": "hpe.greenlake.bad_request", "issues": [
                   {"source": "query", "subject": "limit", "description": "must be at most 300"},
                   {"source": "query", "subject": "filter", "description": "unknown field 'nme'"}]}]}),
    )
    .await;
    snapshot!("bad_request_with_issues", err);
}

#[tokio::test]
async fn rate_limited_out_of_attempts() {
    let err = error_for(
        Api::GreenLake,
        429,
        json!({"httpStatusCode": 429, "errorCode": "HPE_GL_ERROR_TOO_MANY_REQUESTS",
               "message": "Too many requests",
               "errorDetails": [{"type": "hpe.greenlake.retry_info", "retryAfterSeconds": 0}]}),
    )
    .await;
    snapshot!("rate_limited_out_of_attempts", err);
}

#[tokio::test]
async fn not_found_raw_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/x");
            then.status(404).body("<html><body>Not Found</body></html>");
        })
        .await;
    let err = client(Api::Central, &server.base_url()).await;
    snapshot!("not_found_raw_body", err);
}

#[tokio::test]
async fn oauth_shaped_error() {
    let err = error_for(
        Api::GreenLake,
        400,
        json!({"error": "invalid_request", "error_description": "offset must be a number"}),
    )
    .await;
    snapshot!("oauth_shaped_error", err);
}

#[tokio::test]
async fn decode_wrong_shape() {
    let err = error_for(Api::GreenLake, 200, json!({"items": [], "total": 0})).await;
    snapshot!("decode_wrong_shape", err);
}

#[tokio::test]
async fn decode_truncated() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/x");
            then.status(200).body(r#"{"ok": true, "n": 1"#);
        })
        .await;
    let err = client(Api::Central, &server.base_url()).await;
    snapshot!("decode_truncated", err);
}

#[tokio::test]
async fn connection_refused() {
    let base = refused_url();
    let err = client(Api::GreenLake, &base).await;
    // The Display names the API and path, never the host's port; the cause chain has the rest.
    snapshot!("connection_refused", err);
}

#[tokio::test]
async fn timeout() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/x");
            then.status(200)
                .delay(Duration::from_secs(2))
                .json_body(json!({"ok": true, "n": 1}));
        })
        .await;
    let err = builder(Api::Central, &server.base_url(), static_provider())
        .retry(RetryPolicy::never())
        .timeouts(Duration::from_secs(1), Duration::from_millis(200))
        .build()
        .unwrap()
        .get_json::<OkBody>(&Scope::Msp, "api/x", &[])
        .await
        .unwrap_err();
    snapshot!("timeout", err);
}

#[tokio::test]
async fn no_token_for_the_scope() {
    let tenant = WorkspaceId::parse("9a8b7c6d5e4f4a3b8c2d1e0f9a8b7c6d").unwrap();
    let api = ApiClient::builder(
        Api::Central,
        "http://127.0.0.1:9".parse().unwrap(),
        Arc::new(StaticTokenProvider::default()),
    )
    .build()
    .unwrap();
    let err = api
        .get_json::<OkBody>(&Scope::Tenant(tenant), "x", &[])
        .await
        .unwrap_err();
    snapshot!("no_token_for_the_scope", err);
}
