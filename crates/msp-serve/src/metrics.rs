//! [`Metrics`]: the text of `/metrics`, from the inventory store and this process's runs.
//!
//! Names and labels follow Prometheus's conventions: the `glp_msp_` prefix, counters ending in
//! `_total` (appended by the encoder), times in seconds (`_seconds`, timestamps as seconds
//! since the Unix epoch), tenants as `tenant_id` and `tenant_name`. The text is OpenMetrics
//! (`prometheus-client`'s encoder, which escapes label values).

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};

use msp_orchestrator::msp_store::{RunId, Store, StoreError, is_alerts};
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use runs_sql::finished_runs;

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
/// those of this process (its runs by outcome, whether one is running).
pub struct Metrics {
    store: Mutex<Store>,
    cache: Mutex<Option<Cached>>,
    process: Registry,
    runs: Family<Labels, Counter>,
    running: Gauge,
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    /// The metrics of the store at `db` (opened, and created if need be, with a connection of
    /// their own).
    pub fn open(db: &Path) -> Result<Self, StoreError> {
        let store = Store::open(db)?;
        let mut process = Registry::default();
        let runs = Family::<Labels, Counter>::default();
        for outcome in [
            RunOutcome::Complete,
            RunOutcome::Partial,
            RunOutcome::Failed,
            RunOutcome::Interrupted,
        ] {
            let _ = runs.get_or_create(&vec![("outcome", outcome.as_str().to_owned())]);
        }
        process.register(
            "glp_msp_runs",
            "Runs this process made, by outcome (failed: no tenant could be collected)",
            runs.clone(),
        );
        let running = Gauge::default();
        process.register(
            "glp_msp_run_in_progress",
            "1 while this process is running a snapshot",
            running.clone(),
        );
        Ok(Self {
            store: Mutex::new(store),
            cache: Mutex::new(None),
            process,
            runs,
            running,
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

    /// Whether the store holds a finished run (what `/metrics` reports on).
    pub fn ready(&self) -> Result<bool, StoreError> {
        Ok(finished_runs(&lock(&self.store))?.is_some())
    }

    /// The text of `/metrics`. The store's part is computed again only when a run ended (or
    /// was pruned) since the last scrape; otherwise a scrape costs one indexed query. Blocking
    /// (SQLite): call it off the async threads.
    pub fn scrape(&self) -> Result<String, StoreError> {
        let store = lock(&self.store);
        let key = finished_runs(&store)?;
        let body = {
            let mut cache = lock(&self.cache);
            match (&*cache, key) {
                (Some(cached), Some(key)) if cached.key == key => cached.text.clone(),
                (_, Some(key)) => {
                    let text: Arc<str> = render_store(&store)?.into();
                    *cache = Some(Cached {
                        key,
                        text: text.clone(),
                    });
                    text
                }
                (_, None) => Arc::from(""),
            }
        };
        drop(store);
        let mut out = String::with_capacity(body.len() + 512);
        out.push_str(&body);
        // Writing into a String cannot fail.
        let _ = encode_registry(&mut out, &self.process);
        let _ = encode_eof(&mut out);
        Ok(out)
    }
}

/// Queries of the store that need its connection (runs' times as numbers).
mod runs_sql {
    use msp_orchestrator::msp_store::{RunId, Store, StoreError};

    /// The newest finished run's id and how many runs are finished, if any is.
    pub(super) fn finished_runs(store: &Store) -> Result<Option<(RunId, i64)>, StoreError> {
        let (id, n): (Option<RunId>, i64) = store
            .connection()
            .query_row(
                "SELECT max(id), count(*) FROM runs WHERE ended IS NOT NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(StoreError::from)?;
        Ok(id.map(|id| (id, n)))
    }

    /// The newest finished run (or, with `complete`, the newest complete one): its id, whether
    /// it completed, when it ended (seconds since the epoch) and how long it took.
    pub(super) fn newest_run(
        store: &Store,
        complete: bool,
    ) -> Result<Option<(RunId, bool, f64, f64)>, StoreError> {
        let sql = if complete {
            "SELECT id, status, (julianday(ended) - 2440587.5) * 86400.0,
                    (julianday(ended) - julianday(started)) * 86400.0
             FROM runs WHERE status = 'complete' ORDER BY id DESC LIMIT 1"
        } else {
            "SELECT id, status, (julianday(ended) - 2440587.5) * 86400.0,
                    (julianday(ended) - julianday(started)) * 86400.0
             FROM runs WHERE ended IS NOT NULL ORDER BY id DESC LIMIT 1"
        };
        let mut stmt = store.connection().prepare(sql).map_err(StoreError::from)?;
        let mut rows = stmt.query([]).map_err(StoreError::from)?;
        let Some(row) = rows.next().map_err(StoreError::from)? else {
            return Ok(None);
        };
        let status: String = row.get(1).map_err(StoreError::from)?;
        Ok(Some((
            row.get(0).map_err(StoreError::from)?,
            status == "complete",
            row.get::<_, Option<f64>>(2)
                .map_err(StoreError::from)?
                .unwrap_or(0.0),
            row.get::<_, Option<f64>>(3)
                .map_err(StoreError::from)?
                .unwrap_or(0.0)
                .max(0.0),
        )))
    }
}

/// Whether a stored device type is an access point (Central's `AP`, GreenLake's
/// `ACCESS_POINT`).
fn is_ap(device_type: &str) -> bool {
    ["AP", "ACCESS_POINT", "IAP"]
        .iter()
        .any(|t| device_type.trim().eq_ignore_ascii_case(t))
}

/// A tenant's labels: its id and name (redacted: a name is server text).
fn tenant(id: &str, name: &str) -> Labels {
    vec![
        ("tenant_id", id.to_owned()),
        ("tenant_name", glp_core::text::redact(name).into_owned()),
    ]
}

fn with(mut labels: Labels, more: &[(&'static str, &str)]) -> Labels {
    labels.extend(more.iter().map(|(k, v)| (*k, (*v).to_owned())));
    labels
}

/// The store's metrics (OpenMetrics text, without the closing `# EOF`): per tenant its devices
/// by resource, type and status, its access points down, its open alerts by severity (when
/// alerts are collected), when it was last collected whole and how many runs in a row it has
/// failed; and the newest run's and the newest complete run's end and duration. From the
/// latest data of each tenant, with one query per kind: no payload is parsed in Rust.
pub fn render_store(store: &Store) -> Result<String, StoreError> {
    let mut registry = Registry::default();
    let devices = Family::<Labels, Gauge>::default();
    registry.register(
        "glp_msp_devices",
        "Devices per tenant by resource, type and status, from the tenant's latest complete data",
        devices.clone(),
    );
    let aps_down = Family::<Labels, Gauge>::default();
    registry.register(
        "glp_msp_aps_down",
        "Access points whose status is offline or down, per tenant and resource",
        aps_down.clone(),
    );
    for row in store.status(None, None)? {
        let labels = tenant(&row.tenant_id, &row.tenant_name);
        let count = i64::try_from(row.count).unwrap_or(i64::MAX);
        devices
            .get_or_create(&with(
                labels.clone(),
                &[
                    ("resource", &row.resource),
                    ("device_type", &row.device_type),
                    ("status", &row.status),
                ],
            ))
            .inc_by(count);
        if is_ap(&row.device_type) {
            let down = aps_down.get_or_create(&with(labels, &[("resource", &row.resource)]));
            if row.is_offline() {
                down.inc_by(count);
            }
        }
    }
    let alerts = Family::<Labels, Gauge>::default();
    registry.register(
        "glp_msp_open_alerts",
        "Open (not cleared) alerts per tenant by severity, when alerts are collected",
        alerts.clone(),
    );
    for resource in store.resources()?.iter().filter(|r| is_alerts(r)) {
        for row in store.open_alerts(None, resource)? {
            let labels = tenant(&row.tenant_id, &row.tenant_name);
            alerts
                .get_or_create(&with(labels, &[("severity", &row.severity)]))
                .inc_by(i64::try_from(row.count).unwrap_or(i64::MAX));
        }
    }
    let last_success = Family::<Labels, Seconds>::default();
    registry.register(
        "glp_msp_tenant_last_success_timestamp_seconds",
        "When every resource of the tenant was last collected (Unix time)",
        last_success.clone(),
    );
    let failures = Family::<Labels, Gauge>::default();
    registry.register(
        "glp_msp_tenant_consecutive_failures",
        "Runs in a row, up to the newest, in which the tenant failed to collect",
        failures.clone(),
    );
    let health = store.tenant_health()?;
    let tenants: Gauge = Gauge::default();
    registry.register(
        "glp_msp_tenants",
        "Tenants the store holds",
        tenants.clone(),
    );
    tenants.set(i64::try_from(health.len()).unwrap_or(i64::MAX));
    for t in &health {
        let labels = tenant(&t.tenant_id, &t.tenant_name);
        if let Some(secs) = t
            .last_success
            .as_deref()
            .and_then(glp_core::date::parse_rfc3339)
        {
            last_success.get_or_create(&labels).set(secs as f64);
        }
        failures
            .get_or_create(&labels)
            .set(i64::try_from(t.consecutive_failures).unwrap_or(i64::MAX));
    }
    run_metrics(store, &mut registry)?;
    let mut out = String::new();
    let _ = encode_registry(&mut out, &registry);
    Ok(out)
}

/// The newest finished run's and the newest complete run's metrics.
fn run_metrics(store: &Store, registry: &mut Registry) -> Result<(), StoreError> {
    if let Some((id, complete, ended, took)) = runs_sql::newest_run(store, false)? {
        let gauge = |registry: &mut Registry, name: &str, help: &str, value: i64| {
            let g: Gauge = Gauge::default();
            g.set(value);
            registry.register(name, help, g);
        };
        let seconds = |registry: &mut Registry, name: &str, help: &str, value: f64| {
            let g: Seconds = Gauge::default();
            g.set(value);
            registry.register(name, help, g);
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
        if let Some((_, _, ended, took)) = runs_sql::newest_run(store, true)? {
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

#[cfg(test)]
mod tests;
