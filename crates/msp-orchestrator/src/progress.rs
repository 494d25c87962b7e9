//! [`Progress`]: live counters of a run, for a progress display.

use glp_core::Counter;
use serde::Serialize;

/// Counters the engine updates as it goes; read them from another task to show progress.
#[derive(Debug, Default)]
pub struct Progress {
    pub(crate) listed: Counter,
    pub(crate) ok: Counter,
    pub(crate) failed: Counter,
    pub(crate) skipped: Counter,
    pub(crate) records: Counter,
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
    /// The counters now.
    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            listed: self.listed.get(),
            ok: self.ok.get(),
            failed: self.failed.get(),
            skipped: self.skipped.get(),
            records: self.records.get(),
        }
    }
}
