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
//! - A write ([`RetryState::sent_once`]) is never sent again once it may have reached the
//!   server: a transient failure or a success whose body is not JSON ends the call with
//!   [`ApiError::OutcomeUnknown`]; its 429s and its one 401 refresh are retried as above (the
//!   server refused them without acting), and so is a connection that could not be made (the
//!   request never left).

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
    /// The connection could not be made: the request never left, so even a write may be
    /// tried again (as a transient failure).
    NotSent(ApiError),
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
    /// A write: no retry once the request may have reached the server.
    once: bool,
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
            once: false,
        }
    }

    /// The same state for a write: an attempt that may have reached the server is never
    /// repeated (see the module's rules).
    pub(crate) fn sent_once(mut self) -> Self {
        self.once = true;
        self
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
            Outcome::RetryOnce { error, .. } | Outcome::Transient { error, .. } if self.once => {
                Next::Fail(ApiError::OutcomeUnknown {
                    api: self.api,
                    method: self.method,
                    path: self.path.clone(),
                    cause: Box::new(error),
                })
            }
            Outcome::RetryOnce { error, .. } if self.retried_once => Next::Fail(error),
            Outcome::RetryOnce { error, wait } => {
                self.retried_once = true;
                self.attempts += 1;
                let decision = self.policy.decide(self.attempts, elapsed, wait);
                self.decided(decision, error)
            }
            Outcome::NotSent(error) => {
                self.attempts += 1;
                let decision = self.policy.decide(self.attempts, elapsed, None);
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
mod tests;
