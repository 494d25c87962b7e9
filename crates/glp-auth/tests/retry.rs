//! Retries of transient token-endpoint failures against a scripted server that answers a
//! sequence (503 then 200, 429 then 200, ...): the wait a server asks for (`Retry-After`,
//! `ratelimit-reset`, GreenLake's `retryAfterSeconds`) is honoured, the attempt budget and
//! `RetryPolicy::never()` are respected, and every retry repeats the same request. The waits the
//! retry loop asks for are recorded ([`support::Waits`]), not timed; a pause of the identity
//! pacer (after a 429) is seen as a lower bound on the gap between request arrivals, which a
//! loaded machine can only widen.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use glp_auth::{
    AuthError, ClientCredentialsProvider, ExposeSecret, RetryPolicy, Scope, TokenProvider,
};
use support::*;

fn provider(server: &Server, retry: RetryPolicy) -> ClientCredentialsProvider {
    recording_provider(server, retry).0
}

/// A provider whose retry loop records its waits instead of sleeping them.
fn recording_provider(
    server: &Server,
    retry: RetryPolicy,
) -> (ClientCredentialsProvider, Arc<Waits>) {
    let mut o = fast_options();
    o.retry = retry;
    let (o, waits) = recording(o);
    let provider = ClientCredentialsProvider::new(credentials(server.base_url()), &o).unwrap();
    (provider, waits)
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default().initial_backoff(Duration::from_millis(10))
}

/// Asserts that every request is the same client-credentials POST.
fn assert_same_requests(requests: &[Recorded]) {
    for r in requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, token_path(MSP_COMPACT));
        assert_eq!(r.body, requests[0].body);
    }
}

/// Runs the grant with [`fast_retry`] against a server answering `replies`, the last of them
/// the token `token`: the grant gets that token after one request per reply, every one the
/// same. The requests, and the waits the retry loop asked for.
async fn recovers(replies: Vec<Reply>, token: &str) -> (Vec<Recorded>, Arc<Waits>) {
    let answers = replies.len();
    let server = Server::scripted(replies);
    let (provider, waits) = recording_provider(&server, fast_retry());
    let got = provider.token(&Scope::Msp).await.unwrap();
    assert_eq!(got.secret().expose_secret(), token);
    let requests = server.requests();
    assert_eq!(requests.len(), answers);
    assert_same_requests(&requests);
    (requests, waits)
}

/// The error of a grant with `retry` against `server`.
async fn gives_up(server: &Server, retry: RetryPolicy) -> AuthError {
    provider(server, retry)
        .token(&Scope::Msp)
        .await
        .unwrap_err()
}

/// Asserts that request `i + 1` came at least a second after request `i`.
fn held_back_a_second(requests: &[Recorded], i: usize) {
    let gap = gap(requests, i);
    assert!(gap >= Duration::from_secs(1), "{gap:?}");
}

/// The gap between the arrivals of request `i` and `i + 1`.
fn gap(requests: &[Recorded], i: usize) -> Duration {
    requests[i + 1].at.duration_since(requests[i].at)
}

#[tokio::test]
async fn unavailable_with_retry_after_waits_then_succeeds() {
    let unavailable =
        Reply::json(503, r#"{"error":"temporarily_unavailable"}"#).header("retry-after", "1");
    let token = Reply::json(200, token_body("after-503", 900));
    let (_, waits) = recovers(vec![unavailable, token], "after-503").await;
    // The backoff alone would be 5-10 ms: the wait asked for is the server's second, exactly
    // (neither less nor more).
    assert_eq!(waits.asked(), [Duration::from_secs(1)]);
}

#[tokio::test]
async fn too_many_requests_with_retry_after_waits_then_succeeds() {
    let slow_down = Reply::json(429, r#"{"error":"slow_down"}"#).header("Retry-After", "1");
    let token = Reply::json(200, token_body("after-429", 900));
    let (requests, waits) = recovers(vec![slow_down, token], "after-429").await;
    assert_eq!(waits.asked(), [Duration::from_secs(1)]);
    // The recorder returned at once: the identity pacer's pause held the retry back.
    held_back_a_second(&requests, 0);
}

#[tokio::test]
async fn rate_limit_reset_header_is_honoured_when_nothing_remains() {
    let limited = Reply::json(429, "{}")
        .header("ratelimit-limit", "60")
        .header("ratelimit-remaining", "0")
        .header("ratelimit-reset", "1");
    let token = Reply::json(200, token_body("after-reset", 900));
    let (requests, _) = recovers(vec![limited, token], "after-reset").await;
    held_back_a_second(&requests, 0);
}

#[tokio::test]
async fn greenlake_retry_after_seconds_in_the_body_is_honoured() {
    let busy = Reply::json(
        503,
        r#"{"httpStatusCode":503,"errorCode":"HPE_GL_UNAVAILABLE","message":"busy",
           "errorDetails":[{"type":"hpe.greenlake.retry_info","retryAfterSeconds":1}]}"#,
    );
    let token = Reply::json(200, token_body("after-glp-503", 900));
    let (_, waits) = recovers(vec![busy, token], "after-glp-503").await;
    assert_eq!(waits.asked(), [Duration::from_secs(1)]);
}

#[tokio::test]
async fn two_unavailable_answers_then_success_takes_three_requests() {
    let replies = vec![
        Reply::json(503, "{}"),
        Reply::json(503, "<html>busy</html>"),
        Reply::json(200, token_body("third-time", 900)),
    ];
    let (_, waits) = recovers(replies, "third-time").await;
    // Backoff: 5-10 ms, then 10-20 ms (equal jitter of 10 ms doubling), as asked for by the
    // loop (recorded durations, not a clock).
    let asked = waits.asked();
    assert_eq!(asked.len(), 2, "{asked:?}");
    for (wait, (low, high)) in asked.iter().zip([(5, 10), (10, 20)]) {
        assert!(
            (Duration::from_millis(low)..=Duration::from_millis(high)).contains(wait),
            "{asked:?}"
        );
    }
}

#[tokio::test]
async fn a_success_body_cut_mid_json_is_retried_and_never_quoted() {
    let full = token_body("cut-short-token-1234", 900);
    let cut = full[..full.len() / 2].to_owned();
    let server = Server::scripted(vec![
        Reply::json(200, cut.clone()),
        Reply::json(200, token_body("whole", 900)),
    ]);
    let token = provider(&server, fast_retry())
        .token(&Scope::Msp)
        .await
        .unwrap();
    assert_eq!(token.secret().expose_secret(), "whole");
    assert_eq!(server.requests().len(), 2);

    // Without retries the error says what happened, is transient, and quotes nothing.
    let server = Server::scripted(vec![Reply::json(200, cut.clone())]);
    let err = gives_up(&server, RetryPolicy::never()).await;
    assert!(
        matches!(err, AuthError::TruncatedResponse { status: 200, received } if received == cut.len()),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(!err.to_string().contains("cut-short"), "{err}");
}

#[tokio::test]
async fn never_policy_makes_exactly_one_request() {
    let server = Server::scripted(vec![
        Reply::json(503, r#"{"error":"temporarily_unavailable"}"#).header("retry-after", "0"),
        Reply::json(200, token_body("unused", 900)),
    ]);
    let err = gives_up(&server, RetryPolicy::never()).await;
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.remaining(), 1);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert!(err.is_transient());
}

#[tokio::test]
async fn attempts_stop_at_max_attempts_and_the_last_error_is_returned() {
    let server = Server::scripted(vec![
        Reply::json(503, "{}"),
        Reply::json(502, "{}"),
        Reply::json(504, r#"{"error":"gateway_timeout"}"#),
        Reply::json(200, token_body("unused", 900)),
    ]);
    let three = RetryPolicy::with_max_attempts(3).initial_backoff(Duration::from_millis(5));
    let err = gives_up(&server, three).await;
    assert_eq!(server.requests().len(), 3);
    assert_eq!(err.status(), Some(504));
    assert_eq!(err.oauth_error(), Some("gateway_timeout"));
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_budget_is_not_waited_for() {
    let server = Server::scripted(vec![
        Reply::json(503, "{}").header("retry-after", "30"),
        Reply::json(200, token_body("unused", 900)),
    ]);
    let (provider, waits) =
        recording_provider(&server, fast_retry().max_elapsed(Duration::from_secs(5)));
    let err = provider.token(&Scope::Msp).await.unwrap_err();
    // Not waited for, without a stopwatch: the error is wait_too_long, the loop asked for no
    // wait, and no retry reached the server.
    assert!(err.is_wait_too_long(), "{err:?}");
    assert_eq!(waits.asked(), []);
    assert_eq!(server.requests().len(), 1);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    match &err {
        AuthError::WaitTooLong { wait, left, .. } => {
            // What was left of the 5 s budget when the 503 came back.
            assert_eq!(*wait, Duration::from_secs(30));
            assert!(*left <= Duration::from_secs(5), "{left:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unauthorized_after_a_transient_failure_stops_retrying() {
    let server = Server::scripted(vec![
        Reply::json(503, "{}"),
        Reply::json(401, r#"{"error":"invalid_client"}"#),
        Reply::json(200, token_body("unused", 900)),
    ]);
    let err = gives_up(&server, fast_retry()).await;
    assert_eq!(server.requests().len(), 2);
    assert!(
        matches!(err, AuthError::OAuth { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.is_credential_rejected());
}

/// A 429 on the token endpoint pauses GreenLake's identity pacer of the shared transport: a
/// token request of another provider on that transport waits it out too, while GreenLake's
/// other API families (workspaces) are not held back.
#[tokio::test]
async fn a_429_on_the_grant_holds_back_other_token_requests_on_the_same_transport() {
    use glp_transport::{Api, Transport};
    let server = Server::scripted(vec![
        Reply::json(429, r#"{"error":"slow_down"}"#).header("Retry-After", "1"),
        Reply::json(200, token_body("first", 900)),
        Reply::json(200, token_body("second", 900)),
    ]);
    let mut options = fast_options();
    options.retry = fast_retry();
    let (options, waits) = recording(options);
    let transport: Transport = options.transport.clone().unwrap();
    let a = ClientCredentialsProvider::new(credentials(server.base_url()), &options).unwrap();
    let b = ClientCredentialsProvider::new(credentials(server.base_url()), &options).unwrap();
    let first = tokio::spawn(async move { a.token(&Scope::Msp).await });

    // Wait for the 429 to be taken in, not for a guessed time: the retry loop asks for its wait
    // only after the pacer was told (the recorder returns at once; the pause then holds the
    // first provider's retry back too).
    waits.until_asked(1).await;
    let base = url::Url::parse(server.base_url()).unwrap();
    let workspaces = transport.pacer(Api::GreenLake, &base, "workspaces/v1/msp-tenants");
    assert_eq!(
        workspaces.paused_for(),
        None,
        "another API family is not paused"
    );

    let second = b.token(&Scope::Msp).await.unwrap();
    assert!(first.await.unwrap().is_ok());
    assert!(["first", "second"].contains(&second.secret().expose_secret()));
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "one 429, two grants");
    for later in &requests[1..] {
        let after = later.at.duration_since(requests[0].at);
        assert!(
            after >= Duration::from_millis(990),
            "a token request came {after:?} after the 429"
        );
    }
}
