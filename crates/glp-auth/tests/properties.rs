//! Property tests: no header or body value a server can send makes the parsing of waits,
//! lifetimes or error bodies panic, and every result stays within its bounds.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime};

use glp_auth::retry::{
    MAX_SERVER_WAIT, RetryDecision, RetryPolicy, parse_retry_after, wait_from_headers,
};
use glp_auth::text::{escape_control, untrusted};
use glp_auth::{GlpErrorBody, OAuthErrorBody, body_excerpt};
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// Strings a server might put in a numeric header: digits, signs, exponents, dates, junk.
fn numberish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        "[0-9]{1,40}",
        "[-+]?[0-9]{0,30}(\\.[0-9]{0,30})?([eE][-+]?[0-9]{1,5})?",
        "(Mon|Sun), [0-9]{2} (Jan|Dec) [0-9]{4,6} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
        "\\PC{0,80}",
    ]
}

/// A decision of the retry policy keeps to `budget`, `elapsed` of it gone: a retry never sleeps
/// past it, and a wait too long is longer than what is left and at most the cap on a server's
/// wait.
fn keeps_to(
    decision: RetryDecision,
    elapsed: Duration,
    budget: Duration,
) -> Result<(), TestCaseError> {
    match decision {
        RetryDecision::Retry(delay) => prop_assert!(elapsed.saturating_add(delay) <= budget),
        RetryDecision::WaitTooLong { wait, left } => {
            prop_assert!(wait > left && wait <= MAX_SERVER_WAIT);
        }
        RetryDecision::GiveUp => {}
    }
    Ok(())
}

fn no_unsafe_chars(s: &str) -> bool {
    !s.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn retry_after_is_bounded(value in numberish()) {
        if let Some(wait) = parse_retry_after(&value, SystemTime::now()) {
            prop_assert!(wait <= MAX_SERVER_WAIT);
        }
    }

    #[test]
    fn header_waits_are_bounded(
        retry_after in numberish(),
        remaining in numberish(),
        reset in numberish(),
        limit in numberish(),
        which in 0usize..3,
        success in any::<bool>(),
    ) {
        let mut headers = HeaderMap::new();
        let family = ["ratelimit", "x-ratelimit", "x-ratelimit"][which];
        let mut put = |name: String, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(HeaderName::from_bytes(name.as_bytes()).unwrap(), v);
            }
        };
        put("retry-after".into(), &retry_after);
        put(format!("{family}-remaining"), &remaining);
        put(format!("{family}-reset"), &reset);
        put("x-ratelimit-remaining-second".into(), &remaining);
        put("x-ratelimit-limit-second".into(), &limit);
        if let Some(wait) = wait_from_headers(&headers, !success) {
            prop_assert!(wait <= MAX_SERVER_WAIT);
        }
    }

    /// Neither a retry after a failure nor one after a 429 sleeps past its budget (the total
    /// time, and the rate-limited budget).
    #[test]
    fn a_retry_never_sleeps_past_its_budget(
        attempts in 0u32..100,
        retries in 0u32..10_000,
        elapsed_ms in any::<u64>(),
        retry_after in proptest::option::of((any::<u64>(), 0u32..1_000_000_000)),
        budget_ms in 0u64..10_000_000,
    ) {
        let budget = Duration::from_millis(budget_ms);
        let elapsed = Duration::from_millis(elapsed_ms);
        let retry_after = retry_after.map(|(s, n)| Duration::new(s, n));
        let policy = RetryPolicy::default().max_elapsed(budget);
        keeps_to(policy.decide(attempts, elapsed, retry_after), elapsed, budget)?;
        let policy = RetryPolicy::default().rate_limited_budget(budget);
        let decision = policy.decide_rate_limited(retries, elapsed, retry_after);
        keeps_to(decision, elapsed, budget)?;
    }

    #[test]
    fn error_bodies_never_panic_and_come_out_clean(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let excerpt = body_excerpt(&body);
        prop_assert!(no_unsafe_chars(&excerpt), "{excerpt:?}");
        let _ = GlpErrorBody::parse(&body).map(|b| b.to_string());
        let _ = OAuthErrorBody::parse(&body);
    }

    #[test]
    fn glp_and_oauth_strings_are_escaped(message in "\\PC{0,40}[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}]\\PC{0,40}") {
        let body = serde_json::json!({
            "message": message, "errorCode": message, "debugId": message,
            "error": message, "error_description": message,
            "errorDetails": [{"type": "hpe.greenlake.metadata", "recommendedActions": [message]}],
        })
        .to_string();
        let glp = GlpErrorBody::parse(body.as_bytes()).unwrap();
        for s in [glp.message.clone().unwrap(), glp.error_code.clone().unwrap(), glp.debug_id.clone().unwrap()]
            .into_iter()
            .chain(glp.recommended_actions())
        {
            prop_assert!(no_unsafe_chars(&s), "{s:?}");
        }
        let oauth = OAuthErrorBody::parse(body.as_bytes()).unwrap();
        prop_assert!(no_unsafe_chars(&oauth.error));
        prop_assert!(no_unsafe_chars(oauth.error_description.as_deref().unwrap()));
    }

    #[test]
    fn escaping_leaves_no_control_character(text in any::<String>()) {
        prop_assert!(no_unsafe_chars(&escape_control(&text)));
        prop_assert!(no_unsafe_chars(&untrusted(&text)));
    }
}
