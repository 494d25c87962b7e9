//! [`RetryState`]: the rules of the one retry loop ([`ApiClient::send`](crate::ApiClient::send))
//! as a plain value. It is handed what one attempt came to (an [`Outcome`], classified in one
//! place: [`Outcome::from_step`]) and the time since the first attempt, and answers what to do
//! next ([`Next`]). No clock, no sleep, no HTTP: every rule is tested here without a server.
//!
//! - A 429 means "slower": retried within the policy's
//!   [`rate_limited_budget`](RetryPolicy::rate_limited_budget), using no attempt.
//! - A transient failure (408, 5xx, a broken connection, a timeout, a body cut short) uses an
//!   attempt and is retried with exponential backoff and jitter, never sooner than the wait the
//!   server asked for, within [`max_attempts`](RetryPolicy::max_attempts) and
//!   [`max_elapsed`](RetryPolicy::max_elapsed).
//! - A success whose body is not JSON is retried once (using an attempt), then final.
//! - A 401 to a bearer request is retried at once with a fresh token, once per call (when the
//!   client refreshes at all), then final.
//! - A redirect within the origin is followed at once, using no attempt, at most
//!   [`MAX_REDIRECTS`] times.
//! - A wait that does not fit in what is left of the budget fails at once
//!   ([`ApiError::WaitTooLong`]) rather than sleep.
//! - Anything else (400, 403, a decode error of the wrong shape) is final.

use std::time::Duration;

use glp_core::RetryPolicy;
use glp_core::retry::{MAX_SINGLE_WAIT, RetryDecision};

use crate::{Api, ApiError, Step};

/// Redirects a GET follows within its origin before giving up.
pub(crate) const MAX_REDIRECTS: u32 = 5;

/// What one attempt came to, classified once.
#[derive(Debug)]
pub(crate) enum Outcome<T> {
    /// The result.
    Done(T),
    /// A failure no retry can fix.
    Fail(ApiError),
    /// A transient failure (408, 5xx, a broken connection, a timeout, a body cut short), with
    /// the wait the server asked for.
    Transient {
        /// The failure.
        error: ApiError,
        /// The server's `Retry-After` (or equivalent), the floor of the backoff.
        wait: Option<Duration>,
    },
    /// Worth one more try, no more (a success whose body is not JSON).
    RetryOnce {
        /// The failure.
        error: ApiError,
        /// The server's wait, if it named one.
        wait: Option<Duration>,
    },
    /// A 429, with the wait the server asked for.
    RateLimited {
        /// The refusal.
        error: ApiError,
        /// The server's `Retry-After` (or equivalent).
        wait: Option<Duration>,
    },
    /// A 401 to a request that carried a bearer token.
    Unauthorized(ApiError),
    /// A redirect within the request's origin (a GET's).
    Redirect(url::Url),
}

impl<T> Outcome<T> {
    /// A transient failure with the wait its error carries.
    pub(crate) fn transient(error: ApiError) -> Self {
        Self::Transient {
            wait: error.retry_after_hint(),
            error,
        }
    }

    /// The one classification of an answer: what the caller's classifier said (`step`) of an
    /// answer with `status` to a request that did (`bearer`) or did not carry a bearer token.
    pub(crate) fn from_step(step: Step<T>, status: u16, bearer: bool) -> Self {
        match step {
            Step::Done(value) => Self::Done(value),
            Step::Fail(error) if status == 401 && bearer => Self::Unauthorized(error),
            Step::Fail(error) => Self::Fail(error),
            Step::Retry(error) => Self::transient(error),
            Step::RetryOnce(error) => Self::RetryOnce {
                wait: error.retry_after_hint(),
                error,
            },
            Step::RateLimited(error) => Self::RateLimited {
                wait: error.retry_after_hint(),
                error,
            },
        }
    }
}

/// What the loop does next, as [`RetryState::next`] decides.
#[derive(Debug)]
pub(crate) enum Next<T> {
    /// Return the result.
    Done(T),
    /// Wait `after`, then try again; `error` is what the last attempt came to (for the log).
    Retry {
        /// The wait before the next attempt.
        after: Duration,
        /// The failure being retried.
        error: ApiError,
    },
    /// Report the token as rejected and try again at once with a fresh one.
    RefreshTokenAndRetry(ApiError),
    /// Try again at once at this URL.
    Redirect(url::Url),
    /// Return this error.
    Fail(ApiError),
}

/// Every counter of one call's retry loop: attempts used, 429s, redirects, the one 401
/// refresh, the one retry of a body that is not JSON, and the time budgets (from the
/// [`RetryPolicy`], measured by the caller and handed in as the time since the first attempt).
#[derive(Debug)]
pub(crate) struct RetryState {
    policy: RetryPolicy,
    refresh_on_401: bool,
    api: Api,
    method: &'static str,
    path: String,
    /// Attempts that used the budget so far (transient failures, the not-JSON retry).
    attempts: u32,
    /// 429s so far: they use no attempt, only grow the backoff.
    rate_limited: u32,
    redirects: u32,
    refreshed: bool,
    retried_once: bool,
}

impl RetryState {
    /// The state of a new call of `method` on `path` of `api` under `policy`; `refresh_on_401`
    /// says whether a 401 to a bearer request is worth one fresh token.
    pub(crate) fn new(
        policy: RetryPolicy,
        refresh_on_401: bool,
        api: Api,
        method: &'static str,
        path: String,
    ) -> Self {
        Self {
            policy,
            refresh_on_401,
            api,
            method,
            path,
            attempts: 0,
            rate_limited: 0,
            redirects: 0,
            refreshed: false,
            retried_once: false,
        }
    }

    /// The number of the next attempt, as the logs show it (a 429, a 401 refresh or a redirect
    /// starts no new attempt).
    pub(crate) fn attempt(&self) -> u32 {
        self.attempts + 1
    }

    /// The longest pause of the pacer the next attempt may wait through, `elapsed` after the
    /// call began: what is left of the rate-limited budget (a pacer's pause is rate limiting),
    /// at most [`MAX_SINGLE_WAIT`].
    pub(crate) fn pause_allowed(&self, elapsed: Duration) -> Duration {
        self.policy
            .rate_limited_budget
            .saturating_sub(elapsed)
            .min(MAX_SINGLE_WAIT)
    }

    /// The error for a pacer that would hold the next attempt for `pause`, longer than the
    /// `left` it was allowed ([`pause_allowed`](Self::pause_allowed)).
    pub(crate) fn paused_too_long(&self, pause: Duration, left: Duration) -> ApiError {
        self.wait_too_long(pause, left, None)
    }

    /// What to do after an attempt came to `outcome`, `elapsed` after the call began.
    pub(crate) fn next<T>(&mut self, outcome: Outcome<T>, elapsed: Duration) -> Next<T> {
        match outcome {
            Outcome::Done(value) => Next::Done(value),
            Outcome::Fail(error) => Next::Fail(error),
            Outcome::Redirect(target) => {
                self.redirects += 1;
                if self.redirects > MAX_REDIRECTS {
                    Next::Fail(ApiError::Protocol {
                        api: self.api,
                        method: self.method,
                        path: self.path.clone(),
                        detail: format!("more than {MAX_REDIRECTS} redirects"),
                    })
                } else {
                    Next::Redirect(target)
                }
            }
            // One refresh per call: the token may have expired or been revoked.
            Outcome::Unauthorized(error) if self.refresh_on_401 && !self.refreshed => {
                self.refreshed = true;
                Next::RefreshTokenAndRetry(error)
            }
            Outcome::Unauthorized(error) => Next::Fail(error),
            Outcome::RetryOnce { error, .. } if self.retried_once => Next::Fail(error),
            Outcome::RetryOnce { error, wait } => {
                self.retried_once = true;
                self.attempts += 1;
                let decision = self.policy.decide(self.attempts, elapsed, wait);
                self.decided(decision, error)
            }
            Outcome::Transient { error, wait } => {
                self.attempts += 1;
                let decision = self.policy.decide(self.attempts, elapsed, wait);
                self.decided(decision, error)
            }
            // "Slower", not a failure: a 429 uses no attempt, only time.
            Outcome::RateLimited { error, wait } => {
                self.rate_limited += 1;
                let decision = self
                    .policy
                    .decide_rate_limited(self.rate_limited, elapsed, wait);
                self.decided(decision, error)
            }
        }
    }

    fn decided<T>(&self, decision: RetryDecision, error: ApiError) -> Next<T> {
        match decision {
            RetryDecision::Retry(after) => Next::Retry { after, error },
            RetryDecision::GiveUp => Next::Fail(error),
            RetryDecision::WaitTooLong { wait, left } => {
                Next::Fail(self.wait_too_long(wait, left, Some(error)))
            }
        }
    }

    fn wait_too_long(&self, wait: Duration, left: Duration, last: Option<ApiError>) -> ApiError {
        ApiError::WaitTooLong {
            api: self.api,
            method: self.method,
            path: self.path.clone(),
            wait,
            left,
            last: last.map(Box::new),
        }
    }
}

#[cfg(test)]
mod tests {
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
}
