//! [`Tally`]: counts of requests, retries and rate limits, for reports.

use glp_core::Counter;
use serde::Serialize;

/// Counters a client adds to as it works. Share one per tenant (see
/// [`ApiClient::with_tally`](crate::ApiClient::with_tally)) to report per-tenant figures.
#[derive(Debug, Default)]
pub struct Tally {
    pub(crate) requests: Counter,
    pub(crate) retries: Counter,
    pub(crate) rate_limited: Counter,
    pub(crate) token_refreshes: Counter,
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
    /// The counters now.
    pub fn snapshot(&self) -> TallySnapshot {
        TallySnapshot {
            requests: self.requests.get(),
            retries: self.retries.get(),
            rate_limited: self.rate_limited.get(),
            token_refreshes: self.token_refreshes.get(),
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
