//! [`Tally`]: counts of requests, retries and rate limits, for reports.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Counters a client adds to as it works. Share one per tenant (see
/// [`ApiClient::with_tally`](crate::ApiClient::with_tally)) to report per-tenant figures.
#[derive(Debug, Default)]
pub struct Tally {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    token_refreshes: AtomicU64,
}

/// A copy of a [`Tally`]'s counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TallySnapshot {
    /// HTTP requests sent (every attempt counts).
    pub requests: u64,
    /// Attempts that were retries of a transient failure.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Tokens dropped and fetched again after a 401.
    pub token_refreshes: u64,
}

impl Tally {
    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn token_refresh(&self) {
        self.token_refreshes.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> TallySnapshot {
        TallySnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            token_refreshes: self.token_refreshes.load(Ordering::Relaxed),
        }
    }
}

impl std::ops::Add for TallySnapshot {
    type Output = TallySnapshot;
    fn add(self, o: TallySnapshot) -> TallySnapshot {
        TallySnapshot {
            requests: self.requests + o.requests,
            retries: self.retries + o.retries,
            rate_limited: self.rate_limited + o.rate_limited,
            token_refreshes: self.token_refreshes + o.token_refreshes,
        }
    }
}
