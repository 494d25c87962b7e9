//! The WAL checkpoints on a thread of their own.

use std::path::Path;

use rusqlite::Connection;

use crate::StoreError;

/// Checkpoints the WAL (copies committed pages into the main file and syncs it) on its own
/// thread and connection, woken after each commit: the writer never waits for a checkpoint's
/// disk syncs (SQLite's default runs them inside the commit that crosses 1,000 pages).
#[derive(Debug)]
pub(crate) struct Checkpointer {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// `None` when the thread cannot start (the commits then checkpoint as usual).
    pub(crate) fn start(path: &Path) -> Result<Option<Self>, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    // PASSIVE: copies what it can without waiting for the writer or readers;
                    // what is left waits for the next wake, or the last connection's close.
                    let _ = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
                }
            });
        Ok(thread.ok().map(|thread| Self {
            wake: Some(wake),
            thread: Some(thread),
        }))
    }

    pub(crate) fn wake(&self) {
        if let Some(wake) = &self.wake {
            // One wake pending is enough.
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
