//! A hostile or broken API server: redirects to another origin, absurd waits on errors and on
//! successes, huge bodies, HTML and invalid JSON on a 200. Before issue 10's fixes a redirect to
//! another host was followed with the bearer token's request re-sent, `Retry-After: 1e30`
//! panicked, `Retry-After: 100000000` on a 200 paused the API for years, bodies were read whole,
//! and an HTML page on a 200 was retried six times as a "cut-off" body.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use glp_core::Scope;
use glp_transport::{Api, ApiError};
use support::*;

/// A second server (another origin: another port) that must receive nothing.
fn other_origin() -> Server {
    Server::scripted(vec![ok(666); 4])
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_carries_no_token_there() {
    for status in [301, 302, 303, 307, 308] {
        let other = other_origin();
        let server = Server::scripted(vec![
            Reply::status(status).header("location", format!("{}/x", other.base_url())),
        ]);
        let err = client(server.base_url())
            .get_json::<OkBody>(&Scope::Msp, "x", &[])
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "protocol", "{status}: {err:?}");
        let shown = err.to_string();
        assert!(shown.contains(other.base_url()), "{shown}");
        assert!(!err.is_transient());
        assert!(
            other.requests().is_empty(),
            "{status}: the other origin was called"
        );
        assert_eq!(server.requests().len(), 1, "{status}: not retried");
    }
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_the_token() {
    let server = Server::scripted(vec![Reply::status(307).header("location", "/moved"), ok(7)]);
    let body = client(server.base_url())
        .get_json::<OkBody>(&Scope::Msp, "x", &[])
        .await
        .unwrap();
    assert_eq!(body.n, 7);
    let requests = server.requests();
    assert_eq!(requests[1].path, "/moved");
    assert_eq!(
        requests[1].authorization(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn absurd_retry_after_on_a_429_fails_at_once_and_holds_the_api() {
    for value in ["1e30", "100000000", "18446744073709551615"] {
        let server = Server::scripted(vec![Reply::status(429).header("retry-after", value), ok(1)]);
        let (api, waits) = recording_client(server.base_url());
        let err = get_err(&api).await;
        assert!(
            matches!(err, ApiError::WaitTooLong { .. }),
            "{value}: {err:?}"
        );
        assert!(err.to_string().contains("asked to wait 300s"), "{err}");
        // The API as a whole is paused: the next call fails at once too, without a request.
        let err = get_err(&api).await;
        assert!(
            matches!(err, ApiError::WaitTooLong { last: None, .. }),
            "{err:?}"
        );
        // "At once" without a stopwatch: the retry loop asked for no wait, the pacer refused
        // the second call rather than hold it, and no second request was sent.
        assert_eq!(waits.asked(), [], "{value}");
        assert_eq!(server.requests().len(), 1, "{value}");
    }
}

#[tokio::test]
async fn retry_after_on_a_success_is_ignored() {
    let server = Server::scripted(vec![ok(1).header("retry-after", "100000000"), ok(2)]);
    let api = client(server.base_url());
    api.get_json::<OkBody>(&Scope::Msp, "x", &[]).await.unwrap();
    // Ignored means the API is not paused: with no pause and no rate, the pacer lets the next
    // request go without awaiting anything (an `Err` would be a pause longer than zero). The
    // probed turn is handed back unused.
    let pacer = api.pacer("x");
    assert_eq!(pacer.ready_within(Duration::ZERO).await, Ok(()));
    pacer.lost();
    let second = get_guarded(&api, "the second request waited")
        .await
        .unwrap();
    assert_eq!(second.n, 2);
}

#[tokio::test]
async fn an_absurd_reset_on_a_success_fails_the_next_request_at_once() {
    for reset in ["18446744073709551615", "1e30", "99999999999999999999999"] {
        let server = Server::scripted(vec![
            ok(1)
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", reset),
            ok(2),
        ]);
        let (api, waits) = recording_client(server.base_url());
        api.get_json::<OkBody>(&Scope::Msp, "x", &[]).await.unwrap();
        let err = get_err(&api).await;
        assert!(
            matches!(err, ApiError::WaitTooLong { .. }),
            "{reset}: {err:?}"
        );
        // The pacer refused at once (it never sleeps a pause longer than the budget), the loop
        // asked for no wait, and no request was sent.
        assert_eq!(waits.asked(), [], "{reset}");
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_fractional_retry_after_is_honoured() {
    let server = Server::scripted(vec![Reply::status(429).header("retry-after", "0.4"), ok(3)]);
    let started = Instant::now();
    let body = client(server.base_url())
        .get_json::<OkBody>(&Scope::Msp, "x", &[])
        .await
        .unwrap();
    assert_eq!(body.n, 3);
    assert!(started.elapsed() >= Duration::from_millis(400));
}

/// The error of `GET x` at `base` by a Central client whose cap on a response body is 64 KiB.
async fn over_a_64_kib_cap(base: &str) -> glp_transport::ApiError {
    builder(Api::Central, base, static_provider())
        .max_body_bytes(64 * 1024)
        .build()
        .unwrap()
        .get_json::<OkBody>(&Scope::Msp, "x", &[])
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_by_length_or_while_streaming() {
    let big = format!(r#"{{"ok":true,"n":1,"pad":"{}"}}"#, "x".repeat(300_000));
    let server = Server::scripted(vec![Reply::json(200, big)]);
    let err = over_a_64_kib_cap(server.base_url()).await;
    assert_eq!(err.kind(), "protocol", "{err:?}");
    assert!(err.to_string().contains("cap on a response body"), "{err}");

    // Chunked, no length: 64 chunks of 16 KiB against a 64 KiB cap.
    let raw = RawServer::start(vec![RawReply::chunked(64, 16 * 1024)]);
    let err = over_a_64_kib_cap(raw.base_url()).await;
    assert_eq!(err.kind(), "protocol", "{err:?}");
    assert_eq!(raw.accepted(), 1);
}

#[tokio::test]
async fn an_html_page_on_a_200_is_not_json_and_retried_once() {
    let page = || {
        Reply::raw(
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><body>Sign in</body></html>",
        )
    };
    let server = Server::scripted(vec![page(), page(), page()]);
    let err = client(server.base_url())
        .get_json::<OkBody>(&Scope::Msp, "x", &[])
        .await
        .unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("not JSON: text/html"), "{shown}");
    assert!(!err.is_transient());
    assert_eq!(server.requests().len(), 2, "one retry, no more");
}

#[tokio::test]
async fn invalid_json_on_a_200_is_retried_once() {
    let server = Server::scripted(vec![Reply::json(200, r#"{"ok": tru, "n": 1}"#), ok(5)]);
    let body = client(server.base_url())
        .get_json::<OkBody>(&Scope::Msp, "x", &[])
        .await
        .unwrap();
    assert_eq!(body.n, 5);
}

#[tokio::test]
async fn a_429_uses_no_attempt_it_only_slows_down() {
    // Two attempts allowed, three 429s in a row: "slower" is never "failed".
    let server = Server::scripted(vec![
        Reply::status(429).header("retry-after", "0"),
        Reply::status(429).header("retry-after", "0"),
        Reply::status(429).header("retry-after", "0"),
        ok(9),
    ]);
    let api = client_retrying(
        Api::Central,
        server.base_url(),
        glp_core::RetryPolicy::with_max_attempts(2).initial_backoff(Duration::from_millis(10)),
    );
    let body = api.get_json::<OkBody>(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(body.n, 9);
    assert_eq!(api.totals().rate_limited, 3);
}
