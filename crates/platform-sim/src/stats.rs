//! Live statistics, served at `GET /_sim/stats` and by [`Simulator::stats`](crate::Simulator::stats).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// A snapshot of what the simulator has served so far.
///
/// Endpoint keys in [`Stats::requests`]: `token`, `msp-tenants`, `list-tenants`,
/// `device-inventory`, `aps`, `switches`, `gateways`, `clients`, `sites`, `devices`, and `other`
/// (unknown paths). Status keys are the decimal code (`"200"`) or `"dropped"`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Milliseconds since the simulator started.
    pub uptime_ms: u64,
    /// API requests served (everything except `/_sim`).
    pub total_requests: u64,
    /// Requests by endpoint, then by status.
    pub requests: BTreeMap<String, BTreeMap<String, u64>>,
    /// Successful client-credentials grants (MSP tokens issued).
    pub client_credentials_grants: u64,
    /// Successful token exchanges (tenant tokens issued).
    pub token_exchanges: u64,
    /// Successful token exchanges per tenant, keyed by hyphenated workspace id.
    pub exchanges_per_tenant: BTreeMap<String, u64>,
    /// 429 responses served.
    pub rate_limited: u64,
    /// 401 responses served (token endpoint and APIs).
    pub unauthorized: u64,
    /// 403 responses served.
    pub forbidden: u64,
    /// Token exchanges rejected because the workspace id in the URL had hyphens.
    pub hyphen_rejections: u64,
    /// Requests that arrived before a `Retry-After` deadline announced on the same API.
    pub early_requests: u64,
    /// Injected 500/502/503 responses.
    pub injected_failures: u64,
    /// Connections dropped on purpose.
    pub dropped_connections: u64,
    /// 200 responses sent with a truncated body.
    pub malformed_bodies: u64,
    /// Writes that took effect and were then answered with a 500 or a dropped connection
    /// ([`SimConfig::write_fault_after_apply`](crate::SimConfig::write_fault_after_apply)).
    pub failed_after_apply: u64,
    /// Whether the revocation event (`revoke_after`) has happened.
    pub revoked: bool,
    /// API requests being handled right now.
    pub in_flight: u64,
    /// Most API requests ever handled at once.
    pub max_in_flight: u64,
    /// Every access token issued, oldest first (to grep client output for leaks).
    pub issued_tokens: Vec<String>,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A response with this status.
    Status(u16),
    /// The connection was dropped.
    Dropped,
}

#[derive(Debug, Default)]
struct Inner {
    /// Endpoint -> status code ([`DROPPED`] for a dropped connection) -> count.
    requests: BTreeMap<&'static str, BTreeMap<u16, u64>>,
    exchanges_per_tenant: BTreeMap<String, u64>,
}

/// The pseudo status code of a dropped connection.
const DROPPED: u16 = 0;

/// The live counters.
#[derive(Debug)]
pub(crate) struct Collector {
    started: Instant,
    total: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    grants: AtomicU64,
    exchanges: AtomicU64,
    rate_limited: AtomicU64,
    unauthorized: AtomicU64,
    forbidden: AtomicU64,
    hyphen_rejections: AtomicU64,
    early: AtomicU64,
    failures: AtomicU64,
    drops: AtomicU64,
    malformed: AtomicU64,
    after_apply: AtomicU64,
    inner: Mutex<Inner>,
}

/// Decrements the in-flight gauge when dropped.
pub(crate) struct InFlight<'a>(&'a Collector);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

impl Collector {
    pub(crate) fn new(started: Instant) -> Self {
        let z = || AtomicU64::new(0);
        Collector {
            started,
            total: z(),
            in_flight: z(),
            max_in_flight: z(),
            grants: z(),
            exchanges: z(),
            rate_limited: z(),
            unauthorized: z(),
            forbidden: z(),
            hyphen_rejections: z(),
            early: z(),
            failures: z(),
            drops: z(),
            malformed: z(),
            after_apply: z(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Counts a request in flight until the guard drops.
    pub(crate) fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Relaxed);
        InFlight(self)
    }

    /// Records how a request to `endpoint` ended.
    pub(crate) fn record(&self, endpoint: &'static str, outcome: Outcome) {
        self.total.fetch_add(1, Relaxed);
        let code = match outcome {
            Outcome::Status(s) => {
                match s {
                    401 => self.unauthorized.fetch_add(1, Relaxed),
                    403 => self.forbidden.fetch_add(1, Relaxed),
                    429 => self.rate_limited.fetch_add(1, Relaxed),
                    _ => 0,
                };
                s
            }
            Outcome::Dropped => {
                self.drops.fetch_add(1, Relaxed);
                DROPPED
            }
        };
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        *inner
            .requests
            .entry(endpoint)
            .or_default()
            .entry(code)
            .or_default() += 1;
    }

    pub(crate) fn grant(&self) {
        self.grants.fetch_add(1, Relaxed);
    }

    pub(crate) fn exchange(&self, workspace: String) {
        self.exchanges.fetch_add(1, Relaxed);
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        *inner.exchanges_per_tenant.entry(workspace).or_default() += 1;
    }

    pub(crate) fn hyphen_rejection(&self) {
        self.hyphen_rejections.fetch_add(1, Relaxed);
    }

    pub(crate) fn early_request(&self) {
        self.early.fetch_add(1, Relaxed);
    }

    pub(crate) fn injected_failure(&self) {
        self.failures.fetch_add(1, Relaxed);
    }

    pub(crate) fn failed_after_apply(&self) {
        self.after_apply.fetch_add(1, Relaxed);
    }

    pub(crate) fn malformed_body(&self) {
        self.malformed.fetch_add(1, Relaxed);
    }

    /// A snapshot.
    pub(crate) fn snapshot(&self, issued_tokens: Vec<String>, revoked: bool) -> Stats {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let requests = inner
            .requests
            .iter()
            .map(|(ep, by)| {
                let by = by
                    .iter()
                    .map(|(&c, &n)| {
                        let k = if c == DROPPED {
                            "dropped".to_string()
                        } else {
                            c.to_string()
                        };
                        (k, n)
                    })
                    .collect();
                ((*ep).to_string(), by)
            })
            .collect();
        Stats {
            uptime_ms: self.started.elapsed().as_millis() as u64,
            total_requests: self.total.load(Relaxed),
            requests,
            client_credentials_grants: self.grants.load(Relaxed),
            token_exchanges: self.exchanges.load(Relaxed),
            exchanges_per_tenant: inner.exchanges_per_tenant.clone(),
            rate_limited: self.rate_limited.load(Relaxed),
            unauthorized: self.unauthorized.load(Relaxed),
            forbidden: self.forbidden.load(Relaxed),
            hyphen_rejections: self.hyphen_rejections.load(Relaxed),
            early_requests: self.early.load(Relaxed),
            injected_failures: self.failures.load(Relaxed),
            dropped_connections: self.drops.load(Relaxed),
            malformed_bodies: self.malformed.load(Relaxed),
            failed_after_apply: self.after_apply.load(Relaxed),
            revoked,
            in_flight: self.in_flight.load(Relaxed),
            max_in_flight: self.max_in_flight.load(Relaxed),
            issued_tokens,
        }
    }
}
