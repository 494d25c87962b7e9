//! [`Metrics`]: the text of `/metrics`, from the inventory store and this process's runs.
//!
//! Names and labels follow Prometheus's conventions: the `glp_msp_` prefix, counters ending in
//! `_total` (appended by the encoder), times in seconds (`_seconds`, timestamps as seconds
//! since the Unix epoch), tenants as `tenant_id` and `tenant_name`. The text is OpenMetrics
//! (`prometheus-client`'s encoder, which escapes label values).

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};

use msp_orchestrator::msp_store::{RunId, Store, StoreError, StoreLocation};
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
pub(crate) use runs::finished_runs;

/// The content type of `/metrics`.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A metric's labels.
type Labels = Vec<(&'static str, String)>;
/// A gauge of seconds (a time or a duration).
type Seconds = Gauge<f64, AtomicU64>;

/// How one run of `serve` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every tenant x resource completed.
    Complete,
    /// The run ended with some tenants failed or skipped.
    Partial,
    /// The run failed before or while collecting (no credential, no store, HPE unreachable).
    Failed,
    /// A signal stopped it.
    Interrupted,
}

impl RunOutcome {
    /// The `outcome` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Partial => "partial",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }
}

/// The metrics of `serve`: those of the store, computed once per finished run and kept, and
/// those of this process (its runs by outcome, whether one is running, the requests and 429s
/// per API host of the runs that finished since it started).
pub struct Metrics {
    store: Mutex<Store>,
    cache: Mutex<Option<Cached>>,
    process: Registry,
    runs: Family<Labels, Counter>,
    running: Gauge,
    notifications: Family<Labels, Counter>,
    hosts: Mutex<runs::HostCounters>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

struct Cached {
    /// The newest finished run and how many runs are finished: the store's metrics change
    /// when either does (a run ended, or `prune` deleted some).
    key: (RunId, i64),
    text: Arc<str>,
}

/// A new metric of `M`'s kind (a gauge, a counter or a family of them) registered as `name`
/// with `help`; the handle returned updates what the registry encodes.
fn registered<M>(registry: &mut Registry, name: &str, help: &str) -> M
where
    M: prometheus_client::registry::Metric + Clone + Default,
{
    let metric = M::default();
    registry.register(name, help, metric.clone());
    metric
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    /// The metrics of the store at `db` (a SQLite file or a PostgreSQL URL; opened, and
    /// created if need be, with a connection of their own).
    pub fn open(db: impl Into<StoreLocation>) -> Result<Self, StoreError> {
        let store = Store::open(db)?;
        let mut process = Registry::default();
        let runs: Family<Labels, Counter> = registered(
            &mut process,
            "glp_msp_runs",
            "Runs this process made, by outcome (failed: no tenant could be collected)",
        );
        for outcome in [
            RunOutcome::Complete,
            RunOutcome::Partial,
            RunOutcome::Failed,
            RunOutcome::Interrupted,
        ] {
            let _ = runs.get_or_create(&vec![("outcome", outcome.as_str().to_owned())]);
        }
        let running: Gauge = registered(
            &mut process,
            "glp_msp_run_in_progress",
            "1 while this process is running a snapshot",
        );
        let notifications: Family<Labels, Counter> = registered(
            &mut process,
            "glp_msp_notifications",
            "Events this process sent to webhooks (once per webhook), or failed to send",
        );
        for outcome in ["sent", "failed"] {
            let _ = notifications.get_or_create(&vec![("outcome", outcome.to_owned())]);
        }
        let hosts = runs::HostCounters::new(&store, &mut process)?;
        Ok(Self {
            hosts: Mutex::new(hosts),
            store: Mutex::new(store),
            cache: Mutex::new(None),
            process,
            runs,
            running,
            notifications,
        })
    }

    /// Notes that a run started.
    pub fn run_started(&self) {
        self.running.set(1);
    }

    /// Notes how a run ended.
    pub fn run_ended(&self, outcome: RunOutcome) {
        self.running.set(0);
        self.runs
            .get_or_create(&vec![("outcome", outcome.as_str().to_owned())])
            .inc();
    }

    /// Notes events sent to webhooks and events that could not be.
    pub fn notified(&self, sent: usize, failed: usize) {
        for (outcome, n) in [("sent", sent), ("failed", failed)] {
            self.notifications
                .get_or_create(&vec![("outcome", outcome.to_owned())])
                .inc_by(n as u64);
        }
    }

    /// Whether the store holds a finished run (what `/metrics` reports on).
    pub fn ready(&self) -> Result<bool, StoreError> {
        Ok(finished_runs(&lock(&self.store))?.is_some())
    }

    /// Computes the store's part now if a run ended (or was pruned) since it was last
    /// computed, so that the next scrape does not wait for it (`serve` calls it after each run).
    /// Blocking (SQLite).
    pub fn refresh(&self) -> Result<(), StoreError> {
        self.store_part().map(drop)
    }

    /// The store's part of the text, from the cache when no run ended since.
    fn store_part(&self) -> Result<Arc<str>, StoreError> {
        let store = lock(&self.store);
        let key = finished_runs(&store)?;
        let mut cache = lock(&self.cache);
        Ok(match (&*cache, key) {
            (Some(cached), Some(key)) if cached.key == key => cached.text.clone(),
            (_, Some(key)) => {
                lock(&self.hosts).count(&store, key.0)?;
                let text: Arc<str> = render_store(&store)?.into();
                *cache = Some(Cached {
                    key,
                    text: text.clone(),
                });
                text
            }
            (_, None) => Arc::from(""),
        })
    }

    /// The text of `/metrics`. The store's part is computed again only when a run ended (or
    /// was pruned) since the last scrape (or [`refresh`](Self::refresh)); otherwise a scrape
    /// costs one indexed query. Blocking (SQLite): call it off the async threads.
    pub fn scrape(&self) -> Result<String, StoreError> {
        let body = self.store_part()?;
        let mut out = String::with_capacity(body.len() + 512);
        out.push_str(&body);
        // Writing into a String cannot fail.
        let _ = encode_registry(&mut out, &self.process);
        let _ = encode_eof(&mut out);
        Ok(out)
    }
}

mod runs;
mod tenants;

pub use tenants::render_store;

#[cfg(test)]
mod tests;
