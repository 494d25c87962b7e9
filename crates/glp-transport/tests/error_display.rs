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
    ($name:expr, $err:expr) => {
        insta::with_settings!({ filters => snapshot_filters() }, {
            insta::assert_snapshot!($name, shown(&$err));
        })
    };
}

/// One answer from httpmock for `GET /api/x`, made by `answer`, and the error the client makes
/// of it (no retries).
async fn error_answering(
    api: Api,
    answer: impl FnOnce(httpmock::Then) -> httpmock::Then,
) -> ApiError {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/x");
            answer(then);
        })
        .await;
    client(api, &server.base_url()).await
}

/// [`error_answering`] a JSON `body` with `status`.
async fn error_for(api: Api, status: u16, body: serde_json::Value) -> ApiError {
    error_answering(api, |then| then.status(status).json_body(body)).await
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

/// Every JSON error answer, snapshotted under the case's name.
#[tokio::test]
async fn json_error_answers() {
    let cases = [
        (
            "unauthorized_greenlake",
            Api::GreenLake,
            401,
            json!({"httpStatusCode": 401, "errorCode": "HPE_GL_ERROR_UNAUTHORIZED",
                   "message": "Invalid or expired token", "debugId": "dbg-401"}),
        ),
        (
            "unauthorized_central",
            Api::Central,
            401,
            json!({"message": "Unauthorized"}),
        ),
        (
            "forbidden",
            Api::Central,
            403,
            json!({"httpStatusCode": 403, "errorCode": "HPE_GL_ERROR_FORBIDDEN",
                   "message": "Access denied", "debugId": "dbg-403",
                   "errorDetails": [{"type": "hpe.greenlake.metadata",
                                     "recommendedActions": ["Exchange the MSP token for a tenant token"]}]}),
        ),
        (
            "bad_request_with_issues",
            Api::GreenLake,
            400,
            json!({"httpStatusCode": "400", "errorCode": "HPE_GL_ERROR_BAD_REQUEST",
                   "message": "Bad request", "debugId": "dbg-400",
                   "errorDetails": [{"type": "hpe.greenlake.bad_request", "issues": [
                       {"source": "query", "subject": "limit", "description": "must be at most 300"},
                       {"source": "query", "subject": "filter", "description": "unknown field 'nme'"}]}]}),
        ),
        (
            "rate_limited_out_of_attempts",
            Api::GreenLake,
            429,
            json!({"httpStatusCode": 429, "errorCode": "HPE_GL_ERROR_TOO_MANY_REQUESTS",
                   "message": "Too many requests",
                   "errorDetails": [{"type": "hpe.greenlake.retry_info", "retryAfterSeconds": 0}]}),
        ),
        (
            "oauth_shaped_error",
            Api::GreenLake,
            400,
            json!({"error": "invalid_request", "error_description": "offset must be a number"}),
        ),
        (
            "decode_wrong_shape",
            Api::GreenLake,
            200,
            json!({"items": [], "total": 0}),
        ),
    ];
    for (name, api, status, body) in cases {
        let err = error_for(api, status, body).await;
        snapshot!(name, err);
    }
}

#[tokio::test]
async fn not_found_raw_body() {
    let not_found =
        |then: httpmock::Then| then.status(404).body("<html><body>Not Found</body></html>");
    let err = error_answering(Api::Central, not_found).await;
    snapshot!("not_found_raw_body", err);
}

#[tokio::test]
async fn decode_truncated() {
    let truncated = |then: httpmock::Then| then.status(200).body(r#"{"ok": true, "n": 1"#);
    let err = error_answering(Api::Central, truncated).await;
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
