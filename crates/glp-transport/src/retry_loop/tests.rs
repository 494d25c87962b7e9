//! The retry state machine's tests: one per rule, no HTTP, no clock.

use super::*;
use crate::{Answer, ErrorBody, json_step};
use reqwest::header::{HeaderMap, HeaderValue};

const SECOND: Duration = Duration::from_secs(1);

/// A policy whose backoff has no jitter (zero), so every delay is the server's wait.
fn exact() -> RetryPolicy {
    RetryPolicy::with_max_attempts(3)
        .initial_backoff(Duration::ZERO)
        .max_elapsed(Duration::from_secs(60))
        .rate_limited_budget(Duration::from_secs(600))
}

fn state(policy: RetryPolicy) -> RetryState {
    RetryState::new(policy, true, Api::GreenLake, "GET", "/x".to_owned())
}

fn http(status: u16, retry_after: Option<Duration>) -> ApiError {
    ApiError::Http {
        api: Api::GreenLake,
        method: "GET",
        path: "/x".to_owned(),
        status,
        body: Box::new(ErrorBody::Raw(String::new())),
        retry_after,
        hints: &[],
    }
}

fn rate_limited(wait: Option<Duration>) -> Outcome<()> {
    Outcome::RateLimited {
        error: http(429, wait),
        wait,
    }
}

fn transient(status: u16, wait: Option<Duration>) -> Outcome<()> {
    Outcome::transient(http(status, wait))
}

/// What `json_step` and the one classification make of an answer with `status`.
fn classified(status: u16, body: &[u8], headers: &HeaderMap, bearer: bool) -> Outcome<()> {
    let url = url::Url::parse("http://127.0.0.1/x").expect("url");
    let answer = Answer {
        url: &url,
        status,
        headers,
        body,
        elapsed: Duration::ZERO,
    };
    let step: Step<serde_json::Value> = json_step(Api::GreenLake, "GET", &answer);
    Outcome::from_step(step, status, bearer).map_done()
}

impl<T> Outcome<T> {
    /// The same outcome with the result dropped (the tests look at the rules, not values).
    fn map_done(self) -> Outcome<()> {
        match self {
            Outcome::Done(_) => Outcome::Done(()),
            Outcome::Fail(e) => Outcome::Fail(e),
            Outcome::Transient { error, wait } => Outcome::Transient { error, wait },
            Outcome::NotSent(e) => Outcome::NotSent(e),
            Outcome::RetryOnce { error, wait } => Outcome::RetryOnce { error, wait },
            Outcome::RateLimited { error, wait } => Outcome::RateLimited { error, wait },
            Outcome::Unauthorized(e) => Outcome::Unauthorized(e),
            Outcome::Redirect(u) => Outcome::Redirect(u),
        }
    }
}

fn retry_after(next: &Next<()>) -> Option<Duration> {
    match next {
        Next::Retry { after, .. } => Some(*after),
        _ => None,
    }
}

fn failed(next: Next<()>) -> ApiError {
    match next {
        Next::Fail(error) => error,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn a_429_is_retried_within_the_time_budget_and_uses_no_attempt() {
    let mut s = state(exact());
    // Many more 429s than attempts: each waits what the server asked, none uses an attempt.
    for n in 0..20u64 {
        let next = s.next(rate_limited(Some(SECOND)), SECOND * n as u32);
        assert_eq!(retry_after(&next), Some(SECOND), "429 number {n}");
        assert_eq!(s.attempt(), 1);
    }
    // The attempts are all still there: two transient failures are retried, the third ends it.
    assert!(retry_after(&s.next(transient(503, None), SECOND * 21)).is_some());
    assert!(retry_after(&s.next(transient(503, None), SECOND * 22)).is_some());
    assert_eq!(
        failed(s.next(transient(503, None), SECOND * 23)).status(),
        Some(503)
    );
}

#[test]
fn a_429_past_the_time_budget_fails_and_a_wait_that_does_not_fit_fails_at_once() {
    let mut s = state(exact());
    // 599.5 s into a 600 s budget, a 1 s wait does not fit: WaitTooLong, with the 429.
    match failed(s.next(rate_limited(Some(SECOND)), Duration::from_millis(599_500))) {
        ApiError::WaitTooLong {
            wait,
            left,
            last: Some(last),
            ..
        } => {
            assert_eq!((wait, left), (SECOND, Duration::from_millis(500)));
            assert_eq!(last.status(), Some(429));
        }
        other => panic!("{other:?}"),
    }
    // With no wait named, the budget spent means giving up with the 429 itself (a backoff
    // above zero: a zero wait always fits).
    let mut s = state(exact().initial_backoff(Duration::from_millis(100)));
    let error = failed(s.next(rate_limited(None), Duration::from_secs(600)));
    assert_eq!(error.status(), Some(429));
    // One wait longer than two minutes fails at once, however much budget is left.
    let mut s = state(exact());
    match failed(s.next(rate_limited(Some(Duration::from_secs(200))), Duration::ZERO)) {
        ApiError::WaitTooLong { wait, left, .. } => {
            assert_eq!((wait, left), (Duration::from_secs(200), MAX_SINGLE_WAIT));
        }
        other => panic!("{other:?}"),
    }
    // A policy of one attempt retries no 429 either.
    let mut s = state(RetryPolicy::never());
    assert_eq!(
        failed(s.next(rate_limited(Some(SECOND)), Duration::ZERO)).status(),
        Some(429)
    );
}

#[test]
fn transient_failures_back_off_never_sooner_than_the_servers_wait() {
    let policy = RetryPolicy::with_max_attempts(6)
        .initial_backoff(Duration::from_millis(100))
        .max_elapsed(Duration::from_secs(60));
    for _ in 0..50 {
        let mut s = state(policy);
        // No wait named: equal jitter of the doubling backoff (50-100 ms, then 100-200 ms).
        let first = retry_after(&s.next(transient(500, None), Duration::ZERO));
        assert!(
            first.is_some_and(|d| (50..=100).contains(&d.as_millis())),
            "{first:?}"
        );
        assert_eq!(s.attempt(), 2);
        let second = retry_after(&s.next(transient(502, None), Duration::ZERO));
        assert!(
            second.is_some_and(|d| (100..=200).contains(&d.as_millis())),
            "{second:?}"
        );
        // The server's wait is the floor: never sooner, and here exactly it (above the
        // backoff's jitter).
        let third = retry_after(&s.next(transient(503, Some(SECOND * 2)), Duration::ZERO));
        assert_eq!(third, Some(SECOND * 2));
        // 408, a broken connection and a timeout are transient too.
        assert!(retry_after(&s.next(transient(408, None), Duration::ZERO)).is_some());
        let broken = ApiError::Transport {
            api: Api::GreenLake,
            method: "GET",
            path: "/x".to_owned(),
            error: "connection reset".into(),
        };
        assert!(retry_after(&s.next(Outcome::transient(broken), Duration::ZERO)).is_some());
        assert_eq!(s.attempt(), 6);
        let timeout = ApiError::Timeout {
            api: Api::GreenLake,
            method: "GET",
            path: "/x".to_owned(),
            after: SECOND,
        };
        // The sixth attempt was the last.
        assert!(matches!(
            failed(s.next(Outcome::transient(timeout), Duration::ZERO)),
            ApiError::Timeout { .. }
        ));
    }
}

#[test]
fn the_classification_sends_transient_statuses_and_429s_their_own_way() {
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("3"));
    for status in [408, 500, 502, 503, 504] {
        match classified(status, b"{}", &headers, true) {
            Outcome::Transient { wait, .. } => assert_eq!(wait, Some(SECOND * 3), "{status}"),
            other => panic!("{status}: {other:?}"),
        }
    }
    match classified(429, b"{}", &headers, true) {
        Outcome::RateLimited { wait, .. } => assert_eq!(wait, Some(SECOND * 3)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        classified(200, b"{}", &HeaderMap::new(), true),
        Outcome::Done(())
    ));
}

#[test]
fn a_401_to_a_bearer_request_refreshes_the_token_once_then_fails() {
    let mut s = state(exact());
    let outcome = classified(401, b"{}", &HeaderMap::new(), true);
    assert!(matches!(outcome, Outcome::Unauthorized(_)));
    assert!(matches!(
        s.next(outcome, Duration::ZERO),
        Next::RefreshTokenAndRetry(_)
    ));
    assert_eq!(s.attempt(), 1, "the refresh uses no attempt");
    let again = classified(401, b"{}", &HeaderMap::new(), true);
    assert_eq!(failed(s.next(again, Duration::ZERO)).status(), Some(401));
    // A client that takes a 401 as the answer never refreshes.
    let mut s = RetryState::new(exact(), false, Api::Central, "GET", "/x".to_owned());
    let outcome = classified(401, b"{}", &HeaderMap::new(), true);
    assert_eq!(failed(s.next(outcome, Duration::ZERO)).status(), Some(401));
    // A 401 to a request without a bearer token (a token request) is final at once.
    let outcome = classified(401, b"{}", &HeaderMap::new(), false);
    assert!(matches!(outcome, Outcome::Fail(_)));
}

#[test]
fn a_403_or_400_is_never_retried() {
    for status in [400, 403, 404, 409, 422] {
        let mut s = state(exact());
        let outcome = classified(status, b"{}", &HeaderMap::new(), true);
        let error = failed(s.next(outcome, Duration::ZERO));
        assert_eq!(error.status(), Some(status));
    }
}

#[test]
fn a_transient_wait_longer_than_what_is_left_fails_at_once_with_wait_too_long() {
    let policy = exact().max_elapsed(Duration::from_millis(300));
    let mut s = state(policy);
    match failed(s.next(transient(503, Some(SECOND * 5)), Duration::ZERO)) {
        ApiError::WaitTooLong {
            wait,
            left,
            last: Some(last),
            ..
        } => {
            assert_eq!((wait, left), (SECOND * 5, Duration::from_millis(300)));
            assert_eq!(last.status(), Some(503));
        }
        other => panic!("{other:?}"),
    }
    // The pacer's pause is held to the rate-limited budget left, at most two minutes.
    let s = state(exact());
    assert_eq!(s.pause_allowed(Duration::ZERO), MAX_SINGLE_WAIT);
    assert_eq!(
        s.pause_allowed(Duration::from_secs(590)),
        Duration::from_secs(10)
    );
    assert_eq!(s.pause_allowed(Duration::from_secs(900)), Duration::ZERO);
    assert!(matches!(
        s.paused_too_long(SECOND * 30, SECOND * 10),
        ApiError::WaitTooLong { last: None, .. }
    ));
}

#[test]
fn a_body_that_is_not_json_is_retried_once() {
    let mut s = state(exact());
    let html = classified(200, b"<html>sign in</html>", &HeaderMap::new(), true);
    assert!(matches!(html, Outcome::RetryOnce { .. }));
    assert_eq!(
        retry_after(&s.next(html, Duration::ZERO)),
        Some(Duration::ZERO)
    );
    assert_eq!(s.attempt(), 2, "the retry uses an attempt");
    let again = classified(200, b"<html>sign in</html>", &HeaderMap::new(), true);
    assert!(matches!(
        failed(s.next(again, Duration::ZERO)),
        ApiError::Decode {
            truncated: false,
            ..
        }
    ));
    // With no attempt left, not even once.
    let mut s = state(RetryPolicy::never());
    let html = classified(200, b"<html>sign in</html>", &HeaderMap::new(), true);
    assert!(matches!(
        failed(s.next(html, Duration::ZERO)),
        ApiError::Decode { .. }
    ));
}

#[test]
fn attempts_are_exhausted_and_the_last_error_is_returned() {
    let mut s = state(exact());
    assert!(retry_after(&s.next(transient(503, None), Duration::ZERO)).is_some());
    assert!(retry_after(&s.next(transient(502, None), Duration::ZERO)).is_some());
    assert_eq!(
        failed(s.next(transient(504, None), Duration::ZERO)).status(),
        Some(504)
    );
    // Time ends it too: no retry starts that would end after max_elapsed.
    let mut s = state(exact().initial_backoff(Duration::from_millis(100)));
    assert_eq!(
        failed(s.next(transient(503, None), Duration::from_secs(61))).status(),
        Some(503)
    );
}

#[test]
fn redirects_are_followed_at_once_five_times_at_most() {
    let mut s = state(exact());
    let target = url::Url::parse("http://127.0.0.1/y").expect("url");
    for _ in 0..MAX_REDIRECTS {
        assert!(matches!(
            s.next(Outcome::<()>::Redirect(target.clone()), Duration::ZERO),
            Next::Redirect(_)
        ));
    }
    assert_eq!(s.attempt(), 1);
    match failed(s.next(Outcome::Redirect(target), Duration::ZERO)) {
        ApiError::Protocol { detail, .. } => assert!(detail.contains("more than 5 redirects")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_result_or_a_final_error_ends_the_loop() {
    let mut s = state(exact());
    assert!(matches!(
        s.next(Outcome::Done(7), Duration::ZERO),
        Next::Done(7)
    ));
    let error = ApiError::InvalidRequest("no".into());
    assert!(matches!(
        s.next::<()>(Outcome::Fail(error), Duration::ZERO),
        Next::Fail(ApiError::InvalidRequest(_))
    ));
}

#[test]
fn a_write_is_never_sent_again_once_it_may_have_reached_the_server() {
    for outcome in [
        transient(500, None),
        transient(503, Some(SECOND)),
        Outcome::RetryOnce {
            error: http(200, None),
            wait: None,
        },
    ] {
        let mut s = state(exact()).sent_once();
        match s.next(outcome, Duration::ZERO) {
            Next::Fail(ApiError::OutcomeUnknown { cause, .. }) => {
                assert!(matches!(*cause, ApiError::Http { .. }));
            }
            other => panic!("expected outcome unknown, got {other:?}"),
        }
    }
    // Never sent (no connection): tried again like any transient failure.
    let mut s = state(exact()).sent_once();
    assert!(matches!(
        s.next(Outcome::<()>::NotSent(http(503, None)), Duration::ZERO),
        Next::Retry { .. }
    ));
    // Refused without acting: a 429 waits and retries, a 401 gets one fresh token.
    let mut s = state(exact()).sent_once();
    assert!(matches!(
        s.next(rate_limited(Some(SECOND)), Duration::ZERO),
        Next::Retry { after, .. } if after == SECOND
    ));
    assert!(matches!(
        s.next(Outcome::<()>::Unauthorized(http(401, None)), Duration::ZERO),
        Next::RefreshTokenAndRetry(_)
    ));
    // A clean refusal stays what it is.
    assert!(matches!(
        s.next(Outcome::<()>::Fail(http(409, None)), Duration::ZERO),
        Next::Fail(ApiError::Http { status: 409, .. })
    ));
    let unknown = ApiError::OutcomeUnknown {
        api: Api::GreenLake,
        method: "POST",
        path: "/x".to_owned(),
        cause: Box::new(http(502, None)),
    };
    assert_eq!(unknown.kind(), "outcome_unknown");
    assert_eq!(unknown.status(), Some(502));
    assert!(!unknown.is_transient());
    assert!(
        unknown
            .to_string()
            .contains("may or may not have taken effect")
    );
}
