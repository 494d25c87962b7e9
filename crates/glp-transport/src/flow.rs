//! [`Flow`]: the budget of one API learned from the server, as plain arithmetic over instants
//! handed in by the caller (so every rule is tested without a clock or a sleep).
//!
//! - **From headers** (both dialects: `RateLimit-*` / `ratelimit-*`, `X-RateLimit-*`, and
//!   classic Central's `X-RateLimit-*-second`): what remains of the window divided by the time to
//!   its reset, less the requests already in flight, is the rate that spends the budget evenly;
//!   classic Central's `X-RateLimit-Limit-second` is the rate itself, and new Central's
//!   `X-RateLimit-Limit` over the longest `X-RateLimit-Reset` seen is a floor (its window is at
//!   least that long, whether it is a fixed window or a refilling bucket).
//!   A budget shared with other automation shows up here as a smaller `remaining`.
//! - **From 429s** when no header says anything: multiplicative decrease (half of what was
//!   actually sent over the last second, at most once a second, so a burst of 429s from
//!   requests already in flight counts once) and additive increase (+5 % or at least +1/s per
//!   clear second, only while the learned rate is what holds requests back).
//! - With no signal at all there is no limit: the run is bounded by concurrency and latency.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use glp_core::retry::parse_reset;
use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// The lowest rate learned from 429s (one request every two seconds).
pub(crate) const MIN_LEARNED_RATE: f64 = 0.5;
/// How long a rate announced in headers is trusted without a newer answer.
const ANNOUNCED_FOR: Duration = Duration::from_secs(2);
/// At most one decrease per this much time.
const DECREASE_HOLDOFF: Duration = Duration::from_secs(1);
/// The window over which the sending rate is measured.
const WINDOW: Duration = Duration::from_secs(1);

/// What the pacer knows of one API's budget.
#[derive(Debug)]
pub(crate) struct Flow {
    /// Learned from 429s; `None` until the first.
    learned: Option<f64>,
    /// From headers: requests per second, and when it was said.
    announced: Option<(f64, Instant)>,
    last_decrease: Option<Instant>,
    last_increase: Option<Instant>,
    /// Send instants within the last [`WINDOW`].
    sent: VecDeque<Instant>,
    in_flight: u32,
    /// The longest `X-RateLimit-Reset` seen: new Central's window is at least that long.
    window: Option<Duration>,
}

impl Flow {
    pub(crate) fn new() -> Self {
        Self {
            learned: None,
            announced: None,
            last_decrease: None,
            last_increase: None,
            sent: VecDeque::new(),
            in_flight: 0,
            window: None,
        }
    }

    /// The rate requests should be spaced at now, if any.
    pub(crate) fn rate(&self, now: Instant) -> Option<f64> {
        let announced = self
            .announced
            .filter(|(_, at)| now.saturating_duration_since(*at) <= ANNOUNCED_FOR)
            .map(|(rate, _)| rate);
        match (self.learned, announced) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The learned rate (for reports and tests).
    pub(crate) fn learned(&self) -> Option<f64> {
        self.learned
    }

    /// A request leaves at `at`.
    pub(crate) fn sent(&mut self, at: Instant) {
        self.in_flight = self.in_flight.saturating_add(1);
        self.sent.push_back(at);
        self.trim(at);
    }

    /// A request that was [`sent`](Self::sent) got no answer (a broken connection).
    pub(crate) fn lost(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    fn trim(&mut self, now: Instant) {
        while self
            .sent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) > WINDOW)
        {
            self.sent.pop_front();
        }
        // A burst scheduled ahead of time cannot grow this without bound either.
        while self.sent.len() > 100_000 {
            self.sent.pop_front();
        }
    }

    fn sending_rate(&mut self, now: Instant) -> f64 {
        self.trim(now);
        self.sent.len() as f64 / WINDOW.as_secs_f64()
    }

    /// An answer arrived at `now` with `status` and `headers`.
    pub(crate) fn answered(&mut self, now: Instant, status: u16, headers: &HeaderMap) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if let Some(rate) = announced_rate(headers, self.in_flight, &mut self.window) {
            self.announced = Some((rate, now));
        }
        if status == 429 {
            self.decrease(now);
        } else if (200..300).contains(&status) {
            self.increase(now);
        }
    }

    fn decrease(&mut self, now: Instant) {
        if self
            .last_decrease
            .is_some_and(|at| now.saturating_duration_since(at) < DECREASE_HOLDOFF)
        {
            return;
        }
        let sending = self.sending_rate(now);
        let base = match self.learned {
            Some(learned) => learned.min(sending.max(MIN_LEARNED_RATE)),
            None => sending,
        };
        self.learned = Some((base / 2.0).max(MIN_LEARNED_RATE));
        self.last_decrease = Some(now);
        self.last_increase = Some(now);
    }

    fn increase(&mut self, now: Instant) {
        let Some(learned) = self.learned else {
            return;
        };
        let since = self
            .last_increase
            .map_or(WINDOW, |at| now.saturating_duration_since(at));
        if since < WINDOW {
            return;
        }
        // Only a rate that holds requests back is worth raising; otherwise demand is the limit.
        if self.sending_rate(now) < learned * 0.8 {
            self.last_increase = Some(now);
            return;
        }
        let steps = since.as_secs_f64().floor().min(10.0);
        self.learned = Some(learned + steps * (learned * 0.05).max(1.0));
        self.last_increase = Some(now);
    }
}

/// The rate that spends what the headers say is left evenly until the reset: `remaining`
/// (less the requests still in flight) over the seconds to the reset. `None` when the headers
/// say nothing usable, or nothing is left (the pause until the reset handles that).
///
/// New Central's `X-RateLimit-*` family says neither its window nor whether `reset` is the end
/// of a fixed window or the time a bucket takes to refill. Its window is at least the longest
/// reset seen (`window`, kept by the caller), so `X-RateLimit-Limit` over that window is a rate
/// the budget sustains: the announced rate is never below it (with a bucket that refills
/// within a second, `remaining / reset` alone would crawl while the budget is nearly spent).
pub(crate) fn announced_rate(
    headers: &HeaderMap,
    in_flight: u32,
    window: &mut Option<Duration>,
) -> Option<f64> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let number = |name: &str| {
        header(name)
            .map(str::trim)
            .filter(|v| v.len() <= 20)
            .and_then(|v| v.parse::<u64>().ok())
    };
    let now = SystemTime::now();
    let mut best: Option<f64> = None;
    // Classic Central's per-second family states the budget itself: a second's worth of
    // requests per second (the pause on `remaining: 0` handles the edge of the window).
    if let Some(limit) = number("x-ratelimit-limit-second").filter(|l| *l > 0) {
        best = Some(limit as f64);
    }
    for (remaining, reset) in [
        ("ratelimit-remaining", Some("ratelimit-reset")),
        ("x-ratelimit-remaining", Some("x-ratelimit-reset")),
        ("x-ratelimit-remaining-second", None),
    ] {
        let Some(left) = number(remaining) else {
            continue;
        };
        if reset.is_none() && best.is_some() {
            continue;
        }
        let until_reset = match reset {
            // Classic Central's per-second family: the window is a second.
            None => Duration::from_secs(1),
            Some(reset) => match header(reset).and_then(|v| parse_reset(v, now)) {
                Some(d) => d.max(Duration::from_secs(1)),
                None => continue,
            },
        };
        let usable = left.saturating_sub(u64::from(in_flight));
        if left == 0 {
            continue;
        }
        let mut rate = (usable as f64 / until_reset.as_secs_f64()).max(MIN_LEARNED_RATE);
        if remaining == "x-ratelimit-remaining" {
            let longest = window.map_or(until_reset, |w| w.max(until_reset));
            *window = Some(longest);
            if let Some(limit) = number("x-ratelimit-limit").filter(|l| *l > 0) {
                rate = rate.max(limit as f64 / longest.as_secs_f64());
            }
        }
        best = Some(best.map_or(rate, |b: f64| b.min(rate)));
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn no_signal_no_limit() {
        let mut flow = Flow::new();
        let t0 = Instant::now();
        for i in 0..100 {
            let at = t0 + Duration::from_millis(i);
            flow.sent(at);
            flow.answered(at, 200, &HeaderMap::new());
        }
        assert_eq!(flow.rate(t0 + Duration::from_millis(100)), None);
    }

    /// `count` requests sent `every` apart, from `t0` on.
    fn send_every(flow: &mut Flow, t0: Instant, count: u32, every: Duration) {
        for i in 0..count {
            flow.sent(t0 + every * i);
        }
    }

    #[test]
    fn a_429_halves_what_was_sent_once_per_second_then_it_grows_back() {
        let mut flow = Flow::new();
        let t0 = Instant::now();
        // 40 requests in the last second, then a burst of 429s from those in flight.
        send_every(&mut flow, t0, 40, Duration::from_millis(25));
        let t1 = t0 + Duration::from_millis(999);
        for _ in 0..10 {
            flow.answered(t1, 429, &HeaderMap::new());
        }
        assert_eq!(flow.learned(), Some(20.0), "halved once, not ten times");
        // A clear second at the learned rate: +1/s.
        let mut t = t1;
        for _ in 0..20 {
            t += Duration::from_millis(50);
            flow.sent(t);
            flow.answered(t, 200, &HeaderMap::new());
        }
        assert_eq!(flow.learned(), Some(21.0));
        // A second 429 more than a second later halves again.
        flow.answered(t + Duration::from_secs(1), 429, &HeaderMap::new());
        assert!(flow.learned().expect("learned") < 21.0);
    }

    #[test]
    fn an_unused_rate_is_not_raised() {
        let mut flow = Flow::new();
        let t0 = Instant::now();
        send_every(&mut flow, t0, 10, Duration::from_millis(100));
        flow.answered(t0 + Duration::from_secs(1), 429, &HeaderMap::new());
        let learned = flow.learned().expect("learned");
        // One request every 2 s is far below the learned rate: it stays.
        for i in 1..10 {
            let t = t0 + Duration::from_secs(1 + 2 * i);
            flow.sent(t);
            flow.answered(t, 200, &HeaderMap::new());
        }
        assert_eq!(flow.learned(), Some(learned));
    }

    #[test]
    fn the_learned_rate_never_drops_below_the_floor() {
        let mut flow = Flow::new();
        let mut t = Instant::now();
        for _ in 0..50 {
            t += Duration::from_secs(2);
            flow.answered(t, 429, &HeaderMap::new());
        }
        assert_eq!(flow.learned(), Some(MIN_LEARNED_RATE));
    }

    #[test]
    fn headers_of_both_dialects_set_the_rate() {
        // IETF draft: 50 left, reset in 10 s.
        let h = headers(&[("ratelimit-remaining", "50"), ("ratelimit-reset", "10")]);
        assert_eq!(announced_rate(&h, 0, &mut None), Some(5.0));
        // New Central: X-RateLimit-*, 8 in flight already count against what is left...
        let h = headers(&[("x-ratelimit-remaining", "28"), ("x-ratelimit-reset", "2")]);
        assert_eq!(announced_rate(&h, 8, &mut None), Some(10.0));
        // ... but its limit over the longest reset seen is sustained: a bucket that refills in
        // a second (reset 1, nearly spent) still allows its limit per second.
        let mut window = None;
        // New Central's whole family, a limit of 50, with what remains and its reset.
        let limit_50 = |remaining: &'static str, reset: &'static str| {
            headers(&[
                ("x-ratelimit-limit", "50"),
                ("x-ratelimit-remaining", remaining),
                ("x-ratelimit-reset", reset),
            ])
        };
        assert_eq!(
            announced_rate(&limit_50("3", "1"), 2, &mut window),
            Some(50.0)
        );
        // A longer reset seen once widens the window for good: 50 over 10 s.
        assert_eq!(
            announced_rate(&limit_50("20", "10"), 0, &mut window),
            Some(5.0)
        );
        assert_eq!(
            announced_rate(&limit_50("3", "1"), 0, &mut window),
            Some(5.0)
        );
        // Classic Central: the per-second limit is the rate; without it, what remains of the
        // second.
        let h = headers(&[
            ("x-ratelimit-limit-second", "7"),
            ("x-ratelimit-remaining-second", "2"),
        ]);
        assert_eq!(announced_rate(&h, 0, &mut None), Some(7.0));
        let h = headers(&[("x-ratelimit-remaining-second", "6")]);
        assert_eq!(announced_rate(&h, 0, &mut None), Some(6.0));
        // Nothing left is the pause's job; junk says nothing.
        let h = headers(&[("ratelimit-remaining", "0"), ("ratelimit-reset", "10")]);
        assert_eq!(announced_rate(&h, 0, &mut None), None);
        let h = headers(&[("ratelimit-remaining", "lots"), ("ratelimit-reset", "10")]);
        assert_eq!(announced_rate(&h, 0, &mut None), None);
        let h = headers(&[
            ("ratelimit-remaining", "18446744073709551615"),
            ("ratelimit-reset", "0"),
        ]);
        assert!(announced_rate(&h, 0, &mut None).is_some_and(f64::is_finite));
    }

    #[test]
    fn an_announced_rate_expires_without_news() {
        let mut flow = Flow::new();
        let t0 = Instant::now();
        let h = headers(&[("ratelimit-remaining", "20"), ("ratelimit-reset", "4")]);
        flow.sent(t0);
        flow.answered(t0, 200, &h);
        assert_eq!(flow.rate(t0), Some(5.0));
        assert_eq!(flow.rate(t0 + Duration::from_secs(3)), None);
    }
}
