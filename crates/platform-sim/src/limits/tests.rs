use super::*;

/// A refusal announcing `retry_after` seconds, not early.
fn limited(retry_after: u64) -> Decision {
    Decision::Limited {
        retry_after,
        early: false,
    }
}

/// A request served with `remaining` left and a reset in `reset` seconds.
fn allow(remaining: u64, reset: u64) -> Decision {
    Decision::Allow { remaining, reset }
}

#[test]
fn a_minute_window_and_a_background_consumer() {
    let t0 = Instant::now();
    let b = Bucket::per_minute(3, 0.0);
    for _ in 0..3 {
        assert!(matches!(b.acquire(None, t0), Decision::Allow { .. }));
    }
    assert_eq!(b.acquire(None, t0), limited(20));
    // Half the refill goes to someone else: one token takes twice as long.
    let shared = Bucket::new(1.0, 0.5);
    assert!(matches!(shared.acquire(None, t0), Decision::Allow { .. }));
    assert_eq!(shared.acquire(None, t0), limited(2));
    assert_eq!(shared.limit(), 1);
    // A refill of almost nothing announces at most a day, and does not overflow.
    let starved = Bucket::new(1.0, 1.0 - 1e-15);
    assert!(matches!(starved.acquire(None, t0), Decision::Allow { .. }));
    assert_eq!(starved.acquire(None, t0), limited(MAX_PENALTY_S));
}

#[test]
fn burst_then_penalty_and_only_a_retry_before_its_wait_is_early() {
    let b = Bucket::new(2.0, 0.0);
    let t0 = Instant::now();
    let (first, other) = (Some(1), Some(2));
    assert!(matches!(b.acquire(first, t0), Decision::Allow { .. }));
    assert!(matches!(b.acquire(first, t0), Decision::Allow { .. }));
    assert_eq!(b.acquire(first, t0), limited(1));
    // Another request arriving in the window (in flight, or sent by a client that had not
    // heard of the 429 yet) is refused, but not early, whenever it arrives.
    let t1 = t0 + Duration::from_millis(300);
    assert!(matches!(
        b.acquire(other, t1),
        Decision::Limited { early: false, .. }
    ));
    // The refused one back before its second is early; a request not told when is never.
    let t2 = t0 + Duration::from_millis(500);
    assert!(matches!(
        b.acquire(first, t2),
        Decision::Limited { early: true, .. }
    ));
    assert!(matches!(
        b.acquire(None, t2),
        Decision::Limited { early: false, .. }
    ));
    // After the wait it was told (counted from its latest refusal), it is served.
    let t3 = t0 + Duration::from_millis(1501);
    assert!(matches!(b.acquire(first, t3), Decision::Allow { .. }));
}

#[test]
fn slow_rate_announces_longer_waits() {
    let b = Bucket::new(0.25, 0.0);
    let t0 = Instant::now();
    assert!(matches!(b.acquire(None, t0), Decision::Allow { .. }));
    assert_eq!(b.acquire(None, t0), limited(4));
}

#[test]
fn a_plain_bucket_with_a_burst_refuses_only_while_empty() {
    let t0 = Instant::now();
    let b = Bucket::shaped(30.0, 5.0, 0.0, LimitShape::Bucket, ResetStyle::Next);
    assert_eq!(
        b.limit(),
        30,
        "a plain bucket announces its rate, not its burst"
    );
    for left in (0..5).rev() {
        assert_eq!(b.acquire(None, t0), allow(left, 1));
    }
    assert!(matches!(
        b.acquire(None, t0),
        Decision::Limited { retry_after: 1, .. }
    ));
    // No penalty: a token is back after 1/30 s.
    let t1 = t0 + Duration::from_millis(34);
    assert!(matches!(b.acquire(None, t1), Decision::Allow { .. }));
    // Reset until full: 5 tokens at 30/s is under a second, rounded up.
    let full = Bucket::shaped(30.0, 5.0, 0.0, LimitShape::Bucket, ResetStyle::Full);
    assert_eq!(full.acquire(None, t0), allow(4, 1));
}

#[test]
fn a_fixed_window_comes_back_whole_at_its_end_and_epoch_resets_are_times() {
    let t0 = Instant::now();
    // 20 requests per 10 s window.
    let b = Bucket::shaped(2.0, 20.0, 0.0, LimitShape::Window, ResetStyle::Full);
    for left in (0..20).rev() {
        assert_eq!(b.acquire(None, t0), allow(left, 10));
    }
    assert_eq!(b.acquire(None, t0), limited(10));
    let t1 = t0 + Duration::from_millis(9_500);
    assert!(matches!(
        b.acquire(None, t1),
        Decision::Limited { retry_after: 1, .. }
    ));
    let t2 = t0 + Duration::from_secs(10);
    assert_eq!(b.acquire(None, t2), allow(19, 10));
    let epoch = Bucket::shaped(2.0, 20.0, 0.0, LimitShape::Window, ResetStyle::Epoch);
    let Decision::Allow { reset, .. } = epoch.acquire(None, t0) else {
        panic!("allowed");
    };
    let unix = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    assert!((unix + 9..=unix + 11).contains(&reset), "{reset} vs {unix}");
}
