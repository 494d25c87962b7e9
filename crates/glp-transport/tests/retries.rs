//! Sequences of different answers from a scripted server: which failures are retried, how long
//! the client waits (`Retry-After` in seconds or as an HTTP date, GreenLake's `retryAfterSeconds`,
//! `ratelimit-remaining: 0` + `ratelimit-reset`, new Central's `X-RateLimit-Reset` alone, classic
//! Central's `Retry-After` with its `-second` headers), and that the retry budget (attempts and total
//! time) is respected. The waits the retry loop asks for are recorded ([`support::Waits`]), not
//! timed; a pause of the pacer (after a 429) is seen as a lower bound on the gap between request
//! arrivals at the server, which a loaded machine can only widen.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, SystemTime};

use glp_core::{RetryPolicy, Scope};
use glp_transport::{Api, ApiError};
use serde_json::json;
use support::{
    OkBody, RawReply, RawServer, Reply, Server, builder, client, client_retrying, counted, get_err,
    ok, recording, recording_client, static_provider,
};

/// The gap between the arrivals of requests `i` and `i + 1`.
fn gap(server: &Server, i: usize) -> Duration {
    let r = server.requests();
    r[i + 1].at - r[i].at
}

/// Asserts that the second request came at least `least` after the first.
fn assert_second_waited(server: &Server, least: Duration) {
    let gap = gap(server, 0);
    assert!(gap >= least, "{gap:?}");
}

/// Answers `first`, then `ok(1)`, to a client of `api` (the support builder: no pacing, fast
/// retries) and asserts that the second request came at least `least` after the first; returns
/// the client for further checks.
async fn second_waits(api: Api, first: Reply, least: Duration) -> glp_transport::ApiClient {
    let server = Server::scripted(vec![first, ok(1)]);
    let client = client_of(api, &server);
    let _: OkBody = client.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_second_waited(&server, least);
    client
}

/// Answers `first` (a success, `n` 1), then `ok(2)`, to two requests of a client of `api` (the
/// support builder: no pacing, fast retries), which get them in that order; the server and the
/// client, for checks of the gap and totals.
async fn asked_twice(api: Api, first: Reply) -> (Server, glp_transport::ApiClient) {
    let server = Server::scripted(vec![first, ok(2)]);
    let client = client_of(api, &server);
    let first: OkBody = client.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    let second: OkBody = client.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!((first.n, second.n), (1, 2));
    (server, client)
}

/// A client of `api` at `server` (the support builder: no pacing, fast retries).
fn client_of(api: Api, server: &Server) -> glp_transport::ApiClient {
    builder(api, server.base_url(), static_provider())
        .build()
        .unwrap()
}

fn glp_error(status: u16, retry_after_seconds: u64) -> String {
    json!({
        "httpStatusCode": status,
        "errorCode": "HPE_GL_ERROR_TOO_MANY_REQUESTS",
        "message": "Too many requests",
        "debugId": "dbg-1",
        "errorDetails": [{"type": "hpe.greenlake.retry_info",
                          "retryAfterSeconds": retry_after_seconds}]
    })
    .to_string()
}

#[tokio::test]
async fn rate_limited_with_retry_after_1_waits_a_second_then_succeeds() {
    let server = Server::scripted(vec![Reply::status(429).header("retry-after", "1"), ok(2)]);
    let (api, waits) = recording_client(server.base_url());
    let body: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(body.n, 2);
    assert_eq!(server.requests().len(), 2);
    // The loop asked for exactly the server's second (the 5-10 ms backoff is below it)...
    assert_eq!(waits.asked(), [Duration::from_secs(1)]);
    // ...and, the recorder having returned at once, the pacer's pause held the retry back.
    assert_second_waited(&server, Duration::from_secs(1));
    let totals = api.totals();
    assert_eq!(totals.rate_limited, 1);
    assert_eq!(totals.retries, 1);
    assert_eq!(totals.requests, 2);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    // An HTTP date has whole seconds and is written before the request is even sent: "now + 4
    // s" is at least 3 s after this line, so even a request that reaches the server 1.5 s late
    // (a loaded machine) waits more than 1.5 s: longer than the 1 s a 429 without any hint
    // pauses for, which is what this tells apart.
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(4));
    second_waits(
        Api::GreenLake,
        Reply::status(429).header("retry-after", &date),
        Duration::from_millis(1500),
    )
    .await;
}

#[tokio::test]
async fn glp_retry_info_in_the_body_is_the_wait_when_no_header_says_otherwise() {
    // 2 s: longer than the 1 s default pause of a 429 without hints, so only the body can
    // explain the wait.
    let api = second_waits(
        Api::GreenLake,
        Reply::json(429, glp_error(429, 2)),
        Duration::from_secs(2),
    )
    .await;
    assert_eq!(api.totals().rate_limited, 1);
}

#[tokio::test]
async fn glp_retry_info_on_a_503_is_the_floor_of_the_backoff() {
    let server = Server::scripted(vec![Reply::json(503, glp_error(503, 1)), ok(1)]);
    let (api, waits) = recording_client(server.base_url());
    let _: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    // The 10 ms backoff is raised to the body's second, exactly.
    assert_eq!(waits.asked(), [Duration::from_secs(1)]);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(api.totals().rate_limited, 0);
}

/// A 429 without `Retry-After` but with the whole rate-limit family, nothing remaining: the
/// retry waits for the reset. GreenLake's `RateLimit-*` headers and new Central's
/// `X-RateLimit-*` ones.
#[tokio::test]
async fn a_429_with_a_spent_budget_waits_for_its_reset() {
    for (api, prefix, reset) in [
        (Api::GreenLake, "ratelimit", 2),
        (Api::Central, "x-ratelimit", 1),
    ] {
        let limited = Reply::status(429)
            .header(&format!("{prefix}-limit"), "160")
            .header(&format!("{prefix}-remaining"), "0")
            .header(&format!("{prefix}-reset"), reset.to_string());
        second_waits(api, limited, Duration::from_secs(reset)).await;
    }
}

#[tokio::test]
async fn new_central_429_with_only_x_ratelimit_reset_waits_for_the_reset() {
    // New Central's dialect: a GreenLake-shaped body with an integer status and no details,
    // `X-RateLimit-Reset` and no `Retry-After`.
    let body = json!({
        "httpStatusCode": 429,
        "errorCode": "HPE_GL_ERROR_TOO_MANY_REQUESTS",
        "message": "Too many requests",
        "debugId": "dbg-2",
    })
    .to_string();
    let api = second_waits(
        Api::Central,
        Reply::json(429, body).header("x-ratelimit-reset", "2"),
        Duration::from_secs(2),
    )
    .await;
    assert_eq!(api.totals().rate_limited, 1);
}

#[tokio::test]
async fn classic_central_429_with_its_message_body_waits_for_retry_after() {
    let api = second_waits(
        Api::Central,
        Reply::json(429, r#"{"message": "API rate limit exceeded"}"#)
            .header("retry-after", "1")
            .header("x-ratelimit-limit-second", "7")
            .header("x-ratelimit-remaining-second", "0"),
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(api.totals().rate_limited, 1);
}

/// No 429 yet: a success says nothing remains of the budget, and the client waits before asking
/// again. GreenLake's headers: nothing remaining, reset in 1 s. Central's documented ones: a
/// per-second limit (2) and what remains of it, no reset, so one interval (0.5 s).
#[tokio::test]
async fn a_budget_spent_on_a_success_holds_back_the_next_request() {
    let greenlake = [("ratelimit-remaining", "0"), ("ratelimit-reset", "1")];
    let central = [
        ("x-ratelimit-limit-second", "2"),
        ("x-ratelimit-remaining-second", "0"),
    ];
    for (api, headers, least) in [
        (Api::GreenLake, greenlake, Duration::from_secs(1)),
        (Api::Central, central, Duration::from_millis(500)),
    ] {
        let spent = headers.iter().fold(ok(1), |r, (k, v)| r.header(k, v));
        let (server, client) = asked_twice(api, spent).await;
        assert_second_waited(&server, least);
        assert_eq!(client.totals().retries, 0, "{api:?}");
    }
}

#[tokio::test]
async fn remaining_budget_does_not_slow_anything_down() {
    let server = Server::scripted(vec![
        ok(1)
            .header("ratelimit-remaining", "5")
            .header("ratelimit-reset", "30"),
        ok(2),
    ]);
    let api = client(server.base_url());
    let _: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    // What the second request waits for is the pacer; ask it on tokio's paused clock (no
    // socket is waited on meanwhile), where any wait shows as elapsed time: none, since 5 left
    // of the window is no pause (only `remaining: 0` is). The probe is the second request's own
    // turn, handed back unused (`lost`) before the real request goes.
    let pacer = api.pacer("x");
    tokio::time::pause();
    let probe = tokio::time::Instant::now();
    assert_eq!(pacer.ready_within(Duration::ZERO).await, Ok(()), "paused");
    // The next slot is "now" (the 5 left do pace later requests, at 0.5/s, but not this one):
    // on the paused clock that costs at most tokio's 1 ms timer tick; a pause would be 30 s.
    assert!(
        probe.elapsed() <= Duration::from_millis(1),
        "the next request would wait {:?}",
        probe.elapsed()
    );
    pacer.lost();
    tokio::time::resume();
    let _: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(server.requests().len(), 2);
    assert_eq!(counted(&api), (2, 0, 0, 0));
}

#[tokio::test]
async fn service_unavailable_twice_then_success() {
    let server = Server::scripted(vec![Reply::status(503), Reply::status(503), ok(3)]);
    let api = client(server.base_url());
    let body: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(body.n, 3);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(counted(&api), (3, 2, 0, 0));
}

#[tokio::test]
async fn every_transient_status_is_retried() {
    for status in [408, 429, 500, 502, 503, 504] {
        let server = Server::scripted(vec![
            Reply::status(status).header("retry-after", "0"),
            ok(1),
        ]);
        let api = client(server.base_url());
        let result = api.get_json::<OkBody>(&Scope::Msp, "x", &[]).await;
        assert!(result.is_ok(), "{status}: {result:?}");
        assert_eq!(server.requests().len(), 2, "{status}");
    }
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for status in [400, 403, 404, 409, 412, 422] {
        let server = Server::scripted(vec![Reply::status(status), ok(1)]);
        let api = client(server.base_url());
        let err = get_err(&api).await;
        assert_eq!(err.status(), Some(status));
        assert!(!err.is_transient(), "{status}");
        assert_eq!(server.requests().len(), 1, "{status}");
        assert_eq!(server.remaining(), 1, "{status}");
    }
}

#[tokio::test]
async fn the_attempt_budget_is_respected() {
    let server = Server::scripted(vec![Reply::status(503); 10]);
    let (builder, waits) = recording(Api::GreenLake, server.base_url(), static_provider());
    let api = builder
        .retry(RetryPolicy::with_max_attempts(3).initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();
    let err = get_err(&api).await;
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.kind(), "server_error");
    assert!(err.is_transient());
    assert_eq!(server.requests().len(), 3);
    // Two backoffs of equal jitter: 5-10 ms, then 10-20 ms.
    let asked = waits.asked();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!((5..=10).contains(&asked[0].as_millis()), "{asked:?}");
    assert!((10..=20).contains(&asked[1].as_millis()), "{asked:?}");
    assert_eq!(counted(&api), (3, 2, 0, 0));
}

#[tokio::test]
async fn with_retry_overrides_the_policy_of_one_clone_and_shares_the_totals() {
    let server = Server::scripted(vec![Reply::status(503); 10]);
    let api = client_retrying(
        Api::Central,
        server.base_url(),
        RetryPolicy::with_max_attempts(5).initial_backoff(Duration::from_millis(10)),
    );
    let quick = api.with_retry(RetryPolicy::never());
    let err = get_err(&quick).await;
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.requests().len(), 1, "the clone tries once");
    // The original keeps its own policy, and both count into the same totals.
    get_err(&api).await;
    assert_eq!(server.requests().len(), 6);
    assert_eq!(api.totals().requests, 6);
    assert_eq!(quick.totals().requests, 6);
}

#[tokio::test]
async fn never_means_one_attempt() {
    let server = Server::scripted(vec![Reply::status(502), ok(1)]);
    let api = client_retrying(Api::Central, server.base_url(), RetryPolicy::never());
    let err = get_err(&api).await;
    assert_eq!(err.status(), Some(502));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn no_retry_starts_that_would_end_after_the_time_budget() {
    // The server asks for 5 s, the budget is 300 ms: the client gives up at once instead of
    // sleeping past its budget.
    let server = Server::scripted(vec![Reply::status(503).header("retry-after", "5"), ok(1)]);
    let (builder, waits) = recording(Api::GreenLake, server.base_url(), static_provider());
    let api = builder
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(10))
                .max_elapsed(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let err = get_err(&api).await;
    // "At once" without a stopwatch: the loop asked for no wait at all, and no second request
    // reached the server (asserted below).
    assert_eq!(waits.asked(), []);
    assert!(
        err.to_string().contains("asked to wait 5s"),
        "the message says why: {err}"
    );
    match err {
        ApiError::WaitTooLong {
            wait,
            left,
            last: Some(last),
            ..
        } => {
            assert_eq!(wait, Duration::from_secs(5));
            assert!(left <= Duration::from_millis(300), "{left:?}");
            assert_eq!(last.status(), Some(503));
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert_eq!(server.requests().len(), 1, "no retry was sent");
}

#[tokio::test]
async fn truncated_json_on_a_success_is_retried() {
    let server = Server::scripted(vec![Reply::json(200, r#"{"ok": true, "n": 4"#), ok(5)]);
    let api = client(server.base_url());
    let body: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(body.n, 5);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(api.totals().retries, 1);
}

#[tokio::test]
async fn truncated_json_every_time_ends_in_a_transient_decode_error() {
    let server = Server::scripted(vec![Reply::json(200, r#"{"ok": tr"#); 3]);
    let api = client_retrying(
        Api::GreenLake,
        server.base_url(),
        RetryPolicy::with_max_attempts(3).initial_backoff(Duration::from_millis(10)),
    );
    let err = get_err(&api).await;
    match &err {
        ApiError::Decode {
            truncated, status, ..
        } => {
            assert!(*truncated);
            assert_eq!(*status, 200);
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(err.is_transient());
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_retried() {
    let raw = RawServer::start(vec![
        RawReply::close(),
        RawReply::ok_json(r#"{"ok":true,"n":6}"#),
    ]);
    let api = client(raw.base_url());
    let body: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(body.n, 6);
    assert_eq!(raw.accepted(), 2);
    assert_eq!(api.totals().retries, 1);
}

#[tokio::test]
async fn a_body_cut_short_by_the_connection_is_retried() {
    let raw = RawServer::start(vec![
        RawReply::cut_short(r#"{"ok":true,"#),
        RawReply::ok_json(r#"{"ok":true,"n":8}"#),
    ]);
    let api = client(raw.base_url());
    let body: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(body.n, 8);
    assert_eq!(raw.accepted(), 2);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let server = Server::scripted(vec![ok(1).delay(Duration::from_secs(2)), ok(2)]);
    let api = builder(Api::GreenLake, server.base_url(), static_provider())
        .timeouts(Duration::from_secs(1), Duration::from_millis(300))
        .build()
        .unwrap();
    let body: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(body.n, 2);
    assert_eq!(api.totals().retries, 1);

    // Without retries, the timeout is the error.
    let server = Server::scripted(vec![ok(1).delay(Duration::from_secs(2))]);
    let api = builder(Api::GreenLake, server.base_url(), static_provider())
        .timeouts(Duration::from_secs(1), Duration::from_millis(300))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let err = get_err(&api).await;
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert_eq!(err.kind(), "timeout");
    assert!(err.is_transient());
}
