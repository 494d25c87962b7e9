//! Retry policy: exponential backoff with jitter, `Retry-After` as the floor.
//!
//! Shared by the token endpoint and by the API transport so that both behave the same.
//!
//! Every wait a server asks for is untrusted input: parsed with checked arithmetic, never able
//! to panic, and clamped to [`MAX_SERVER_WAIT`]. A wait longer than what is left of a request's
//! retry budget is [`RetryDecision::WaitTooLong`]: the request fails at once, with a clear
//! error, rather than sleeping.

use std::time::{Duration, SystemTime};

/// The longest single wait any server header or body can impose (5 minutes). Longer asks are
/// clamped to it, and then usually exceed the retry budget: the request fails at once.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(300);

/// The longest one wait a request sits through (2 minutes): a server that asks for longer, in
/// one `Retry-After` or reset, fails the request at once ([`RetryDecision::WaitTooLong`]) rather
/// than hold it, however much of the time budget is left. Many shorter waits may add up to the
/// whole [`RetryPolicy::rate_limited_budget`].
pub const MAX_SINGLE_WAIT: Duration = Duration::from_secs(120);

/// What to do after a failed attempt (see [`RetryPolicy::decide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Attempts or time are used up: return the error.
    GiveUp,
    /// The server asked for a wait longer than what is left of the retry budget: fail now
    /// rather than sleep.
    WaitTooLong {
        /// The wait the server asked for (clamped to [`MAX_SERVER_WAIT`]).
        wait: Duration,
        /// What was left of the retry budget.
        left: Duration,
    },
}

use http::header::{HeaderMap, RETRY_AFTER};

/// How transient failures (408, 429, 500, 502, 503, 504, connection errors, bodies cut short) are
/// retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles with every further retry.
    pub initial_backoff: Duration,
    /// The largest backoff between two attempts (a server's `Retry-After` may exceed it).
    pub max_backoff: Duration,
    /// No retry of a failure (5xx, broken connection) starts once this much time has passed
    /// since the first attempt.
    pub max_elapsed: Duration,
    /// How long a request keeps waiting and retrying while the server says 429 (or its pacer
    /// holds it back after one): a rate limit means "slower", so this is a time budget, not a
    /// count. The orchestrator sets it to the tenant's `--timeout` when there is one.
    pub rate_limited_budget: Duration,
}

/// The default [`RetryPolicy::rate_limited_budget`]: 15 minutes, generous on purpose (a request
/// that is told "slower" should wait, not fail).
pub const DEFAULT_RATE_LIMITED_BUDGET: Duration = Duration::from_secs(15 * 60);

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(120),
            rate_limited_budget: DEFAULT_RATE_LIMITED_BUDGET,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries, a 429 included.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// A policy with `max_attempts` attempts and the default timings.
    pub fn with_max_attempts(max_attempts: u32) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            ..Self::default()
        }
    }

    /// Sets the initial backoff.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the largest backoff.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the total time after which no retry of a failure starts.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// Sets how long a rate-limited request keeps waiting and retrying.
    pub fn rate_limited_budget(mut self, budget: Duration) -> Self {
        self.rate_limited_budget = budget;
        self
    }

    /// The wait before retry number `retry` (1 for the first retry): exponential backoff with
    /// "equal jitter" (between half and all of the exponential step), never less than the
    /// server's `retry_after`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
            .min(self.max_backoff);
        let half = exp / 2;
        let jittered = half + half.mul_f64(fastrand::f64());
        jittered.max(retry_after.unwrap_or(Duration::ZERO))
    }

    /// Whether another attempt may start after `attempts` attempts and `elapsed` time,
    /// if it would wait `next_delay` first.
    pub fn allows_retry(&self, attempts: u32, elapsed: Duration, next_delay: Duration) -> bool {
        attempts < self.max_attempts && elapsed.saturating_add(next_delay) <= self.max_elapsed
    }

    /// What to do after `attempts` attempts and `elapsed` time, the server having asked for
    /// `retry_after`: retry after a delay, give up, or fail at once because the server's wait
    /// does not fit in the time budget that is left.
    pub fn decide(
        &self,
        attempts: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> RetryDecision {
        if attempts >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        self.decide_in_time(attempts, elapsed, retry_after, self.max_elapsed)
    }

    /// [`decide`](Self::decide) for a 429: "slower", never a failure by count. Only the time
    /// budget ends it; `retries` (the 429s so far) only grows the backoff. A policy of one attempt
    /// ([`never`](Self::never)) retries no 429 either.
    pub fn decide_rate_limited(
        &self,
        retries: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> RetryDecision {
        if self.max_attempts <= 1 {
            return RetryDecision::GiveUp;
        }
        self.decide_in_time(
            retries.max(1),
            elapsed,
            retry_after,
            self.rate_limited_budget,
        )
    }

    fn decide_in_time(
        &self,
        attempts: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
        budget: Duration,
    ) -> RetryDecision {
        let retry_after = retry_after.map(clamp_wait);
        let delay = self.delay(attempts, retry_after);
        let left = budget.saturating_sub(elapsed).min(MAX_SINGLE_WAIT);
        match retry_after {
            _ if delay <= left => RetryDecision::Retry(delay),
            Some(wait) if wait > left => RetryDecision::WaitTooLong { wait, left },
            _ => RetryDecision::GiveUp,
        }
    }
}

/// `wait` clamped to [`MAX_SERVER_WAIT`].
pub fn clamp_wait(wait: Duration) -> Duration {
    wait.min(MAX_SERVER_WAIT)
}

/// Whether an HTTP status is worth retrying: 408, 429, 500, 502, 503, 504.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Parses a `Retry-After` value: delta-seconds (fractions accepted) or an HTTP date
/// (RFC 9110 §10.2.3), clamped to [`MAX_SERVER_WAIT`]. Negative, non-finite and unparsable
/// values are `None`; no value can panic.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() || value.len() > 64 {
        return None;
    }
    if let Some(wait) = parse_seconds(value) {
        return Some(wait);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(until(date, now))
}

/// The wait from `now` until the moment `at` (zero when it has passed), clamped to
/// [`MAX_SERVER_WAIT`].
fn until(at: SystemTime, now: SystemTime) -> Duration {
    clamp_wait(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait from `now` until a moment written as a date: RFC 3339 (`2026-12-01T00:00:30Z`, as
/// some of HPE's specs type `X-RateLimit-Reset`) or an HTTP date (`Tue, 01 Dec 2026 00:00:30
/// GMT`), clamped to [`MAX_SERVER_WAIT`].
fn wait_until_date(value: &str, now: SystemTime) -> Option<Duration> {
    let Some(secs) = crate::date::parse_rfc3339(value) else {
        return httpdate::parse_http_date(value)
            .ok()
            .map(|at| until(at, now));
    };
    // Before the epoch is long past; beyond what the clock holds is "very late".
    let secs = u64::try_from(secs).unwrap_or(0);
    Some(
        SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(secs))
            .map_or(MAX_SERVER_WAIT, |at| until(at, now)),
    )
}

/// Non-negative seconds, integer or fractional, clamped to [`MAX_SERVER_WAIT`].
fn parse_seconds(value: &str) -> Option<Duration> {
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: too large for u64 is still "very long", never an error.
        return Some(match value.parse::<u64>() {
            Ok(seconds) => clamp_wait(Duration::from_secs(seconds)),
            Err(_) => MAX_SERVER_WAIT,
        });
    }
    let seconds = value.parse::<f64>().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    Some(clamp_wait(
        Duration::try_from_secs_f64(seconds).unwrap_or(MAX_SERVER_WAIT),
    ))
}

/// Seconds since the Unix epoch above which a rate-limit "reset" is read as a moment rather
/// than a delay (some servers send epoch seconds, as GitHub's `x-ratelimit-reset` does).
const EPOCH_RESET_THRESHOLD: u64 = 1_000_000_000;

/// A rate-limit reset value: delay-seconds, epoch seconds when it is that large, or a date
/// (RFC 3339, as some of HPE's specs type `X-RateLimit-Reset`, or an HTTP date), clamped to
/// [`MAX_SERVER_WAIT`]; `None` when unparsable.
pub fn parse_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() || value.len() > 64 {
        return None;
    }
    let Some(wait) = parse_seconds(value) else {
        return wait_until_date(value, now);
    };
    match value.parse::<u64>() {
        Ok(at) if at >= EPOCH_RESET_THRESHOLD => {
            Some(
                match SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(at)) {
                    // A moment beyond what the clock can hold is "very late".
                    None => MAX_SERVER_WAIT,
                    Some(at) => until(at, now),
                },
            )
        }
        _ => Some(wait),
    }
}

/// The wait a server asked for in its headers, clamped to [`MAX_SERVER_WAIT`]: `Retry-After`
/// first (only where RFC 9110 gives it a meaning: pass `with_retry_after = false` for a
/// success), then the reset of a
/// `ratelimit-*` / `X-RateLimit-*` family when nothing remains (seconds; on a refusal, a reset
/// without any `remaining` counts too: new Central may send `X-RateLimit-Reset` alone on a 429,
/// and no `Retry-After`), then Central's
/// per-second family: `X-RateLimit-Remaining-second: 0` waits one interval of
/// `X-RateLimit-Limit-second` (1 s when the limit is not given), the earliest the budget can
/// have grown.
pub fn retry_after_from_headers(headers: &HeaderMap) -> Option<Duration> {
    wait_from_headers(headers, true)
}

/// [`retry_after_from_headers`] with the choice of reading `Retry-After`: a 2xx answer's
/// `Retry-After` has no meaning (RFC 9110 §10.2.3 defines it for 503, 429 and 3xx), so a
/// success is held back only by an exhausted rate-limit budget.
pub fn wait_from_headers(headers: &HeaderMap, with_retry_after: bool) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = SystemTime::now();
    if with_retry_after
        && let Some(d) = header(RETRY_AFTER.as_str()).and_then(|v| parse_retry_after(v, now))
    {
        return Some(d);
    }
    for (remaining, reset) in [
        ("ratelimit-remaining", "ratelimit-reset"),
        ("x-ratelimit-remaining", "x-ratelimit-reset"),
    ] {
        let spent = match header(remaining) {
            Some(left) => left.trim() == "0",
            // A refusal that names only its reset: the reset is when to come back.
            None => with_retry_after,
        };
        if spent && let Some(wait) = header(reset).and_then(|v| parse_reset(v, now)) {
            return Some(wait);
        }
    }
    if header("x-ratelimit-remaining-second").map(str::trim) == Some("0") {
        let limit = header("x-ratelimit-limit-second")
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|l| *l > 0)
            .unwrap_or(1);
        return Some(Duration::from_secs(1) / limit);
    }
    None
}

#[cfg(test)]
mod tests;
