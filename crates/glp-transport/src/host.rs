//! [`Host`]: the flow control the API families of one host share once the server shows that
//! they draw from one budget.
//!
//! Each family has its own [`Pacer`](crate::Pacer) (GreenLake's budgets are per endpoint), and
//! most servers keep it that way. Some have one budget per client and host: then every family
//! believes it has the whole of it, and together they overshoot. The host sees every family's
//! requests and answers, and decides the budget is shared when
//! - two families announce the same `Limit` in their rate-limit headers, or
//! - two families are refused (429) within [`TOGETHER`] of each other.
//!
//! From then on (for the life of the process) every request of the host also takes a slot at
//! the host's rate: the budget learned from the headers and 429s of all its families together
//! (a [`Flow`]: AIMD on 429s, headers read as they are inferred to mean), and a spent budget
//! (a success saying `Remaining: 0`) holds back every family. A 429's own wait still pauses only
//! its family; the others slow down (back off per host as well as per API) and each family
//! recovers on its own flow. Until then the host only counts: separate budgets keep their
//! figures.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::flow::Flow;

/// Two 429s of two families this close together are one budget refusing both.
pub(crate) const TOGETHER: Duration = Duration::from_secs(1);

/// What one host's families share (see the module's documentation).
#[derive(Debug, Default)]
pub(crate) struct Host {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    flow: Flow,
    next_slot: Option<Instant>,
    paused_until: Option<Instant>,
    shared: bool,
    families: HashMap<String, Family>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            flow: Flow::for_host(),
            next_slot: None,
            paused_until: None,
            shared: false,
            families: HashMap::new(),
        }
    }
}

/// What the host has seen of one family.
#[derive(Debug, Default, Clone, Copy)]
struct Family {
    limit: Option<u64>,
    last_429: Option<Instant>,
}

impl Host {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the host's families were found to share one budget.
    #[cfg(test)]
    pub(crate) fn is_shared(&self) -> bool {
        self.state().shared
    }

    /// When a pause of the shared budget ends, if one runs at `now`.
    pub(crate) fn paused_until(&self, now: Instant) -> Option<Instant> {
        let state = self.state();
        state
            .paused_until
            .filter(|until| state.shared && *until > now)
    }

    /// A request that may leave at `slot` (its family's) is counted; returns when it may leave
    /// under the host's rate too (`slot` itself unless the budget is shared and paced).
    pub(crate) fn reserve(&self, slot: Instant, now: Instant) -> Instant {
        let mut state = self.state();
        let rate = if state.shared {
            state.flow.rate(now)
        } else {
            None
        };
        let at = match rate {
            Some(rate) => {
                let interval =
                    Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::from_secs(3600));
                let at = state.next_slot.map_or(slot, |s| s.max(slot));
                state.next_slot = at.checked_add(interval);
                at
            }
            None => slot,
        };
        state.flow.sent(at);
        at
    }

    /// A request counted by [`reserve`](Self::reserve) got no answer.
    pub(crate) fn lost(&self) {
        self.state().flow.lost();
    }

    /// The answer to a request of `family` (whose headers last announced `limit`) arrived at
    /// `now`; returns `Some(rate learned from 429s)` when the host's families share one budget
    /// (then the host learns from 429s for every family), `None` while they do not.
    pub(crate) fn answered(
        &self,
        family: &str,
        limit: Option<u64>,
        now: Instant,
        status: u16,
        headers: &HeaderMap,
    ) -> Option<Option<f64>> {
        let mut state = self.state();
        let spent = state.flow.answered(now, status, headers);
        let seen = {
            let entry = state.families.entry(family.to_owned()).or_default();
            entry.limit = limit.or(entry.limit);
            if status == 429 {
                entry.last_429 = Some(now);
            }
            *entry
        };
        if !state.shared {
            state.shared = state.families.iter().any(|(name, other)| {
                let same_limit = seen.limit.is_some() && other.limit == seen.limit;
                let refused_together = status == 429
                    && other
                        .last_429
                        .is_some_and(|at| now.saturating_duration_since(at) <= TOGETHER);
                name != family && (same_limit || refused_together)
            });
            if state.shared {
                tracing::debug!(
                    family,
                    "one rate budget for every API of this host: pacing them together"
                );
            }
        }
        if let Some(wait) = spent.filter(|_| state.shared)
            && let Some(until) = now.checked_add(wait.min(glp_core::retry::MAX_SERVER_WAIT))
            && state.paused_until.is_none_or(|p| p < until)
        {
            state.paused_until = Some(until);
            if state.next_slot.is_some_and(|slot| slot < until) {
                state.next_slot = Some(until);
            }
        }
        state.shared.then(|| state.flow.learned())
    }

    /// The rate the host's families are held to together, if shared and known.
    #[cfg(test)]
    pub(crate) fn rate(&self, now: Instant) -> Option<f64> {
        let state = self.state();
        if state.shared {
            state.flow.rate(now)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::tests::budget;

    /// A request of `family` reserved and answered at `at`.
    fn exchange(
        host: &Host,
        family: &str,
        limit: Option<u64>,
        at: Instant,
        status: u16,
        headers: &HeaderMap,
    ) -> Option<Option<f64>> {
        host.reserve(at, at);
        host.answered(family, limit, at, status, headers)
    }

    /// `n` instants from `t0` on, `step_ms` milliseconds apart: when a test's requests go.
    fn every(t0: Instant, n: u32, step_ms: u32) -> impl Iterator<Item = Instant> {
        (0..n).map(move |i| t0 + Duration::from_millis(u64::from(i * step_ms)))
    }

    #[test]
    fn separate_budgets_stay_separate() {
        let host = Host::default();
        let t0 = Instant::now();
        // Central refused, GreenLake served fine with its own limit: nothing shared.
        for t in every(t0, 20, 10) {
            exchange(&host, "central", Some(50), t, 429, &HeaderMap::new());
            exchange(&host, "glp/workspaces", Some(10), t, 200, &HeaderMap::new());
        }
        assert!(!host.is_shared());
        // Unshared, the host never moves a slot.
        let t = t0 + Duration::from_secs(1);
        assert_eq!(host.reserve(t, t), t);
    }

    #[test]
    fn two_families_refused_together_share_one_budget_and_slow_down_together() {
        let host = Host::default();
        let t0 = Instant::now();
        // 40 requests a second over both families, then both are refused.
        for t in every(t0, 40, 25) {
            host.reserve(t, t);
        }
        let t1 = t0 + Duration::from_millis(990);
        host.answered("central", None, t1, 429, &HeaderMap::new());
        assert!(!host.is_shared(), "one family's 429 proves nothing");
        host.answered("glp/authorization", None, t1, 429, &HeaderMap::new());
        assert!(host.is_shared());
        // Backed off to 0.7 of the 40 a second sent: every family together gets 28 a second.
        let rate = host.rate(t1).expect("a rate");
        assert!((rate - 28.0).abs() < 1e-9, "{rate}");
        let a = host.reserve(t1, t1);
        let b = host.reserve(t1, t1);
        assert_eq!(
            b - a,
            Duration::try_from_secs_f64(1.0 / 28.0).expect("interval")
        );
    }

    #[test]
    fn the_same_limit_on_two_families_is_one_budget_read_from_both() {
        let host = Host::default();
        let t0 = Instant::now();
        let h = budget("x-ratelimit", "30", "4", "1");
        exchange(&host, "glp/authorization", Some(30), t0, 200, &h);
        assert!(!host.is_shared());
        exchange(&host, "glp/workspaces", Some(30), t0, 200, &h);
        assert!(host.is_shared());
        // The bucket's 30 a second, for both families together.
        assert_eq!(host.rate(t0), Some(30.0));
        // Spent (a success with nothing left) holds every family back one token, not the
        // whole reset.
        let spent = budget("x-ratelimit", "30", "0", "1");
        assert_eq!(
            host.answered("central", Some(30), t0, 200, &spent),
            Some(None)
        );
        let until = host.paused_until(t0).expect("paused");
        assert_eq!(until - t0, Duration::from_secs(1) / 30);
    }
}
