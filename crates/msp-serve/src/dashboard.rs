//! [`Dashboard`]: the HTML pages of `serve` (`/`, `/tenants/{id}`, `/runs`, `/search?q=`),
//! rendered on the server from the store alone (so they work while HPE is down), with no
//! script: maud escapes every interpolated text, and the response forbids scripts (CSP).

use std::collections::BTreeMap;

use std::sync::{Mutex, MutexGuard};

use msp_orchestrator::msp_store::{
    AlertRow, Change, DeviceRow, DiffOptions, RunId, RunSummary, Store, StoreError, StoreLocation,
    is_alerts,
};

mod pages;

/// The longest search text read (a serial, a MAC or part of a name).
pub(crate) const MAX_QUERY_CHARS: usize = 200;

/// How many runs back a tenant page looks for changes.
const CHANGE_RUNS: usize = 3;

/// The most changes a tenant page lists (the newest first).
const MAX_CHANGES: usize = 200;

/// The most devices the search page lists.
const MAX_FOUND: usize = 500;

/// The dashboard's pages, read from the store with a connection of their own. Blocking
/// (SQLite): call its methods off the async threads.
pub struct Dashboard {
    store: Mutex<Store>,
    /// The overview's HTML and the finished runs it was computed from (as `/metrics` keeps
    /// its text): computed again only when a run ended or was pruned.
    overview: Mutex<Option<((RunId, i64), String)>>,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard").finish_non_exhaustive()
    }
}

/// One tenant on the overview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TenantLine {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `ok`, `failed` or `skipped` in its newest run.
    pub(crate) outcome: &'static str,
    pub(crate) failures: u64,
    pub(crate) last_success: Option<String>,
    /// How long the collection of `last_success` took, in milliseconds, when known.
    pub(crate) last_success_ms: Option<u64>,
    pub(crate) error: Option<String>,
    pub(crate) devices: u64,
    pub(crate) down: u64,
    pub(crate) critical: u64,
    pub(crate) open_alerts: u64,
}

impl TenantLine {
    /// Whether its newest run failed it (or it has failed runs in a row).
    pub(crate) fn failing(&self) -> bool {
        self.outcome == "failed" || self.failures > 0
    }
}

/// One tenant's page.
#[derive(Debug, Clone)]
pub(crate) struct TenantPage {
    pub(crate) line: TenantLine,
    pub(crate) devices: Vec<DeviceRow>,
    pub(crate) alerts: Vec<AlertRow>,
    /// Each compared pair of runs (older, newer) with its changes, the newest pair first.
    pub(crate) changes: Vec<(RunId, RunId, Vec<Change>)>,
    pub(crate) changes_cut: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Dashboard {
    /// The dashboard of the store at `db` (a SQLite file or a PostgreSQL URL; opened, and
    /// created if need be).
    pub fn open(db: impl Into<StoreLocation>) -> Result<Self, StoreError> {
        Ok(Self {
            store: Mutex::new(Store::open(db)?),
            overview: Mutex::new(None),
        })
    }

    /// The HTML of the overview (`/`): every tenant, worst first. Computed when a run has
    /// finished (or been pruned) since the last time, as `/metrics` is; otherwise kept.
    pub fn overview_html(&self) -> Result<String, StoreError> {
        let store = lock(&self.store);
        let key = crate::metrics::finished_runs(&store)?;
        let mut cache = lock(&self.overview);
        if let (Some((cached, html)), Some(key)) = (&*cache, key)
            && *cached == key
        {
            return Ok(html.clone());
        }
        let html = pages::overview(&overview(&store)?);
        if let Some(key) = key {
            *cache = Some((key, html.clone()));
        }
        Ok(html)
    }

    /// The HTML of the runs (`/runs`), newest first.
    pub fn runs_html(&self) -> Result<String, StoreError> {
        let mut runs: Vec<RunSummary> = lock(&self.store).runs()?;
        runs.reverse();
        Ok(pages::runs(&runs))
    }

    /// The HTML of one tenant's page, `None` when the store holds no tenant with id `id`.
    pub fn tenant_html(&self, id: &str) -> Result<Option<String>, StoreError> {
        let store = lock(&self.store);
        let Some(line) = overview(&store)?.into_iter().find(|l| l.id == id) else {
            return Ok(None);
        };
        let mut devices = store.devices(Some(id))?;
        devices.retain(|d| d.tenant_id == id);
        let mut alerts = Vec::new();
        for resource in store.resources()?.iter().filter(|r| is_alerts(r)) {
            alerts.extend(
                store
                    .open_alerts(Some(id), resource)?
                    .into_iter()
                    .filter(|a| a.tenant_id == id),
            );
        }
        let finished: Vec<RunId> = store
            .runs()?
            .iter()
            .filter(|r| r.ended.is_some())
            .map(|r| r.id)
            .collect();
        let options = DiffOptions {
            tenant: Some(id.to_owned()),
            ..DiffOptions::default()
        };
        let mut changes = Vec::new();
        let mut shown = 0;
        let mut changes_cut = false;
        for pair in finished.windows(2).rev().take(CHANGE_RUNS) {
            let (a, b) = (pair[0], pair[1]);
            let mut diff = store.diff(a, b, &options)?.changes;
            diff.retain(|c| c.tenant_id == id);
            if shown + diff.len() > MAX_CHANGES {
                diff.truncate(MAX_CHANGES - shown);
                changes_cut = true;
            }
            shown += diff.len();
            changes.push((a, b, diff));
        }
        Ok(Some(pages::tenant(&TenantPage {
            line,
            devices,
            alerts,
            changes,
            changes_cut,
        })))
    }

    /// The HTML of the search page for `q` (serial, MAC in any form, or part of a name); the
    /// form alone when `q` is empty.
    pub fn search_html(&self, q: &str) -> Result<String, StoreError> {
        let q: String = q.trim().chars().take(MAX_QUERY_CHARS).collect();
        if q.is_empty() {
            return Ok(pages::search_page(&q, None, false));
        }
        let mut found = lock(&self.store).find_devices(&q)?;
        let cut = found.len() > MAX_FOUND;
        found.truncate(MAX_FOUND);
        Ok(pages::search_page(&q, Some(&found), cut))
    }
}

/// Every tenant of the store with its newest outcome, devices (down) and open alerts; worst
/// first: failing tenants, then the most devices down, the most critical alerts, by name.
/// Four queries, each item's JSON read once ([`Store::latest_counts`]): the first request
/// after a run at 5,000 tenants stays well under the 200 ms target.
pub(crate) fn overview(store: &Store) -> Result<Vec<TenantLine>, StoreError> {
    let mut lines: BTreeMap<String, TenantLine> = BTreeMap::new();
    for h in store.tenant_health()? {
        lines.insert(
            h.tenant_id.clone(),
            TenantLine {
                id: h.tenant_id,
                name: h.tenant_name,
                outcome: "ok",
                failures: h.consecutive_failures,
                last_success: h.last_success,
                last_success_ms: h.last_success_ms,
                ..TenantLine::default()
            },
        );
    }
    for o in store.tenant_outcomes()? {
        if let Some(line) = lines.get_mut(&o.tenant_id) {
            line.outcome = o.outcome();
            line.error = o.error;
        }
    }
    for c in store.latest_counts()? {
        if let Some(line) = lines.get_mut(&c.tenant_id) {
            line.devices = c.devices;
            line.down = c.down;
            line.open_alerts = c.open_alerts;
            line.critical = c.critical;
        }
    }
    let mut lines: Vec<TenantLine> = lines.into_values().collect();
    lines.sort_by(|a, b| {
        b.failing()
            .cmp(&a.failing())
            .then_with(|| b.down.cmp(&a.down))
            .then_with(|| b.critical.cmp(&a.critical))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(lines)
}

#[cfg(test)]
mod tests;
