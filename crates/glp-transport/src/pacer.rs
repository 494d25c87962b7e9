//! [`Pacer`]: the flow control of one API: a pause a server asked for, the budget learned from
//! its headers and 429s ([`Flow`](crate::flow)), and an optional fixed ceiling (`governor`).

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use glp_core::retry::MAX_SERVER_WAIT;
use governor::{DefaultDirectRateLimiter, Jitter, Quota, RateLimiter};
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::flow::Flow;
use crate::host::Host;

/// The lowest rate a pacer runs at: one request an hour (a lower one is raised to it).
pub const MIN_RATE: f64 = 1.0 / 3600.0;

/// Paces the requests of one API across every clone of the client and every tenant.
///
/// - Nothing is sent while a pause the server asked for runs (`Retry-After` on a 429, an
///   exhausted budget's reset); requests resume one slot apart, not all at once.
/// - The rate the server's budget allows is learned (see the `flow` module): from its rate-limit
///   headers, or from 429s by multiplicative decrease and additive increase. With no signal
///   there is no limit: concurrency and latency bound the run.
/// - An optional fixed ceiling (`rate`, e.g. `--rate`) is never exceeded.
/// - A pacer of a [`Transport`](crate::Transport) also answers to its host: when the host's API
///   families turn out to share one budget, they are paced together as well (see `host`).
#[derive(Debug)]
pub struct Pacer {
    ceiling: Option<Ceiling>,
    state: Mutex<State>,
    /// The host this pacer's family belongs to, and the family's name.
    host: Option<(std::sync::Arc<Host>, String)>,
    /// The answers it was told of (requests, 429s).
    answers: crate::Tally,
}

/// A fixed ceiling on requests per second (`governor`), with a little jitter so that waiters
/// do not wake at the same instant.
#[derive(Debug)]
pub(crate) struct Ceiling {
    limiter: DefaultDirectRateLimiter,
    jitter: Duration,
}

impl Ceiling {
    /// `rate` requests per second (at least [`MIN_RATE`]) in bursts of `burst`; `None` for NaN,
    /// infinite or non-positive rates (no ceiling).
    pub(crate) fn new(rate: f64, burst: u32) -> Option<Self> {
        // Below one request an hour governor's arithmetic overflows (found by a property test).
        let rate = Some(rate)
            .filter(|r| r.is_finite() && *r > 0.0)?
            .max(MIN_RATE);
        let period = Duration::try_from_secs_f64(1.0 / rate).ok()?;
        let limiter = Quota::with_period(period)
            .map(|q| q.allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN)))
            .map(RateLimiter::direct)?;
        let jitter = Duration::try_from_secs_f64(0.05 / rate)
            .map(|d| d.min(Duration::from_millis(5)))
            .unwrap_or(Duration::ZERO);
        Some(Self { limiter, jitter })
    }

    /// Waits for the next slot under the ceiling.
    pub(crate) async fn ready(&self) {
        self.limiter
            .until_ready_with_jitter(Jitter::up_to(self.jitter))
            .await;
    }
}

#[derive(Debug)]
struct State {
    paused_until: Option<Instant>,
    next_slot: Option<Instant>,
    flow: Flow,
}

enum Wait {
    Pause(Instant),
    Slot(Instant),
    Go,
}

impl Pacer {
    /// A pacer with a ceiling of `rate` requests per second (None, NaN or a non-positive rate:
    /// no ceiling; at least [`MIN_RATE`]) with bursts of `burst`, learning the rest.
    pub fn new(rate: Option<f64>, burst: u32) -> Self {
        Self {
            ceiling: rate.and_then(|r| Ceiling::new(r, burst)),
            state: Mutex::new(State {
                paused_until: None,
                next_slot: None,
                flow: Flow::new(),
            }),
            host: None,
            answers: crate::Tally::default(),
        }
    }

    /// The pacer of API family `family` on `host`, with no ceiling of its own.
    pub(crate) fn in_host(host: std::sync::Arc<Host>, family: String) -> Self {
        Self {
            host: Some((host, family)),
            ..Self::new(None, 1)
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until a request may be sent.
    pub async fn ready(&self) {
        let _ = self.ready_within(Duration::MAX).await;
    }

    /// Waits until a request may be sent, unless the pause the server asked for lasts longer
    /// than `left`: then returns at once with the pause that remains, so the caller can fail
    /// with a clear error instead of sleeping past its budget. A request that was let through
    /// must be followed by [`answered`](Self::answered) or [`lost`](Self::lost).
    pub async fn ready_within(&self, left: Duration) -> Result<(), Duration> {
        // The ceiling first: a 429 that pauses the API while a request waits here still holds
        // it back below.
        if let Some(ceiling) = &self.ceiling {
            ceiling.ready().await;
        }
        loop {
            let wait = {
                let mut state = self.state();
                let now = Instant::now();
                let host_pause = self.host.as_ref().and_then(|(h, _)| h.paused_until(now));
                let paused = state.paused_until.max(host_pause);
                match paused.filter(|until| *until > now) {
                    Some(until) if until - now > left => return Err(until - now),
                    Some(until) => Wait::Pause(until),
                    None => {
                        let slot = match state.flow.rate(now) {
                            Some(rate) => {
                                let interval = Duration::try_from_secs_f64(1.0 / rate)
                                    .unwrap_or(Duration::from_secs(3600));
                                let slot = state.next_slot.map_or(now, |s| s.max(now));
                                state.next_slot = slot.checked_add(interval);
                                slot
                            }
                            None => now,
                        };
                        state.flow.sent(slot);
                        let slot = match &self.host {
                            Some((host, _)) => host.reserve(slot, now),
                            None => slot,
                        };
                        if slot > now {
                            Wait::Slot(slot)
                        } else {
                            Wait::Go
                        }
                    }
                }
            };
            match wait {
                Wait::Pause(until) => tokio::time::sleep_until(until).await,
                Wait::Slot(slot) => {
                    tokio::time::sleep_until(slot).await;
                    // A 429 may have paused the API while this request waited for its slot.
                    let now = Instant::now();
                    let host_pause = self.host.as_ref().and_then(|(h, _)| h.paused_until(now));
                    let until = self.state().paused_until.max(host_pause);
                    if until.is_some_and(|u| u > now) {
                        // Wait for the pause's end and take a new slot then: the requests that
                        // waited resume one slot apart, not all at once.
                        continue;
                    }
                    return Ok(());
                }
                Wait::Go => return Ok(()),
            }
        }
    }

    /// The answer to a request let through by [`ready_within`](Self::ready_within): its status and
    /// headers teach the pacer the budget. A success that says the budget is spent
    /// (`Remaining: 0`) pauses the API until it has grown (one token of a refilling budget, the
    /// reset of a fixed window). A 429 also pauses the API: for `retry_after` when the server
    /// said, else briefly (two intervals of the learned rate, at most a second).
    pub fn answered(&self, status: u16, headers: &HeaderMap, retry_after: Option<Duration>) {
        self.answers.requests.add_one();
        if status == 429 {
            self.answers.rate_limited.add_one();
        }
        let now = Instant::now();
        let (learned, spent) = {
            let mut state = self.state();
            let spent = state.flow.answered(now, status, headers);
            let shared = match &self.host {
                Some((host, family)) => {
                    host.answered(family, state.flow.limit(), now, status, headers)
                }
                None => None,
            };
            match shared {
                Some(host_learned) => {
                    // One budget for the host: it backs off for every family; this one keeps
                    // what its headers say.
                    state.flow.leave_learning_to_the_host();
                    (host_learned, spent)
                }
                None => (state.flow.learned(), spent),
            }
        };
        if let Some(wait) = spent {
            self.pause_for(wait);
        }
        if status == 429 {
            let pause = retry_after.unwrap_or_else(|| {
                learned
                    .and_then(|r| Duration::try_from_secs_f64(2.0 / r).ok())
                    .unwrap_or(Duration::from_secs(1))
                    .min(Duration::from_secs(1))
            });
            self.pause_for(pause);
        }
    }

    /// A request let through got no answer (a broken connection, no token).
    pub fn lost(&self) {
        self.answers.requests.add_one();
        self.state().flow.lost();
        if let Some((host, _)) = &self.host {
            host.lost();
        }
    }

    /// How much longer the pause a server asked for (a 429's `Retry-After`, an exhausted
    /// budget's reset) holds requests back, if one is running.
    pub fn paused_for(&self) -> Option<Duration> {
        let now = Instant::now();
        self.state()
            .paused_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// The requests let through so far (answered or lost) and the 429s among them.
    pub fn answers(&self) -> crate::TallySnapshot {
        self.answers.snapshot()
    }

    /// The rate learned from 429s, in requests per second, if any.
    pub fn learned_rate(&self) -> Option<f64> {
        self.state().flow.learned()
    }

    /// Holds every request of this API back for `duration` from now (a server's `Retry-After`),
    /// at most [`MAX_SERVER_WAIT`].
    pub fn pause_for(&self, duration: Duration) {
        let now = Instant::now();
        let Some(until) = now.checked_add(duration.min(MAX_SERVER_WAIT)) else {
            return;
        };
        let mut state = self.state();
        if state.paused_until.is_none_or(|current| current < until) {
            state.paused_until = Some(until);
            // Resume one slot at a time after the pause, not in a herd.
            if state.next_slot.is_some_and(|slot| slot < until) {
                state.next_slot = Some(until);
            }
        }
    }

    #[cfg(test)]
    fn check_pause(&self, left: Duration) -> Result<(), Duration> {
        let until = self.state().paused_until;
        match until.map(|u| u.saturating_duration_since(Instant::now())) {
            Some(pause) if pause > left => Err(pause),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn paces_to_the_rate() {
        let pacer = Pacer::new(Some(50.0), 1);
        let start = Instant::now();
        for _ in 0..11 {
            pacer.ready().await;
        }
        // 10 intervals of 20 ms after the first permit.
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn pause_holds_everyone_back() {
        let pacer = Pacer::new(None, 1);
        pacer.pause_for(Duration::from_millis(150));
        pacer.pause_for(Duration::from_millis(10)); // a shorter pause never shortens a longer one
        let start = Instant::now();
        pacer.ready().await;
        assert_eq!(start.elapsed(), Duration::from_millis(150));
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_429_requests_are_spaced_at_the_learned_rate_and_resume_staggered() {
        let pacer = Pacer::new(None, 1);
        // 20 requests in a burst, then a 429 without Retry-After.
        for _ in 0..20 {
            pacer.ready().await;
        }
        for _ in 0..19 {
            pacer.answered(200, &HeaderMap::new(), None);
        }
        pacer.answered(429, &HeaderMap::new(), None);
        assert_eq!(pacer.learned_rate(), Some(10.0));
        let start = Instant::now();
        for _ in 0..10 {
            pacer.ready().await;
            pacer.answered(200, &HeaderMap::new(), None);
        }
        // A short pause (2 intervals), then one every 100 ms: not all at once.
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(1100) && elapsed <= Duration::from_millis(1300),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn headers_set_the_pace_without_a_single_429() {
        let pacer = Pacer::new(None, 1);
        let mut h = HeaderMap::new();
        h.insert("ratelimit-remaining", "10".parse().expect("value"));
        h.insert("ratelimit-reset", "2".parse().expect("value"));
        pacer.ready().await;
        pacer.answered(200, &h, None);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.ready().await;
            pacer.answered(200, &h, None);
        }
        // 10 left over 2 s: 5/s, so five requests take 0.8 s after the first slot.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(800), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(1000), "{elapsed:?}");
        assert_eq!(pacer.learned_rate(), None, "nothing learned from 429s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_longer_than_the_budget_is_refused_at_once() {
        let pacer = Pacer::new(None, 1);
        pacer.answered(429, &HeaderMap::new(), Some(Duration::from_secs(90)));
        let start = Instant::now();
        let refused = pacer.ready_within(Duration::from_secs(30)).await;
        assert!(refused.is_err_and(|pause| pause > Duration::from_secs(89)));
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert!(pacer.ready_within(Duration::from_secs(120)).await.is_ok());
        assert!(start.elapsed() >= Duration::from_secs(90));
    }

    #[test]
    fn any_pause_or_rate_is_safe() {
        use proptest::prelude::*;
        proptest!(|(secs in any::<u64>(), nanos in 0u32..1_000_000_000, rate in any::<f64>())| {
            let pacer = Pacer::new(Some(rate), 1);
            pacer.pause_for(Duration::new(secs, nanos));
            let left = pacer.check_pause(Duration::from_secs(1));
            if let Err(pause) = left {
                prop_assert!(pause <= MAX_SERVER_WAIT);
            }
        });
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_is_immediate() {
        let pacer = Pacer::new(None, 1);
        let start = Instant::now();
        for _ in 0..1000 {
            pacer.ready().await;
            pacer.answered(200, &HeaderMap::new(), None);
        }
        // On the paused clock any wait would show as elapsed time.
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    fn limit_headers(limit: &str, remaining: &str, reset: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", limit.parse().expect("value"));
        h.insert("x-ratelimit-remaining", remaining.parse().expect("value"));
        h.insert("x-ratelimit-reset", reset.parse().expect("value"));
        h
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_bucket_waits_one_token_not_the_whole_reset() {
        let pacer = Pacer::new(None, 1);
        pacer.ready().await;
        // 30 a second, nothing left, "1" second to the next token (rounded up).
        pacer.answered(200, &limit_headers("30", "0", "1"), None);
        let start = Instant::now();
        pacer.ready().await;
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(1) / 30, "{waited:?}");
        assert!(waited < Duration::from_millis(100), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn families_drawing_from_one_budget_are_paced_together() {
        let host = std::sync::Arc::new(Host::default());
        let token = Pacer::in_host(host.clone(), "GreenLake/authorization".into());
        let central = Pacer::in_host(host, "Central/".into());
        let h = limit_headers("30", "4", "1");
        let start = Instant::now();
        for i in 0..60 {
            let pacer = if i % 2 == 0 { &token } else { &central };
            pacer.ready().await;
            pacer.answered(200, &h, None);
        }
        // 30 a second for both together, not 30 each: 60 requests take about two seconds.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(2100), "{elapsed:?}");
    }
}
