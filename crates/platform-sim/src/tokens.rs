//! Access tokens: issue, look up, expire and revoke.
//!
//! Tokens are JWT-shaped random strings (`header.payload.signature`, base64url) that carry no
//! meaning: clients must treat them as opaque. They are not cryptographically random (this is a
//! test tool). Every token ever issued is kept (for `issued_tokens` in the stats), unless the
//! configuration bounds how many are remembered (`SimConfig::remember_tokens`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// The MSP workspace (client credentials grant).
    Msp,
    /// One tenant workspace (token exchange), by tenant position.
    Tenant(u32),
}

/// The state of a presented token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Live.
    Valid(Subject),
    /// Past its lifetime.
    Expired,
    /// Issued before the revocation instant, which has passed.
    Revoked,
    /// Never issued here.
    Unknown,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    subject: Subject,
    issued: Instant,
    expires: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<Arc<str>, Entry>,
    order: VecDeque<Arc<str>>,
}

/// All tokens issued by the simulator.
#[derive(Debug)]
pub(crate) struct TokenStore {
    ttl: Duration,
    revoke_at: Option<Instant>,
    inner: RwLock<Inner>,
    /// `None`: token lifetimes run on the real clock. `Some((at, advanced))`: a test froze the
    /// token clock at `at` and has moved it on by `advanced` since (see [`TokenStore::now`]).
    frozen: Mutex<Option<(Instant, Duration)>>,
    /// How many tokens are remembered, the newest (`None`: every one).
    remember: Option<usize>,
    /// How long past its expiry a token is still accepted.
    leeway: Duration,
}

const JWT_HEADER: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9";

fn random_segment(words: usize) -> String {
    let bytes: Vec<u8> = (0..words)
        .flat_map(|_| fastrand::u64(..).to_le_bytes())
        .collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

impl TokenStore {
    /// A store whose tokens live `ttl`; if `revoke_at` is set, tokens issued before it die then.
    pub(crate) fn new(ttl: Duration, revoke_at: Option<Instant>) -> Self {
        TokenStore {
            ttl,
            revoke_at,
            inner: RwLock::new(Inner::default()),
            frozen: Mutex::new(None),
            remember: None,
            leeway: Duration::ZERO,
        }
    }

    /// The same store accepting a token up to `leeway` past its expiry.
    pub(crate) fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The same store remembering only the newest `remember` tokens (`None`: every one).
    pub(crate) fn remembering(mut self, remember: Option<usize>) -> Self {
        self.remember = remember;
        self
    }

    /// The instant token lifetimes are measured at: the real clock, unless a test froze it.
    pub(crate) fn now(&self) -> Instant {
        match *self.frozen.lock().unwrap_or_else(PoisonError::into_inner) {
            Some((at, advanced)) => at + advanced,
            None => Instant::now(),
        }
    }

    /// Test hook: stops the token clock where it is; it then moves only by
    /// [`advance`](Self::advance).
    pub(crate) fn freeze(&self) {
        let mut frozen = self.frozen.lock().unwrap_or_else(PoisonError::into_inner);
        if frozen.is_none() {
            *frozen = Some((Instant::now(), Duration::ZERO));
        }
    }

    /// Test hook: moves a frozen token clock forward by `by` (freezing it first if need be).
    pub(crate) fn advance(&self, by: Duration) {
        let mut frozen = self.frozen.lock().unwrap_or_else(PoisonError::into_inner);
        let (at, advanced) = frozen.get_or_insert_with(|| (Instant::now(), Duration::ZERO));
        *frozen = Some((*at, *advanced + by));
    }

    /// Token lifetime.
    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues a new token for `subject`.
    pub(crate) fn issue(&self, subject: Subject) -> String {
        let now = self.now();
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        loop {
            let token = format!("{JWT_HEADER}.{}.{}", random_segment(6), random_segment(4));
            if inner.map.contains_key(token.as_str()) {
                continue;
            }
            let key: Arc<str> = Arc::from(token.as_str());
            inner.map.insert(
                key.clone(),
                Entry {
                    subject,
                    issued: now,
                    expires: now + self.ttl,
                },
            );
            inner.order.push_back(key);
            if let Some(max) = self.remember {
                while inner.order.len() > max.max(1) {
                    if let Some(old) = inner.order.pop_front() {
                        inner.map.remove(&old);
                    }
                }
            }
            return token;
        }
    }

    /// The state of `token` at `now`.
    pub(crate) fn check(&self, token: &str, now: Instant) -> Check {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let Some(e) = inner.map.get(token) else {
            return Check::Unknown;
        };
        if let Some(at) = self.revoke_at
            && e.issued < at
            && now >= at
        {
            return Check::Revoked;
        }
        if now >= e.expires + self.leeway {
            return Check::Expired;
        }
        Check::Valid(e.subject)
    }

    /// Whether the revocation event has happened by `now`.
    pub(crate) fn revoked(&self, now: Instant) -> bool {
        self.revoke_at.is_some_and(|at| now >= at)
    }

    /// Every token issued, oldest first.
    pub(crate) fn issued(&self) -> Vec<String> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner.order.iter().map(|t| t.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_and_revocation() {
        let start = Instant::now();
        let store = TokenStore::new(
            Duration::from_secs(10),
            Some(start + Duration::from_secs(5)),
        );
        let t = store.issue(Subject::Msp);
        assert_eq!(store.check(&t, start), Check::Valid(Subject::Msp));
        assert_eq!(
            store.check(&t, start + Duration::from_secs(6)),
            Check::Revoked
        );
        assert_eq!(store.check("nope", start), Check::Unknown);
        let store = TokenStore::new(Duration::from_secs(1), None);
        let t = store.issue(Subject::Tenant(3));
        assert_eq!(
            store.check(&t, Instant::now() + Duration::from_secs(2)),
            Check::Expired
        );
        assert_eq!(store.issued(), vec![t]);
    }

    #[test]
    fn a_token_is_accepted_for_the_leeway_past_its_expiry_and_refused_after() {
        let store =
            TokenStore::new(Duration::from_secs(2), None).with_leeway(Duration::from_secs(1));
        store.freeze();
        let t = store.issue(Subject::Msp);
        store.advance(Duration::from_millis(2_500));
        assert_eq!(store.check(&t, store.now()), Check::Valid(Subject::Msp));
        store.advance(Duration::from_millis(500));
        assert_eq!(store.check(&t, store.now()), Check::Expired);
    }

    #[test]
    fn a_bounded_store_forgets_its_oldest_tokens() {
        let store = TokenStore::new(Duration::from_secs(60), None).remembering(Some(2));
        let now = Instant::now();
        let first = store.issue(Subject::Msp);
        let second = store.issue(Subject::Tenant(1));
        let third = store.issue(Subject::Tenant(2));
        assert_eq!(store.check(&first, now), Check::Unknown);
        assert_eq!(store.check(&second, now), Check::Valid(Subject::Tenant(1)));
        assert_eq!(store.check(&third, now), Check::Valid(Subject::Tenant(2)));
        assert_eq!(store.issued(), vec![second, third]);
    }

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let store = TokenStore::new(Duration::from_secs(2), None);
        store.freeze();
        let t = store.issue(Subject::Msp);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(store.check(&t, store.now()), Check::Valid(Subject::Msp));
        store.advance(Duration::from_millis(1999));
        assert_eq!(store.check(&t, store.now()), Check::Valid(Subject::Msp));
        store.advance(Duration::from_millis(1));
        assert_eq!(store.check(&t, store.now()), Check::Expired);
    }
}
