//! The retry policy's tests: every server-given wait bounded, backoff, budgets.

#[test]
fn a_429_is_bounded_by_the_rate_limited_budget_not_by_attempts_or_max_elapsed() {
    let policy = RetryPolicy::with_max_attempts(2)
        .max_elapsed(Duration::from_secs(10))
        .rate_limited_budget(Duration::from_secs(600));
    // Past max_elapsed and past the attempt count, a 429 still waits and retries...
    let wait = Some(Duration::from_secs(5));
    assert!(matches!(
        policy.decide_rate_limited(50, Duration::from_secs(300), wait),
        RetryDecision::Retry(d) if d >= Duration::from_secs(5)
    ));
    // ...while a 5xx at the same point gives up.
    assert_eq!(
        policy.decide(2, Duration::from_secs(300), wait),
        RetryDecision::GiveUp
    );
    // The rate-limited budget ends it: a wait that does not fit fails at once.
    assert!(matches!(
        policy.decide_rate_limited(1, Duration::from_secs(598), wait),
        RetryDecision::WaitTooLong { .. }
    ));
    // One wait longer than MAX_SINGLE_WAIT fails at once, however much budget is left.
    assert_eq!(
        policy.decide_rate_limited(1, Duration::ZERO, Some(Duration::from_secs(200))),
        RetryDecision::WaitTooLong {
            wait: Duration::from_secs(200),
            left: MAX_SINGLE_WAIT
        }
    );
    assert_eq!(
        RetryPolicy::default().rate_limited_budget,
        DEFAULT_RATE_LIMITED_BUDGET
    );
}

use super::*;
use http::header::HeaderValue;

#[test]
fn retry_after_seconds_and_dates() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
    assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
    assert_eq!(
        parse_retry_after("1.5", now),
        Some(Duration::from_millis(1500))
    );
    let later = httpdate::fmt_http_date(now + Duration::from_secs(5));
    assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(5)));
    let earlier = httpdate::fmt_http_date(now - Duration::from_secs(5));
    assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(parse_retry_after("-1", now), None);
}

#[test]
fn absurd_waits_are_clamped_never_panic() {
    let now = SystemTime::now();
    for v in [
        "1e30",
        "100000000",
        "18446744073709551615",
        "99999999999999999999999999",
        "1.8e19",
    ] {
        assert_eq!(parse_retry_after(v, now), Some(MAX_SERVER_WAIT), "{v}");
    }
    for v in ["NaN", "inf", "-inf", "-0.5", "1e", ""] {
        assert_eq!(parse_retry_after(v, now), None, "{v}");
    }
    assert_eq!(
        parse_retry_after("0.5", now),
        Some(Duration::from_millis(500))
    );
    assert_eq!(
        parse_reset("18446744073709551615", now),
        Some(MAX_SERVER_WAIT)
    );
    let soon = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 3;
    let wait = parse_reset(&soon.to_string(), now).expect("epoch reset");
    assert!(
        wait <= Duration::from_secs(3) && wait >= Duration::from_secs(1),
        "{wait:?}"
    );
    assert_eq!(parse_reset("1000000000", now), Some(Duration::ZERO));
}

#[test]
fn a_reset_given_as_a_date_is_the_wait_until_then_bounded() {
    // 2026-12-01T00:00:00Z, a fixed "now": no wall clock in the test.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_083_200);
    for (value, wait) in [
        ("2026-12-01T00:00:30Z", Some(Duration::from_secs(30))),
        ("2026-12-01T00:00:30.750Z", Some(Duration::from_secs(30))),
        ("2026-12-01T01:00:30+01:00", Some(Duration::from_secs(30))),
        (
            " Tue, 01 Dec 2026 00:00:30 GMT ",
            Some(Duration::from_secs(30)),
        ),
        // Past moments are no wait; far ones are clamped.
        ("2026-11-30T23:00:00Z", Some(Duration::ZERO)),
        ("1960-01-01T00:00:00Z", Some(Duration::ZERO)),
        ("9999-12-31T23:59:59Z", Some(MAX_SERVER_WAIT)),
        ("Fri, 31 Dec 9999 23:59:59 GMT", Some(MAX_SERVER_WAIT)),
        // Not dates.
        ("2026-12-01", None),
        ("2026-13-01T00:00:00Z", None),
        ("tomorrow", None),
    ] {
        assert_eq!(parse_reset(value, now), wait, "{value}");
    }
    let long = format!("2026-12-01T00:00:30{}Z", ".0".repeat(40));
    assert_eq!(parse_reset(&long, now), None, "over 64 characters");
}

#[test]
fn a_wait_beyond_the_budget_fails_at_once() {
    let p = RetryPolicy::default()
        .max_elapsed(Duration::from_secs(120))
        .rate_limited_budget(Duration::from_secs(120));
    assert_eq!(
        p.decide(
            1,
            Duration::from_secs(20),
            Some(Duration::from_secs(1_000_000))
        ),
        RetryDecision::WaitTooLong {
            wait: MAX_SERVER_WAIT,
            left: Duration::from_secs(100)
        }
    );
    assert!(matches!(
        p.decide(1, Duration::ZERO, Some(Duration::from_secs(2))),
        RetryDecision::Retry(d) if d >= Duration::from_secs(2)
    ));
    assert_eq!(p.decide(6, Duration::ZERO, None), RetryDecision::GiveUp);
    // A 429 is never a failure by count, only by time.
    assert!(matches!(
        p.decide_rate_limited(60, Duration::from_secs(10), None),
        RetryDecision::Retry(_)
    ));
    assert_eq!(
        p.decide_rate_limited(1, Duration::from_secs(120), None),
        RetryDecision::GiveUp
    );
    assert_eq!(
        p.decide(1, Duration::from_secs(500), None),
        RetryDecision::GiveUp
    );
}

#[test]
fn header_families() {
    let mut h = HeaderMap::new();
    assert_eq!(retry_after_from_headers(&h), None);
    h.insert("ratelimit-remaining", HeaderValue::from_static("0"));
    h.insert("ratelimit-reset", HeaderValue::from_static("4"));
    assert_eq!(retry_after_from_headers(&h), Some(Duration::from_secs(4)));
    h.insert("retry-after", HeaderValue::from_static("2"));
    assert_eq!(retry_after_from_headers(&h), Some(Duration::from_secs(2)));
    let mut x = HeaderMap::new();
    x.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    x.insert("x-ratelimit-reset", HeaderValue::from_static("1"));
    assert_eq!(retry_after_from_headers(&x), Some(Duration::from_secs(1)));
    // New Central's 429 may carry the reset alone: on a refusal it is the wait; on a
    // success it says nothing (no `remaining: 0`); a remaining budget means no wait.
    let mut reset_only = HeaderMap::new();
    reset_only.insert("x-ratelimit-reset", HeaderValue::from_static("3"));
    assert_eq!(
        retry_after_from_headers(&reset_only),
        Some(Duration::from_secs(3))
    );
    assert_eq!(wait_from_headers(&reset_only, false), None);
    reset_only.insert("x-ratelimit-remaining", HeaderValue::from_static("5"));
    assert_eq!(retry_after_from_headers(&reset_only), None);
    // A reset typed as a date-time (some of HPE's specs): far ahead, the bounded wait; past,
    // none.
    let mut dated = HeaderMap::new();
    dated.insert(
        "x-ratelimit-reset",
        HeaderValue::from_static("9999-12-31T23:59:59Z"),
    );
    assert_eq!(retry_after_from_headers(&dated), Some(MAX_SERVER_WAIT));
    dated.insert(
        "x-ratelimit-reset",
        HeaderValue::from_static("Thu, 01 Jan 1970 00:00:10 GMT"),
    );
    assert_eq!(retry_after_from_headers(&dated), Some(Duration::ZERO));
    // Central (classic): a per-second budget with no reset header.
    let mut c = HeaderMap::new();
    c.insert(
        "x-ratelimit-remaining-second",
        HeaderValue::from_static("3"),
    );
    c.insert("x-ratelimit-limit-second", HeaderValue::from_static("7"));
    assert_eq!(retry_after_from_headers(&c), None);
    c.insert(
        "x-ratelimit-remaining-second",
        HeaderValue::from_static("0"),
    );
    assert_eq!(
        retry_after_from_headers(&c),
        Some(Duration::from_secs(1) / 7)
    );
    c.remove("x-ratelimit-limit-second");
    assert_eq!(retry_after_from_headers(&c), Some(Duration::from_secs(1)));
}

#[test]
fn delay_grows_is_capped_and_respects_the_floor() {
    let p = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_secs(1));
    for _ in 0..50 {
        let d1 = p.delay(1, None);
        assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
        let d3 = p.delay(3, None);
        assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
        assert!(p.delay(30, None) <= Duration::from_secs(1));
        assert!(p.delay(1, Some(Duration::from_secs(5))) >= Duration::from_secs(5));
    }
    assert!(!p.allows_retry(6, Duration::ZERO, Duration::ZERO));
    assert!(p.allows_retry(1, Duration::ZERO, Duration::ZERO));
    assert!(!p.allows_retry(1, Duration::from_secs(119), Duration::from_secs(2)));
    assert_eq!(RetryPolicy::never().max_attempts, 1);
}

#[test]
fn retryable_statuses() {
    for s in [408, 429, 500, 502, 503, 504] {
        assert!(is_retryable_status(s));
    }
    for s in [200, 400, 401, 403, 404, 412, 422, 501] {
        assert!(!is_retryable_status(s));
    }
}
