//! [`ReadAhead`]: the tenant listing read in a task of its own, a few hundred tenants ahead of
//! the jobs, so the next page arrives while the current one is worked through.

use futures::StreamExt;
use glp_transport::ApiError;
use tokio::sync::mpsc;

use crate::engine::{ListingError, join_error_text};
use crate::source::{SourceItem, TenantStream};

/// How many listed tenants may wait for a free slot: a little more than the largest page of
/// msp-tenants (300) or list-tenants (100), so the next page is fetched while the current one
/// is worked through.
pub(crate) const LISTING_READ_AHEAD: usize = 512;

/// The listing, read by its own task into a bounded channel; the task stops when this is
/// dropped. A task that panics or is stopped is reported as a listing error, never as the end
/// of the list.
pub(crate) struct ReadAhead {
    items: mpsc::Receiver<Result<SourceItem, ApiError>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ReadAhead {
    pub(crate) fn start(mut tenants: TenantStream) -> Self {
        let (tx, items) = mpsc::channel(LISTING_READ_AHEAD);
        let task = tokio::spawn(async move {
            while let Some(item) = tenants.next().await {
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    break;
                }
            }
        });
        Self {
            items,
            task: Some(task),
        }
    }

    /// The next entry; `None` only when the listing really ended.
    pub(crate) async fn next(&mut self) -> Option<Result<SourceItem, ListingError>> {
        if let Some(item) = self.items.recv().await {
            return Some(item.map_err(ListingError::Api));
        }
        // The channel closed: the task ended. Did it end well?
        let task = self.task.take()?;
        match task.await {
            Ok(()) => None,
            Err(e) => Some(Err(ListingError::TaskFailed(join_error_text(e)))),
        }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
