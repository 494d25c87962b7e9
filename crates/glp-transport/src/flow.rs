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
//!   requests already in flight counts once) and increase per clear second, only while the
//!   learned rate is what holds requests back: fast (+25 % a second) back up to 0.9 of the rate
//!   that drew the last 429 (below it the budget has just been seen to hold), then slowly
//!   (+5 % or at least +1/s) beyond it, probing for more, as CUBIC does after a loss.
//! - **What the headers mean is inferred** ([`Semantics`]), not assumed: a `Limit` with a
//!   `Remaining` below it and a `Reset` of a second or two, or a `Remaining` that grows back
//!   before its reset has come, is a budget that refills continuously (a token bucket: `Limit`
//!   per window, the window being the longest short reset seen), so a spent budget waits one
//!   token, never the whole reset; a `Reset` far ahead whose moment stays put while `Remaining`
//!   falls is a fixed window (what remains, spread until its end; spent, wait for the end). A
//!   reset above ~1e9 is an epoch time (`glp_core::retry::parse_reset`).
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
/// A reset at most this far ahead is "about a second": a refilling bucket's, not a window's end.
const SHORT_RESET: Duration = Duration::from_secs(2);
/// After a decrease the learned rate grows fast back up to this share of the rate that drew
/// the 429 ...
const RECOVER_TO: f64 = 0.9;
/// ... by this share of itself per clear second.
const RECOVERY_SHARE: f64 = 0.25;

/// What a budget's `Remaining` and `Reset` headers mean, as inferred from what they say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Semantics {
    /// Not known yet: what remains is spread until the reset (new Central's family: never
    /// slower than its limit over the longest reset seen).
    Unknown,
    /// A budget that refills continuously (a token bucket): `Limit` per window; spent, it waits
    /// one token.
    Bucket,
    /// A fixed window ending at the reset: what remains is spread until then; spent, it waits
    /// for the end.
    Window,
}

/// One answer's rate-limit headers (the `RateLimit-*` or `X-RateLimit-*` family).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    /// `Limit`, if given.
    pub(crate) limit: Option<u64>,
    /// `Remaining`.
    pub(crate) remaining: u64,
    /// `Reset` as a delay from the answer (an epoch value already turned into one).
    pub(crate) reset: Duration,
}

impl Reading {
    /// The first family of `headers` that has both `Remaining` and a parsable `Reset`; `wall`
    /// is the wall-clock time of the answer (for epoch resets).
    pub(crate) fn of(headers: &HeaderMap, wall: SystemTime) -> Option<Self> {
        let number = |name: &str| header_count(headers, name);
        [
            ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),
            (
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
            ),
        ]
        .into_iter()
        .find_map(|(limit, remaining, reset)| {
            Some(Reading {
                limit: number(limit).filter(|l| *l > 0),
                remaining: number(remaining)?,
                reset: header_text(headers, reset).and_then(|v| parse_reset(v, wall))?,
            })
        })
    }
}

/// The last reading and when it was made.
#[derive(Debug, Clone, Copy)]
struct Seen {
    remaining: u64,
    reset_at: Instant,
}

/// What the pacer knows of one API's budget.
#[derive(Debug)]
pub(crate) struct Flow {
    /// Learned from 429s; `None` until the first.
    learned: Option<f64>,
    /// The rate that drew the last 429 (what the last decrease started from).
    ceiling: Option<f64>,
    /// From headers: requests per second, and when it was said.
    announced: Option<(f64, Instant)>,
    last_decrease: Option<Instant>,
    last_increase: Option<Instant>,
    /// Send instants within the last [`WINDOW`].
    sent: VecDeque<Instant>,
    in_flight: u32,
    /// The longest `X-RateLimit-Reset` seen: new Central's window is at least that long.
    window: Option<Duration>,
    /// What the headers mean, as far as inferred.
    semantics: Semantics,
    /// The previous reading.
    seen: Option<Seen>,
    /// The longest short reset seen while the budget reads as a bucket: its window.
    bucket_window: Option<Duration>,
    /// The last `Limit` read.
    limit: Option<u64>,
    /// How hard it backs off and how fast it recovers.
    aimd: Aimd,
    /// Whether 429s teach this flow (off for a family whose host learns for it).
    learning: bool,
}

/// The parameters of the decrease on 429s and the increase on clear seconds.
#[derive(Debug, Clone, Copy)]
struct Aimd {
    /// The learned rate after a 429: this share of what was sent over the last second.
    decrease: f64,
    /// Growth per clear second: this share of the learned rate, ...
    increase_share: f64,
    /// ... at least this many requests per second.
    increase_min: f64,
}

impl Flow {
    pub(crate) fn new() -> Self {
        Self {
            learned: None,
            ceiling: None,
            announced: None,
            last_decrease: None,
            last_increase: None,
            sent: VecDeque::new(),
            in_flight: 0,
            window: None,
            semantics: Semantics::Unknown,
            seen: None,
            bucket_window: None,
            limit: None,
            aimd: Aimd {
                decrease: 0.5,
                increase_share: 0.05,
                increase_min: 1.0,
            },
            learning: true,
        }
    }

    /// The flow of a host whose API families share one budget: 429s come from every family
    /// and each refused family also pauses for what the server said, so it backs off less
    /// (to 0.7 of what was sent) and grows back faster (+25 %, at least +2/s, per clear second).
    pub(crate) fn for_host() -> Self {
        Self {
            aimd: Aimd {
                decrease: 0.7,
                increase_share: 0.25,
                increase_min: 2.0,
            },
            ..Self::new()
        }
    }

    /// Stops learning from 429s and forgets what was learned (the host learns for this
    /// family now); headers still count.
    pub(crate) fn leave_learning_to_the_host(&mut self) {
        self.learning = false;
        self.learned = None;
        self.ceiling = None;
    }

    /// What the headers are inferred to mean.
    #[cfg(test)]
    pub(crate) fn semantics(&self) -> Semantics {
        self.semantics
    }

    /// The last `Limit` a header announced.
    pub(crate) fn limit(&self) -> Option<u64> {
        self.limit
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

    /// An answer arrived at `now` with `status` and `headers`; returns how long a spent budget
    /// holds the next request back (a success whose `Remaining` is 0), if it does.
    pub(crate) fn answered(
        &mut self,
        now: Instant,
        status: u16,
        headers: &HeaderMap,
    ) -> Option<Duration> {
        self.answered_at(now, SystemTime::now(), status, headers)
    }

    /// [`answered`](Self::answered) at the wall-clock time `wall` (for epoch resets).
    pub(crate) fn answered_at(
        &mut self,
        now: Instant,
        wall: SystemTime,
        status: u16,
        headers: &HeaderMap,
    ) -> Option<Duration> {
        self.in_flight = self.in_flight.saturating_sub(1);
        let reading = Reading::of(headers, wall);
        if let Some(reading) = reading {
            self.infer(now, reading);
        }
        let inferred = reading.and_then(|r| self.inferred_rate(r));
        let rate = inferred.or_else(|| announced_rate(headers, self.in_flight, &mut self.window));
        if let Some(rate) = rate {
            self.announced = Some((rate, now));
        }
        if status == 429 && self.learning {
            self.decrease(now);
        } else if (200..300).contains(&status) {
            self.increase(now);
        }
        if !(200..300).contains(&status) {
            return None;
        }
        match reading {
            // A bucket refills continuously: one token's time, never the whole reset.
            Some(r) if r.remaining == 0 && self.semantics == Semantics::Bucket => {
                let window = self.bucket_window.unwrap_or(WINDOW).max(WINDOW);
                let limit = r.limit.or(self.limit).unwrap_or(1).max(1);
                Some((window / u32::try_from(limit).unwrap_or(u32::MAX)).min(r.reset))
            }
            Some(r) if r.remaining == 0 => Some(r.reset),
            Some(_) => None,
            // Classic Central's per-second family.
            None => glp_core::retry::wait_from_headers(headers, false),
        }
    }

    /// Learns what the headers mean from `reading`, made at `now`.
    fn infer(&mut self, now: Instant, reading: Reading) {
        let reset_at = now + reading.reset;
        if let Some(limit) = reading.limit {
            self.limit = Some(limit);
        }
        let short = reading.reset <= SHORT_RESET;
        let below_limit = reading.limit.is_some_and(|l| reading.remaining < l);
        if short && below_limit {
            // `Limit`, a small `Remaining`, a reset of about a second: a bucket refilling
            // `Limit` per window.
            self.semantics = Semantics::Bucket;
        } else if let Some(seen) = self.seen {
            let grew_back = reading.remaining > seen.remaining
                && now + Duration::from_millis(500) < seen.reset_at;
            let same_end = reset_at.max(seen.reset_at) - reset_at.min(seen.reset_at)
                <= Duration::from_millis(1500);
            if grew_back {
                // Tokens came back before the reset did: the budget refills continuously.
                self.semantics = Semantics::Bucket;
            } else if !short && same_end && reading.remaining < seen.remaining {
                // The reset's moment stays put while `Remaining` falls: a fixed window.
                self.semantics = Semantics::Window;
            }
        }
        if self.semantics == Semantics::Bucket {
            let window = reading.reset.max(WINDOW);
            self.bucket_window = Some(self.bucket_window.map_or(window, |w| w.max(window)));
        }
        self.seen = Some(Seen {
            remaining: reading.remaining,
            reset_at,
        });
    }

    /// The rate `reading` allows once its meaning is known (`None`: not known, or nothing is
    /// left of a window).
    fn inferred_rate(&self, reading: Reading) -> Option<f64> {
        let usable = reading.remaining.saturating_sub(u64::from(self.in_flight)) as f64;
        match self.semantics {
            Semantics::Unknown => None,
            Semantics::Bucket => {
                let window = self.bucket_window.unwrap_or(WINDOW).max(WINDOW);
                let limit = reading.limit.or(self.limit)?;
                let spread = usable / reading.reset.max(WINDOW).as_secs_f64();
                Some((limit as f64 / window.as_secs_f64()).max(spread))
            }
            Semantics::Window => {
                if reading.remaining == 0 {
                    return None;
                }
                let until = reading.reset.max(WINDOW);
                Some((usable / until.as_secs_f64()).max(MIN_LEARNED_RATE))
            }
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
        self.learned = Some((base * self.aimd.decrease).max(MIN_LEARNED_RATE));
        self.ceiling = Some(base);
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
        let step = (learned * self.aimd.increase_share).max(self.aimd.increase_min);
        let probing = learned + steps * step;
        // Below the rate that drew the last 429, the budget was just seen to hold.
        let recovering = self
            .ceiling
            .map(|c| c * RECOVER_TO)
            .filter(|&to| learned < to)
            .map(|to| (learned * (1.0 + RECOVERY_SHARE).powf(steps)).min(to));
        self.learned = Some(recovering.map_or(probing, |r| r.max(probing)));
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
    let number = |name: &str| header_count(headers, name);
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
            Some(reset) => match header_text(headers, reset).and_then(|v| parse_reset(v, now)) {
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

/// The text of the header `name`, if present and readable.
fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The header `name` as a count: digits (blanks around them ignored), at most 20 of them.
fn header_count(headers: &HeaderMap, name: &str) -> Option<u64> {
    header_text(headers, name)
        .map(str::trim)
        .filter(|v| v.len() <= 20)
        .and_then(|v| v.parse::<u64>().ok())
}

#[cfg(test)]
pub(crate) mod tests;
