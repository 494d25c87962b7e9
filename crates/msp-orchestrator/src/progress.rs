//! [`Progress`]: live counters of a run, for a progress display.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Counters the engine updates as it goes; read them from another task to show progress.
#[derive(Debug, Default)]
pub struct Progress {
    listed: AtomicU64,
    ok: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
    records: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ProgressSnapshot {
    /// Tenants listed so far.
    pub listed: u64,
    /// Tenants completed.
    pub ok: u64,
    /// Tenants failed.
    pub failed: u64,
    /// Tenants skipped.
    pub skipped: u64,
    /// Records written.
    pub records: u64,
}

impl Progress {
    pub(crate) fn listed(&self) {
        self.listed.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn ok(&self) {
        self.ok.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn skipped(&self) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn record(&self) {
        self.records.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            listed: self.listed.load(Ordering::Relaxed),
            ok: self.ok.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            skipped: self.skipped.load(Ordering::Relaxed),
            records: self.records.load(Ordering::Relaxed),
        }
    }
}
