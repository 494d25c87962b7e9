use super::*;
use reqwest::header::{HeaderName, HeaderValue};

/// A header map of these names and values.
pub(crate) fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_static(v));
    }
    h
}

/// One family's budget headers: `{family}-limit`, `-remaining` and `-reset` (`family` is
/// `ratelimit` or `x-ratelimit`).
pub(crate) fn budget(family: &str, limit: &str, remaining: &str, reset: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in [("limit", limit), ("remaining", remaining), ("reset", reset)] {
        let name = HeaderName::try_from(format!("{family}-{name}")).expect("a header name");
        h.insert(name, HeaderValue::from_str(value).expect("a header value"));
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
    // Fast: +25 %, the rate that drew the 429 (40/s) being far above.
    assert_eq!(flow.learned(), Some(25.0));
    // A second 429 more than a second later halves again.
    flow.answered(t + Duration::from_secs(1), 429, &HeaderMap::new());
    assert!(flow.learned().expect("learned") < 21.0);
}

/// A clear second after `t`: 100 requests 10 ms apart (demand above any rate learned here),
/// each answered 200; the second's end.
fn clear_second(flow: &mut Flow, mut t: Instant) -> Instant {
    for _ in 0..100 {
        t += Duration::from_millis(10);
        flow.sent(t);
        flow.answered(t, 200, &HeaderMap::new());
    }
    t
}

#[test]
fn after_a_429_the_rate_grows_fast_to_near_the_rate_that_drew_it_then_probes_slowly() {
    let mut flow = Flow::new();
    let t0 = Instant::now();
    send_every(&mut flow, t0, 40, Duration::from_millis(25));
    let mut t = t0 + Duration::from_millis(999);
    flow.answered(t, 429, &HeaderMap::new());
    assert_eq!(flow.learned(), Some(20.0));
    let mut seen = Vec::new();
    for _ in 0..5 {
        t = clear_second(&mut flow, t);
        seen.push(flow.learned().expect("learned"));
    }
    // +25 % a second up to 0.9 of the 40/s that drew the 429, then +5 % (at least +1/s).
    let expected = [25.0, 31.25, 36.0, 37.8, 39.69];
    for (got, want) in seen.iter().zip(expected) {
        assert!((got - want).abs() < 1e-9, "{seen:?}");
    }
    // The next 429 halves the learned rate (what was let through, not the 100/s asked for)
    // and makes it the new ceiling: from there, the same fast climb.
    flow.answered(t + Duration::from_millis(1), 429, &HeaderMap::new());
    let after = flow.learned().expect("learned");
    assert!((after - 39.69 / 2.0).abs() < 1e-9, "{after}");
    clear_second(&mut flow, t + Duration::from_millis(1));
    let grown = flow.learned().expect("learned");
    assert!((grown - after * 1.25).abs() < 1e-9, "{grown}");
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
    assert_eq!(
        announced_rate(&budget("x-ratelimit", "50", "3", "1"), 2, &mut window),
        Some(50.0)
    );
    // A longer reset seen once widens the window for good: 50 over 10 s.
    assert_eq!(
        announced_rate(&budget("x-ratelimit", "50", "20", "10"), 0, &mut window),
        Some(5.0)
    );
    assert_eq!(
        announced_rate(&budget("x-ratelimit", "50", "3", "1"), 0, &mut window),
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

fn spend(flow: &mut Flow, at: Instant, h: &HeaderMap) -> Option<Duration> {
    flow.sent(at);
    flow.answered(at, 200, h)
}

#[test]
fn a_limit_with_a_small_remaining_and_a_reset_of_a_second_is_a_refilling_bucket() {
    // One bucket, burst 5, refilling 30 a second; `Reset` is the whole seconds until the
    // next token. Read as "3 left for 1 s" it would be one request a second.
    let mut flow = Flow::new();
    let t0 = Instant::now();
    let h = budget("x-ratelimit", "30", "3", "1");
    assert_eq!(spend(&mut flow, t0, &h), None);
    assert_eq!(flow.semantics(), Semantics::Bucket);
    assert_eq!(flow.rate(t0), Some(30.0));
    // Spent: one token's wait (1/30 s), never the whole reset.
    let spent = budget("x-ratelimit", "30", "0", "1");
    let t1 = t0 + Duration::from_millis(40);
    assert_eq!(
        spend(&mut flow, t1, &spent),
        Some(Duration::from_secs(1) / 30)
    );
    // The IETF family is read the same way.
    let mut flow = Flow::new();
    let h = budget("ratelimit", "30", "0", "1");
    assert_eq!(spend(&mut flow, t0, &h), Some(Duration::from_secs(1) / 30));
}

#[test]
fn a_reset_far_ahead_that_stays_put_while_remaining_falls_is_a_fixed_window() {
    let mut flow = Flow::new();
    let t0 = Instant::now();
    let h = budget("ratelimit", "100", "60", "30");
    spend(&mut flow, t0, &h);
    assert_eq!(
        flow.semantics(),
        Semantics::Unknown,
        "one reading says little"
    );
    // A second later: the same end (29 s), 10 fewer.
    let t1 = t0 + Duration::from_secs(1);
    let h = budget("ratelimit", "100", "50", "29");
    spend(&mut flow, t1, &h);
    assert_eq!(flow.semantics(), Semantics::Window);
    // What remains, spread until the end: 50 over 29 s.
    let rate = flow.rate(t1).expect("a rate");
    assert!((rate - 50.0 / 29.0).abs() < 1e-9, "{rate}");
    // Spent: the whole window's end.
    let t2 = t0 + Duration::from_secs(2);
    let h = budget("ratelimit", "100", "0", "28");
    assert_eq!(spend(&mut flow, t2, &h), Some(Duration::from_secs(28)));
    assert_eq!(flow.semantics(), Semantics::Window);
}

#[test]
fn a_remaining_that_grows_back_before_its_reset_refills_continuously() {
    // 20 a minute, `Reset` the seconds until full: spent, the bucket has a token back in
    // 3 s, not 60.
    let mut flow = Flow::new();
    let t0 = Instant::now();
    let h = budget("ratelimit", "20", "0", "60");
    assert_eq!(
        spend(&mut flow, t0, &h),
        Some(Duration::from_secs(60)),
        "not known yet: the reset is honoured"
    );
    let t1 = t0 + Duration::from_secs(6);
    let h = budget("ratelimit", "20", "1", "57");
    spend(&mut flow, t1, &h);
    assert_eq!(flow.semantics(), Semantics::Bucket);
    let t2 = t1 + Duration::from_millis(10);
    let h = budget("ratelimit", "20", "0", "60");
    assert_eq!(spend(&mut flow, t2, &h), Some(Duration::from_secs(3)));
    // Its sustained rate: 20 over its 60 s window.
    let rate = flow.rate(t2).expect("a rate");
    assert!((rate - 20.0 / 60.0).abs() < 1e-9, "{rate}");
}

#[test]
fn an_epoch_reset_is_a_moment() {
    let mut flow = Flow::new();
    let t0 = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    // Full again at 1,800,000,010: ten seconds from the answer, not 57 years.
    let h = budget("x-ratelimit", "100", "50", "1800000010");
    flow.sent(t0);
    assert_eq!(flow.answered_at(t0, wall, 200, &h), None);
    let reading = Reading::of(&h, wall).expect("a reading");
    assert_eq!(reading.reset, Duration::from_secs(10));
    let h = budget("x-ratelimit", "100", "0", "1800000010");
    flow.sent(t0);
    assert_eq!(
        flow.answered_at(t0, wall, 200, &h),
        Some(Duration::from_secs(10))
    );
}
