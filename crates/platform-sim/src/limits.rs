//! Rate limits: one token bucket per API family, and `Retry-After` deadlines.
//!
//! A bucket refills at `rps` tokens per second up to a burst of `max(1, rps)`. A request that
//! finds no token gets 429 with `Retry-After: N` (new Central: `X-RateLimit-Reset: N`; whole
//! seconds until a token is back, at least 1), and the bucket enters a penalty window of N seconds: every request arriving in it gets 429
//! too (with the remaining seconds), and one that arrives later than
//! [`SimConfig::early_retry_grace`](crate::SimConfig::early_retry_grace) after the 429 was served
//! counts as an *early request*: its client did not honour `Retry-After`.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use crate::config::CentralDialect;
use crate::errors::{Api, glp_error, json_response};

#[derive(Debug)]
struct State {
    tokens: f64,
    last: Instant,
    penalty_until: Option<Instant>,
    penalty_set: Instant,
}

/// The longest wait a bucket announces (a day), whatever its rate.
const MAX_PENALTY_S: u64 = 24 * 3600;

/// What the bucket says about one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decision {
    /// Go ahead; `remaining` whole tokens left, `reset` seconds until full.
    Allow {
        /// Tokens left.
        remaining: u64,
        /// Seconds until the bucket is full again.
        reset: u64,
    },
    /// 429.
    Limited {
        /// Seconds to announce in `Retry-After`.
        retry_after: u64,
        /// The request came before an announced deadline.
        early: bool,
    },
}

/// A token bucket.
#[derive(Debug)]
pub(crate) struct Bucket {
    /// The refill rate left to this client (`rate` less a background consumer's share).
    refill: f64,
    burst: f64,
    state: Mutex<State>,
}

impl Bucket {
    /// A full bucket of `max(1, rps)` tokens refilling at `rps` per second, of which
    /// `background_share` goes to another client.
    pub(crate) fn new(rps: f64, background_share: f64) -> Self {
        Self::with_burst(rps, rps.max(1.0), background_share)
    }

    /// A window of `n` requests a minute: a full bucket of `n` refilling over 60 s.
    pub(crate) fn per_minute(n: u32, background_share: f64) -> Self {
        Self::with_burst(f64::from(n) / 60.0, f64::from(n), background_share)
    }

    /// A full bucket of `burst` tokens refilling at `(1 - background_share) * rps` per second.
    pub(crate) fn with_burst(rps: f64, burst: f64, background_share: f64) -> Self {
        Bucket {
            refill: rps * (1.0 - background_share),
            burst,
            state: Mutex::new(State {
                tokens: burst,
                last: Instant::now(),
                penalty_until: None,
                penalty_set: Instant::now(),
            }),
        }
    }

    /// The advertised limit (burst, rounded up).
    pub(crate) fn limit(&self) -> u64 {
        self.burst.ceil() as u64
    }

    /// Takes a token for a request that arrived at `arrived` and is decided at `now`.
    pub(crate) fn acquire(&self, arrived: Instant, now: Instant, grace: Duration) -> Decision {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.refill).min(self.burst);
        s.last = now;
        if let Some(until) = s.penalty_until {
            if now < until {
                let left = until.duration_since(now).as_secs_f64();
                return Decision::Limited {
                    retry_after: (left.ceil() as u64).max(1),
                    early: arrived >= s.penalty_set + grace,
                };
            }
            s.penalty_until = None;
        }
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            let reset = (((self.burst - s.tokens) / self.refill).ceil() as u64).min(MAX_PENALTY_S);
            return Decision::Allow {
                remaining: s.tokens.floor() as u64,
                reset,
            };
        }
        // A tiny refill (a background share near 1) must not overflow the deadline: a day at most.
        let retry_after = (((1.0 - s.tokens) / self.refill).ceil() as u64).clamp(1, MAX_PENALTY_S);
        s.penalty_until = now.checked_add(Duration::from_secs(retry_after));
        s.penalty_set = now;
        Decision::Limited {
            retry_after,
            early: false,
        }
    }
}

fn num(n: u64) -> HeaderValue {
    HeaderValue::from(n)
}

/// The headers of one rate-limit family: `(limit, remaining, reset)` names, any of them absent.
fn family(api: Api) -> [Option<&'static str>; 3] {
    match api {
        Api::Glp => [
            Some("ratelimit-limit"),
            Some("ratelimit-remaining"),
            Some("ratelimit-reset"),
        ],
        Api::Central(CentralDialect::New) => [
            Some("x-ratelimit-limit"),
            Some("x-ratelimit-remaining"),
            Some("x-ratelimit-reset"),
        ],
        Api::Central(CentralDialect::Classic) => [
            Some("x-ratelimit-limit-second"),
            Some("x-ratelimit-remaining-second"),
            None,
        ],
    }
}

fn insert(h: &mut HeaderMap, name: Option<&'static str>, value: u64) {
    if let Some(name) = name {
        h.insert(HeaderName::from_static(name), num(value));
    }
}

/// Adds the informational rate-limit headers of an allowed request: GLP `ratelimit-*`, new
/// Central `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds until the bucket is full),
/// classic Central `X-RateLimit-Limit-second`, `X-RateLimit-Remaining-second`.
pub(crate) fn add_allow_headers(
    api: Api,
    h: &mut HeaderMap,
    limit: u64,
    remaining: u64,
    reset: u64,
) {
    let [l, r, z] = family(api);
    insert(h, l, limit);
    insert(h, r, remaining);
    insert(h, z, reset);
}

/// The 429 response.
///
/// - GLP: GLP error body with a `hpe.greenlake.retry_info` detail, `Retry-After: N` and
///   `ratelimit-*` headers.
/// - New Central: GLP-shaped body (`httpStatusCode: 429`, `HPE_GL_ERROR_TOO_MANY_REQUESTS`, no
///   details), `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset: N`, and no
///   `Retry-After`.
/// - Classic Central: `{"message": "API rate limit exceeded"}`, `Retry-After: N` and
///   `X-RateLimit-*-second` headers.
///
/// With `rate_headers` false only the header that says when to come back is left:
/// `Retry-After`, or new Central's `X-RateLimit-Reset`.
pub(crate) fn too_many(api: Api, limit: u64, retry_after: u64, rate_headers: bool) -> Response {
    let mut r = match api {
        Api::Glp => glp_error(
            api,
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded: retry after the number of seconds in Retry-After",
            vec![json!({"type": "hpe.greenlake.retry_info", "retryAfterSeconds": retry_after})],
        ),
        Api::Central(CentralDialect::New) => glp_error(
            api,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests: retry after the number of seconds in X-RateLimit-Reset",
            Vec::new(),
        ),
        Api::Central(CentralDialect::Classic) => json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"message": "API rate limit exceeded"}),
        ),
    };
    let h = r.headers_mut();
    let [l, remaining, reset] = family(api);
    let new_central = api == Api::Central(CentralDialect::New);
    if new_central {
        insert(h, reset, retry_after);
    } else {
        h.insert(header::RETRY_AFTER, num(retry_after));
    }
    if rate_headers {
        insert(h, l, limit);
        insert(h, remaining, 0);
        insert(h, reset, retry_after);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_window_and_a_background_consumer() {
        let g = Duration::ZERO;
        let t0 = Instant::now();
        let b = Bucket::per_minute(3, 0.0);
        for _ in 0..3 {
            assert!(matches!(b.acquire(t0, t0, g), Decision::Allow { .. }));
        }
        assert_eq!(
            b.acquire(t0, t0, g),
            Decision::Limited {
                retry_after: 20,
                early: false
            }
        );
        // Half the refill goes to someone else: one token takes twice as long.
        let shared = Bucket::new(1.0, 0.5);
        assert!(matches!(shared.acquire(t0, t0, g), Decision::Allow { .. }));
        assert_eq!(
            shared.acquire(t0, t0, g),
            Decision::Limited {
                retry_after: 2,
                early: false
            }
        );
        assert_eq!(shared.limit(), 1);
        // A refill of almost nothing announces at most a day, and does not overflow.
        let starved = Bucket::new(1.0, 1.0 - 1e-15);
        assert!(matches!(starved.acquire(t0, t0, g), Decision::Allow { .. }));
        assert_eq!(
            starved.acquire(t0, t0, g),
            Decision::Limited {
                retry_after: MAX_PENALTY_S,
                early: false
            }
        );
    }

    #[test]
    fn burst_then_penalty_then_early() {
        let b = Bucket::new(2.0, 0.0);
        let t0 = Instant::now();
        let g = Duration::from_millis(100);
        assert!(matches!(b.acquire(t0, t0, g), Decision::Allow { .. }));
        assert!(matches!(b.acquire(t0, t0, g), Decision::Allow { .. }));
        assert_eq!(
            b.acquire(t0, t0, g),
            Decision::Limited {
                retry_after: 1,
                early: false
            }
        );
        let t1 = t0 + Duration::from_millis(50);
        assert!(matches!(
            b.acquire(t1, t1, g),
            Decision::Limited { early: false, .. }
        ));
        let t2 = t0 + Duration::from_millis(500);
        assert!(matches!(
            b.acquire(t2, t2, g),
            Decision::Limited { early: true, .. }
        ));
        let t3 = t0 + Duration::from_millis(1001);
        assert!(matches!(b.acquire(t3, t3, g), Decision::Allow { .. }));
    }

    #[test]
    fn slow_rate_announces_longer_waits() {
        let b = Bucket::new(0.25, 0.0);
        let t0 = Instant::now();
        let g = Duration::ZERO;
        assert!(matches!(b.acquire(t0, t0, g), Decision::Allow { .. }));
        assert_eq!(
            b.acquire(t0, t0, g),
            Decision::Limited {
                retry_after: 4,
                early: false
            }
        );
    }
}
