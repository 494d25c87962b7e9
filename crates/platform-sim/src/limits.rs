//! Rate limits: one token bucket per API family (or one for the whole host), and `Retry-After`
//! deadlines.
//!
//! The default shape ([`LimitShape::Penalty`]): a bucket refills at `rps` tokens per second up to a burst of `max(1, rps)`. A request that
//! finds no token gets 429 with `Retry-After: N` (new Central: `X-RateLimit-Reset: N`; whole
//! seconds until a token is back, at least 1), and the bucket enters a penalty window of N seconds: every request arriving in it gets 429
//! too (with the remaining seconds). A request refused again because it came back before the
//! wait its own earlier 429 announced counts as an *early request*: its client did not honour
//! `Retry-After`. The request is known by its method, path, query and credential, so the
//! judgement does not depend on timing: a request another one's 429 caught in flight, however
//! late the scheduler let it arrive, is not early; a retry that waited what it was told never
//! is.
//!
//! The other shapes (`SimConfig::limit_shape`): a plain token bucket ([`LimitShape::Bucket`]:
//! refused only while empty, a refusal costs nothing) and a fixed window
//! ([`LimitShape::Window`]: `burst` requests per `burst / rps` seconds, all back at the window's
//! end). The `reset` header counts seconds until full, seconds until the next token, or is the
//! Unix time of "full" ([`ResetStyle`]).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use crate::config::{CentralDialect, LimitShape, ResetStyle};
use crate::errors::{Api, glp_error, json_response};

#[derive(Debug)]
struct State {
    tokens: f64,
    last: Instant,
    penalty_until: Option<Instant>,
    /// The end of the current fixed window ([`LimitShape::Window`]).
    window_end: Option<Instant>,
    /// The requests refused (by [`request_key`]), each with the time before which coming back
    /// is early.
    refused: HashMap<u64, Instant>,
}

/// The most refused requests a bucket remembers; past it, those whose wait is over are
/// forgotten.
const MAX_REFUSED: usize = 4096;

/// The longest wait a bucket announces (a day), whatever its rate.
const MAX_PENALTY_S: u64 = 24 * 3600;

/// What the bucket says about one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decision {
    /// Go ahead; `remaining` whole tokens left, `reset` the value of the reset header (see
    /// [`ResetStyle`]).
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
        /// The request came back before the wait its own earlier 429 announced.
        early: bool,
    },
}

/// A token bucket.
#[derive(Debug)]
pub(crate) struct Bucket {
    /// The refill rate left to this client (`rate` less a background consumer's share).
    refill: f64,
    burst: f64,
    /// The nominal rate (a fixed window lasts `burst / rps`).
    rps: f64,
    /// The share of the budget left to this client.
    left: f64,
    shape: LimitShape,
    reset: ResetStyle,
    state: Mutex<State>,
}

impl Bucket {
    /// A full bucket of `max(1, rps)` tokens refilling at `rps` per second, of which
    /// `background_share` goes to another client.
    #[cfg(test)]
    pub(crate) fn new(rps: f64, background_share: f64) -> Self {
        Self::with_burst(rps, rps.max(1.0), background_share)
    }

    /// A window of `n` requests a minute: a full bucket of `n` refilling over 60 s.
    pub(crate) fn per_minute(n: u32, background_share: f64) -> Self {
        Self::with_burst(f64::from(n) / 60.0, f64::from(n), background_share)
    }

    /// A full bucket of `burst` tokens refilling at `(1 - background_share) * rps` per second.
    pub(crate) fn with_burst(rps: f64, burst: f64, background_share: f64) -> Self {
        Self::shaped(
            rps,
            burst,
            background_share,
            LimitShape::Penalty,
            ResetStyle::Full,
        )
    }

    /// A full budget of `burst` (`None`: `max(1, rps)`) counting as `shape` says, its reset
    /// header as `reset` says; a `background_share` of it goes to another client (a fixed
    /// window then holds that much less for us).
    pub(crate) fn shaped(
        rps: f64,
        burst: f64,
        background_share: f64,
        shape: LimitShape,
        reset: ResetStyle,
    ) -> Self {
        let ours = match shape {
            LimitShape::Window => 0.0,
            LimitShape::Penalty | LimitShape::Bucket => burst,
        };
        Bucket {
            refill: rps * (1.0 - background_share),
            burst,
            rps,
            left: 1.0 - background_share,
            shape,
            reset,
            state: Mutex::new(State {
                tokens: ours,
                last: Instant::now(),
                penalty_until: None,
                window_end: None,
                refused: HashMap::new(),
            }),
        }
    }

    /// The value of the reset header for a wait of `delta` whole seconds: the delta itself, or
    /// the Unix time it ends at ([`ResetStyle::Epoch`]).
    pub(crate) fn reset_value(&self, delta: u64) -> u64 {
        match self.reset {
            ResetStyle::Epoch => SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
                .saturating_add(delta),
            ResetStyle::Full | ResetStyle::Next => delta,
        }
    }

    fn window(&self, s: &mut State, now: Instant) -> Decision {
        // The window lasts `burst / rps` seconds (the nominal rate: a background consumer takes
        // its share of each window, not a longer window).
        let len = Duration::try_from_secs_f64(self.burst / self.rps)
            .unwrap_or(Duration::from_secs(MAX_PENALTY_S))
            .max(Duration::from_millis(1));
        let end = match s.window_end {
            Some(end) if now < end => end,
            previous => {
                s.tokens = self.burst * self.left;
                let mut end = previous.unwrap_or(now) + len;
                while end <= now {
                    end += len;
                }
                s.window_end = Some(end);
                end
            }
        };
        let left = (end.duration_since(now).as_secs_f64().ceil() as u64).clamp(1, MAX_PENALTY_S);
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            return Decision::Allow {
                remaining: s.tokens.floor() as u64,
                reset: self.reset_value(left),
            };
        }
        Decision::Limited {
            retry_after: left,
            early: false,
        }
    }

    /// The advertised limit, rounded up: a plain bucket's rate per second (its burst is not
    /// said), the burst of the default bucket (`max(1, rps)` unless set), a fixed window's size.
    pub(crate) fn limit(&self) -> u64 {
        match self.shape {
            LimitShape::Bucket => self.rps.ceil() as u64,
            LimitShape::Penalty | LimitShape::Window => self.burst.ceil() as u64,
        }
    }

    /// Takes a token at `now` for the request `request` ([`request_key`]; `None`: a request
    /// not told when to come back, or not known apart from others). A request refused again
    /// before the wait its own earlier 429 announced is [`early`](Decision::Limited::early).
    pub(crate) fn acquire(&self, request: Option<u64>, now: Instant) -> Decision {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let decision = match self.shape {
            LimitShape::Window => self.window(&mut s, now),
            LimitShape::Penalty | LimitShape::Bucket => self.bucket(&mut s, now),
        };
        let (Decision::Limited { retry_after, .. }, Some(key)) = (decision, request) else {
            return decision;
        };
        let early = s.refused.get(&key).is_some_and(|until| now < *until);
        if s.refused.len() >= MAX_REFUSED {
            s.refused.retain(|_, until| *until > now);
        }
        // An epoch reset is told in whole seconds of the wall clock: a client may read it up to
        // a second short.
        let told = match self.reset {
            ResetStyle::Epoch => retry_after.saturating_sub(1),
            ResetStyle::Full | ResetStyle::Next => retry_after,
        };
        if let Some(until) = now.checked_add(Duration::from_secs(told)) {
            s.refused.insert(key, until);
        }
        Decision::Limited { retry_after, early }
    }

    /// The decision of a token bucket ([`LimitShape::Penalty`] or [`LimitShape::Bucket`]).
    fn bucket(&self, s: &mut State, now: Instant) -> Decision {
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.refill).min(self.burst);
        s.last = now;
        if let Some(until) = s
            .penalty_until
            .filter(|_| self.shape == LimitShape::Penalty)
        {
            if now < until {
                let left = until.duration_since(now).as_secs_f64();
                return Decision::Limited {
                    retry_after: (left.ceil() as u64).max(1),
                    early: false,
                };
            }
            s.penalty_until = None;
        }
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            let until = match self.reset {
                ResetStyle::Next if s.tokens < self.burst => (1.0 - s.tokens.fract()) / self.refill,
                ResetStyle::Next => 0.0,
                ResetStyle::Full | ResetStyle::Epoch => (self.burst - s.tokens) / self.refill,
            };
            let reset = (until.ceil() as u64).min(MAX_PENALTY_S);
            return Decision::Allow {
                remaining: s.tokens.floor() as u64,
                reset: self.reset_value(reset),
            };
        }
        // A tiny refill (a background share near 1) must not overflow the deadline: a day at most.
        let retry_after = (((1.0 - s.tokens) / self.refill).ceil() as u64).clamp(1, MAX_PENALTY_S);
        if self.shape == LimitShape::Penalty {
            s.penalty_until = now.checked_add(Duration::from_secs(retry_after));
        }
        Decision::Limited {
            retry_after,
            early: false,
        }
    }
}

/// What tells one request from another for [`Bucket::acquire`]: its method, path, query and
/// credential (the same page of another tenant is another request).
pub(crate) fn request_key(method: &str, path_and_query: &str, headers: &HeaderMap) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    method.hash(&mut hasher);
    path_and_query.hash(&mut hasher);
    headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        .hash(&mut hasher);
    hasher.finish()
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
///
/// With `says.retry` false as well (`SimConfig::retry_headers`), nothing says when: no header,
/// no `retryAfterSeconds`. `says.reset` is the reset header's value (see [`Bucket::reset_value`]).
pub(crate) fn too_many(api: Api, limit: u64, retry_after: u64, says: Says) -> Response {
    let rate_headers = says.rate;
    let mut r = match api {
        Api::Glp if says.retry => glp_error(
            api,
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded: retry after the number of seconds in Retry-After",
            vec![json!({"type": "hpe.greenlake.retry_info", "retryAfterSeconds": retry_after})],
        ),
        Api::Glp => glp_error(
            api,
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded",
            Vec::new(),
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
    if says.retry && new_central {
        insert(h, reset, says.reset);
    } else if says.retry {
        h.insert(header::RETRY_AFTER, num(retry_after));
    }
    if rate_headers {
        insert(h, l, limit);
        insert(h, remaining, 0);
        insert(h, reset, says.reset);
    }
    r
}

/// What a 429 says besides its status and body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Says {
    /// The rate-limit family (`SimConfig::rate_headers`).
    pub(crate) rate: bool,
    /// When to come back (`SimConfig::retry_headers`).
    pub(crate) retry: bool,
    /// The reset header's value.
    pub(crate) reset: u64,
}

#[cfg(test)]
mod tests;
