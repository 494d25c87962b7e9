//! [`Cancel`]: a cheap, cloneable stop signal with two levels (stop new work; abort).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

/// How far a stop has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StopLevel {
    /// Keep going.
    Run,
    /// Start no new tenant; let tenants in flight finish (first Ctrl-C).
    Drain,
    /// Stop tenants in flight too (second Ctrl-C).
    Abort,
}

/// A stop signal shared by the caller and the engine.
#[derive(Debug, Clone)]
pub struct Cancel {
    tx: watch::Sender<StopLevel>,
    /// The stop came from a failed output (a full disk, a closed file), not from a signal.
    output: Arc<AtomicBool>,
}

impl Default for Cancel {
    fn default() -> Self {
        Self::new()
    }
}

impl Cancel {
    /// A signal at [`StopLevel::Run`].
    pub fn new() -> Self {
        Self {
            tx: watch::Sender::new(StopLevel::Run),
            output: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Stops everything because writing the output failed: tenants in flight are told so,
    /// not that a second interrupt stopped them.
    pub fn stop_for_output(&self) {
        self.output.store(true, Ordering::Relaxed);
        self.stop(StopLevel::Abort);
    }

    /// Whether the run was stopped by [`stop_for_output`](Self::stop_for_output).
    pub fn output_failed(&self) -> bool {
        self.output.load(Ordering::Relaxed)
    }

    /// Raises the level to at least `level`.
    pub fn stop(&self, level: StopLevel) {
        self.tx.send_if_modified(|current| {
            let raise = level > *current;
            if raise {
                *current = level;
            }
            raise
        });
    }

    /// Moves one level up (what each Ctrl-C does).
    pub fn escalate(&self) -> StopLevel {
        let next = match self.level() {
            StopLevel::Run => StopLevel::Drain,
            _ => StopLevel::Abort,
        };
        self.stop(next);
        next
    }

    /// The level now.
    pub fn level(&self) -> StopLevel {
        *self.tx.borrow()
    }

    /// Resolves once the level is at least `level`.
    pub async fn reached(&self, level: StopLevel) {
        let mut rx = self.tx.subscribe();
        let _ = rx.wait_for(|l| *l >= level).await;
    }
}
