//! The runs' metrics: the newest finished run's and the newest complete run's end and
//! duration, and what the runs sent to each API host.

use msp_orchestrator::msp_store::{RunId, Store, StoreError};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use super::{Labels, Seconds, registered};
use std::sync::atomic::AtomicU64;

/// The newest finished run's id and how many runs are finished, if any is.
pub(crate) fn finished_runs(store: &Store) -> Result<Option<(RunId, i64)>, StoreError> {
    store.finished_runs()
}

/// The newest finished run (or, with `complete`, the newest complete one): its id, whether
/// it completed, when it ended (seconds since the epoch) and how long it took.
pub(crate) fn newest_run(
    store: &Store,
    complete: bool,
) -> Result<Option<(RunId, bool, f64, f64)>, StoreError> {
    Ok(store
        .newest_finished_run(complete)?
        .map(|r| (r.id, r.complete, r.ended, r.seconds)))
}

/// The newest finished run's and the newest complete run's metrics.
pub(super) fn run_metrics(store: &Store, registry: &mut Registry) -> Result<(), StoreError> {
    if let Some((id, complete, ended, took)) = newest_run(store, false)? {
        let gauge = |registry: &mut Registry, name: &str, help: &str, value: i64| {
            registered::<Gauge>(registry, name, help).set(value);
        };
        let seconds = |registry: &mut Registry, name: &str, help: &str, value: f64| {
            registered::<Seconds>(registry, name, help).set(value);
        };
        gauge(
            registry,
            "glp_msp_last_run_id",
            "The newest finished run",
            id,
        );
        gauge(
            registry,
            "glp_msp_last_run_complete",
            "1 when the newest finished run completed every tenant, else 0",
            i64::from(complete),
        );
        seconds(
            registry,
            "glp_msp_last_run_end_timestamp_seconds",
            "When the newest finished run ended (Unix time)",
            ended,
        );
        seconds(
            registry,
            "glp_msp_last_run_duration_seconds",
            "How long the newest finished run took",
            took,
        );
        host_gauges(store, registry, id)?;
        if let Some((_, _, ended, took)) = newest_run(store, true)? {
            seconds(
                registry,
                "glp_msp_last_success_timestamp_seconds",
                "When the newest complete run (every tenant collected) ended (Unix time)",
                ended,
            );
            seconds(
                registry,
                "glp_msp_last_success_duration_seconds",
                "How long the newest complete run took",
                took,
            );
        }
    }
    Ok(())
}

/// A host and family's labels.
fn host_labels(host: &str, family: &str) -> Labels {
    vec![("host", host.to_owned()), ("family", family.to_owned())]
}

/// What run `run` sent to each API host and family: requests, 429s and the rate learned.
fn host_gauges(store: &Store, registry: &mut Registry, run: RunId) -> Result<(), StoreError> {
    let requests: Family<Labels, Gauge> = registered(
        registry,
        "glp_msp_api_last_run_requests",
        "Requests the newest finished run sent, per API host and family (every attempt)",
    );
    let rate_limited: Family<Labels, Gauge> = registered(
        registry,
        "glp_msp_api_last_run_rate_limited",
        "429 answers the newest finished run got, per API host and family",
    );
    let learned: Family<Labels, Gauge<f64, AtomicU64>> = registered(
        registry,
        "glp_msp_api_learned_rate_per_second",
        "The request rate the newest finished run learned from 429s, per API host and family",
    );
    for (_, h) in store
        .hosts_since(Some(run - 1))?
        .into_iter()
        .filter(|(r, _)| *r == run)
    {
        let labels = host_labels(&h.host, &h.family);
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        requests.get_or_create(&labels).set(n(h.requests));
        rate_limited.get_or_create(&labels).set(n(h.rate_limited));
        if let Some(rate) = h.learned_rate {
            learned.get_or_create(&labels).set(rate);
        }
    }
    Ok(())
}

/// The counters of requests and 429s per API host and family, over the runs that finished
/// since this process started.
pub(super) struct HostCounters {
    requests: Family<Labels, Counter>,
    rate_limited: Family<Labels, Counter>,
    /// The newest run counted.
    counted: Option<RunId>,
}

impl HostCounters {
    /// Counters from zero, registered in `registry`, counting the runs after those `store`
    /// holds now.
    pub(super) fn new(store: &Store, registry: &mut Registry) -> Result<Self, StoreError> {
        let requests = registered(
            registry,
            "glp_msp_api_requests",
            "Requests sent per API host and family by the runs that finished since this process \
             started (every attempt)",
        );
        let rate_limited = registered(
            registry,
            "glp_msp_api_rate_limited",
            "429 answers per API host and family to the runs that finished since this process \
             started",
        );
        Ok(Self {
            requests,
            rate_limited,
            counted: finished_runs(store)?.map(|(id, _)| id),
        })
    }

    /// Adds the runs up to `newest` (the newest finished run) not counted yet.
    pub(super) fn count(&mut self, store: &Store, newest: RunId) -> Result<(), StoreError> {
        for (run, h) in store.hosts_since(self.counted)? {
            if run > newest {
                break;
            }
            let labels = host_labels(&h.host, &h.family);
            self.requests.get_or_create(&labels).inc_by(h.requests);
            self.rate_limited
                .get_or_create(&labels)
                .inc_by(h.rate_limited);
        }
        self.counted = Some(newest.max(self.counted.unwrap_or(0)));
        Ok(())
    }
}
