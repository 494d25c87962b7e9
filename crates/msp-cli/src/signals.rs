//! SIGINT and SIGTERM, each moving the run's stop one level up.

use msp_orchestrator::{Cancel, StopLevel};

/// SIGINT (Ctrl-C) and SIGTERM, installed at once (before the first network call). Each
/// signal of either kind moves the stop one level up.
pub(crate) struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    pub(crate) fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    pub(crate) fn install() -> std::io::Result<Self> {
        Ok(Self {})
    }

    /// The next signal's name, or `None` when no more can come.
    #[cfg(unix)]
    pub(crate) async fn next(&mut self) -> Option<&'static str> {
        tokio::select! {
            s = self.interrupt.recv() => s.map(|()| "interrupted"),
            s = self.terminate.recv() => s.map(|()| "terminated (SIGTERM)"),
        }
    }

    #[cfg(not(unix))]
    pub(crate) async fn next(&mut self) -> Option<&'static str> {
        tokio::signal::ctrl_c().await.ok().map(|()| "interrupted")
    }
}

pub(crate) async fn watch_signals(mut signals: Signals, cancel: Cancel) {
    while let Some(what) = signals.next().await {
        match cancel.escalate() {
            StopLevel::Drain => eprintln!(
                "\n{what}: no new tenants start; tenants in flight finish (Ctrl-C or SIGTERM again to stop them now)"
            ),
            _ => eprintln!("\n{what} again: stopping tenants in flight"),
        }
    }
}
