//! Error shapes of the token endpoint, end to end over HTTP: OAuth error bodies (401 with the
//! troubleshooting hint, 400), GreenLake's own error body (403 with its hint), undecodable
//! bodies (HTML 502), 200 answers that are not token responses, transport failures and
//! timeouts. Displays are snapshotted with insta (ports filtered out); which errors are retried
//! is checked by counting requests.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use glp_auth::hints::{FORBIDDEN_HINT, UNAUTHORIZED_HINT};
use glp_auth::{
    AuthError, AuthOptions, ClientCredentialsProvider, RetryPolicy, Scope, TokenProvider,
};
use httpmock::Method::POST;
use httpmock::MockServer;
use support::*;

/// Runs the client-credentials grant once against a mock that answers `status` with `body`
/// (and `content_type`), with `options`; returns the error and the number of requests made.
async fn fail_with(
    status: u16,
    content_type: &str,
    body: &str,
    options: AuthOptions,
) -> (AuthError, usize) {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(token_path(MSP_COMPACT));
            then.status(status)
                .header("content-type", content_type)
                .body(body);
        })
        .await;
    let provider =
        ClientCredentialsProvider::new(credentials(&server.base_url()), &options).unwrap();
    let err = provider.token(&Scope::Msp).await.unwrap_err();
    (err, mock.calls_async().await)
}

/// [`fail_with`] with [`fast_options`], asserting that the answer was not retried: one request.
async fn fail_once(status: u16, content_type: &str, body: &str) -> AuthError {
    let (err, requests) = fail_with(status, content_type, body, fast_options()).await;
    assert_eq!(
        requests, 1,
        "a {status} answer must not be retried: {err:?}"
    );
    err
}

/// [`fail_once`] with an OAuth error body of `error` and `description`.
async fn fail_oauth(status: u16, error: &str, description: &str) -> AuthError {
    let body = serde_json::json!({"error": error, "error_description": description});
    fail_once(status, JSON, &body.to_string()).await
}

const JSON: &str = "application/json";

#[tokio::test]
async fn unauthorized_invalid_client_is_an_oauth_error_with_hint_and_is_not_retried() {
    let err = fail_oauth(401, "invalid_client", "client authentication failed").await;
    match &err {
        AuthError::OAuth {
            status,
            body,
            retry_after,
        } => {
            assert_eq!(*status, 401);
            assert_eq!(body.error, "invalid_client");
            assert_eq!(
                body.error_description.as_deref(),
                Some("client authentication failed")
            );
            assert_eq!(*retry_after, None);
        }
        other => panic!("expected AuthError::OAuth, got {other:?}"),
    }
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.oauth_error(), Some("invalid_client"));
    assert!(err.is_credential_rejected());
    assert!(!err.is_transient());
    let shown = err.to_string();
    assert!(shown.contains(UNAUTHORIZED_HINT), "{shown}");
    assert!(!shown.contains(SECRET));
    insta::assert_snapshot!("oauth_401_invalid_client", shown);
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let err = fail_oauth(400, "invalid_request", "grant_type is missing").await;
    assert!(
        matches!(&err, AuthError::OAuth { status: 400, body, .. } if body.error == "invalid_request"),
        "{err:?}"
    );
    assert!(!err.is_transient());
    assert!(!err.is_credential_rejected());
    let shown = err.to_string();
    assert!(!shown.contains("hint:"), "no hint for a plain 400: {shown}");
    insta::assert_snapshot!("oauth_400_invalid_request", shown);
}

#[tokio::test]
async fn invalid_client_with_400_still_counts_as_rejected_credentials() {
    let err = fail_once(400, JSON, r#"{"error":"invalid_client"}"#).await;
    assert!(err.is_credential_rejected());
    assert!(err.to_string().contains(UNAUTHORIZED_HINT), "{err}");
}

#[tokio::test]
async fn glp_forbidden_body_is_a_platform_error_with_the_403_hint() {
    let body = r#"{"httpStatusCode":"403","errorCode":"HPE_GL_ERROR_FORBIDDEN",
        "message":"API client may not use this workspace","debugId":"dbg-42",
        "errorDetails":[{"type":"hpe.greenlake.metadata",
          "recommendedActions":["Ask the workspace administrator for access"]}]}"#;
    let err = fail_once(403, JSON, body).await;
    match &err {
        AuthError::Platform { status, body, .. } => {
            assert_eq!(*status, 403);
            assert_eq!(body.http_status_code, Some(403));
            assert_eq!(body.error_code.as_deref(), Some("HPE_GL_ERROR_FORBIDDEN"));
            assert_eq!(body.debug_id.as_deref(), Some("dbg-42"));
            assert_eq!(
                body.recommended_actions(),
                vec!["Ask the workspace administrator for access"]
            );
        }
        other => panic!("expected AuthError::Platform, got {other:?}"),
    }
    assert!(!err.is_transient());
    let shown = err.to_string();
    assert!(shown.contains(FORBIDDEN_HINT), "{shown}");
    insta::assert_snapshot!("platform_403", shown);
}

#[tokio::test]
async fn html_bad_gateway_is_an_unexpected_response_with_a_short_excerpt() {
    let html = format!(
        "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>{}</p></body></html>",
        "The upstream server did not answer. ".repeat(20)
    );
    let (err, requests) = fail_with(502, "text/html", &html, {
        let mut o = fast_options();
        o.retry = RetryPolicy::never();
        o
    })
    .await;
    assert_eq!(requests, 1, "RetryPolicy::never() makes one request");
    match &err {
        AuthError::UnexpectedResponse {
            status, excerpt, ..
        } => {
            assert_eq!(*status, 502);
            assert!(excerpt.starts_with("<html><head><title>502 Bad Gateway"));
            assert!(excerpt.chars().count() <= 301, "{}", excerpt.len());
            assert!(excerpt.ends_with('…'), "a cut excerpt is marked");
        }
        other => panic!("expected AuthError::UnexpectedResponse, got {other:?}"),
    }
    assert!(err.is_transient(), "502 is transient");
    insta::assert_snapshot!("unexpected_502_html", err.to_string());
}

#[tokio::test]
async fn html_bad_gateway_is_retried_by_default() {
    let (err, requests) = fail_with(502, "text/html", "<html>bad gateway</html>", {
        let mut o = fast_options();
        o.retry = RetryPolicy::with_max_attempts(3).initial_backoff(Duration::from_millis(10));
        o
    })
    .await;
    assert_eq!(requests, 3, "502 is retried up to max_attempts");
    assert_eq!(err.status(), Some(502));
}

/// 200 answers that are not token responses but carry a credential-looking value: the error
/// must describe the problem without quoting the value.
#[tokio::test]
async fn a_200_that_is_not_a_token_response_never_shows_the_token() {
    let leaks = [
        r#"{"access_token": 12345678, "expires_in": 900}"#,
        r#"{"token":"eyJhbGciOiJSUzI1NiJ9.LEAKED-1.sig","expires_in":900}"#,
        r#"{"data":{"access_token":"LEAKED-2","expires_in":900}}"#,
        r#"{"accessToken":"LEAKED-3","expiresIn":900}"#,
        r#"{"access_token":null,"note":"LEAKED-4"}"#,
        "LEAKED-5 is the access_token",
    ];
    for body in leaks {
        // A malformed 200 is not retried.
        let err = fail_once(200, JSON, body).await;
        assert!(
            matches!(err, AuthError::UnexpectedResponse { status: 200, .. }),
            "{body}: {err:?}"
        );
        let shown = err.to_string();
        let debug = format!("{err:?}");
        for secret in ["LEAKED", "12345678", "eyJhbGci"] {
            assert!(!shown.contains(secret), "{body}: {shown}");
            assert!(!debug.contains(secret), "{body}: {debug}");
        }
    }
    let (err, _) = fail_with(200, JSON, r#"{"access_token":"LEAKED-6"}["#, fast_options()).await;
    insta::assert_snapshot!("unexpected_200_not_a_token_response", err.to_string());

    // A body cut mid-JSON is another matter: probably a cut connection, so it is retried, and
    // just as unquoted.
    let (err, requests) =
        fail_with(200, JSON, r#"{"access_token":"LEAKED-7"#, fast_options()).await;
    assert!(requests > 1, "a cut body is retried");
    assert!(
        matches!(err, AuthError::TruncatedResponse { status: 200, .. }),
        "{err:?}"
    );
    assert!(!format!("{err:?} {err}").contains("LEAKED"), "{err:?}");
    insta::assert_snapshot!("truncated_200_token_response", err.to_string());
}

/// RFC 6749 §5.1: the token response is a JSON object. serde's derived `Deserialize` also
/// accepts a JSON array as the struct's fields in order, so `["x"]` becomes the bearer token `x`.
#[tokio::test]
async fn a_200_json_array_is_not_a_token_response() {
    let err = fail_once(200, JSON, r#"["not-a-token", "Bearer", 900]"#).await;
    assert!(
        matches!(err, AuthError::UnexpectedResponse { status: 200, .. }),
        "{err:?}"
    );
}

/// A JWT served as the whole body (e.g. a misconfigured proxy answering `text/plain`) has no
/// word "token" in it, so the excerpt heuristic quotes it.
#[tokio::test]
async fn a_200_with_a_bare_jwt_body_never_shows_the_token() {
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtc3AtY2xpZW50In0.c2lnbmF0dXJl";
    for (content_type, body) in [
        ("text/plain", jwt.to_owned()),
        (JSON, format!(r#"{{"jwt":"{jwt}","ttl":900}}"#)),
    ] {
        let (err, _) = fail_with(200, content_type, &body, fast_options()).await;
        assert!(matches!(
            err,
            AuthError::UnexpectedResponse { status: 200, .. }
        ));
        assert!(!err.to_string().contains(jwt), "{err}");
        assert!(!format!("{err:?}").contains(jwt), "{err:?}");
    }
}

#[tokio::test]
async fn connection_refused_is_a_transient_transport_error() {
    let base = refused_url();
    let mut o = fast_options();
    o.retry = RetryPolicy::with_max_attempts(3).initial_backoff(Duration::from_millis(10));
    let provider = ClientCredentialsProvider::new(credentials(&base), &o).unwrap();
    // Bounded by the policy's three attempts; the timeout is only a hang guard.
    let err = tokio::time::timeout(Duration::from_secs(60), provider.token(&Scope::Msp))
        .await
        .expect("hang guard: the retries never ended")
        .unwrap_err();
    match &err {
        AuthError::Transport { endpoint, .. } => {
            assert_eq!(endpoint, &format!("{base}{}", token_path(MSP_COMPACT)));
        }
        other => panic!("expected AuthError::Transport, got {other:?}"),
    }
    assert!(err.is_transient());
    assert_eq!(err.status(), None);
    insta::with_settings!({filters => vec![(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]")]}, {
        insta::assert_snapshot!("transport_connection_refused", err.to_string());
    });
}

#[tokio::test]
async fn a_slow_endpoint_gives_a_transient_timeout() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(token_path(MSP_COMPACT));
            then.status(200)
                .body(token_body("too-late", 900))
                .delay(Duration::from_secs(30));
        })
        .await;
    let mut o = fast_options();
    o.request_timeout = Duration::from_millis(300);
    o.retry = RetryPolicy::never();
    let provider = ClientCredentialsProvider::new(credentials(&server.base_url()), &o).unwrap();
    // The answer comes 30 s late: a Timeout error (not the token) proves the client gave up at
    // its 300 ms timeout, however slow the machine. No stopwatch; the 20 s bound below is only
    // a hang guard, short of the 30 s answer.
    let err = tokio::time::timeout(Duration::from_secs(20), provider.token(&Scope::Msp))
        .await
        .expect("hang guard: the request timeout never fired")
        .unwrap_err();
    assert_eq!(mock.calls_async().await, 1);
    match &err {
        AuthError::Timeout { after, .. } => assert_eq!(*after, Duration::from_millis(300)),
        other => panic!("expected AuthError::Timeout, got {other:?}"),
    }
    assert!(err.is_transient());
    insta::with_settings!({filters => vec![(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]")]}, {
        insta::assert_snapshot!("timeout", err.to_string());
    });
}
