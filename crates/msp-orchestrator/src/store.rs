//! [`StoreSink`]: records into the inventory store ([`msp_store`]), each tenant x resource
//! atomically once it completes.

use std::collections::HashSet;

use msp_store::{Entry, RunId, RunTenant, Store};

use crate::{Record, RecordSink, SinkError};

/// Most items of completed tenant x resources held before they are committed, even while
/// records keep coming.
const GROUP_ITEMS: usize = 20_000;

/// Writes records into one run of the store. A tenant x resource is kept in memory until its
/// completion mark; completed ones are committed together (group commit) whenever the sink
/// catches up with the channel ([`RecordSink::idle`]) or holds 20,000 items. A tenant x
/// resource that fails or is interrupted leaves nothing; one killed before its commit is simply
/// not in the run (and `snapshot --resume` collects it again).
#[derive(Debug)]
pub struct StoreSink {
    store: Store,
    run: RunId,
    /// The tenant x resources not complete yet (as many as run at once: a short list).
    pending: Vec<Pending>,
    /// Where the last record went: the next one is most likely of the same page.
    last: usize,
    ready: Vec<Entry>,
    ready_items: usize,
    written: u64,
    /// The tenants whose place (workspace id, Central id, cluster) was noted.
    placed: HashSet<String>,
    /// Places noted and not yet written (with the next commit).
    places: Vec<RunTenant>,
}

impl StoreSink {
    /// Writes into `run` of `store`, its checkpoints on a thread of their own (see
    /// [`Store::checkpoint_in_background`]; if that cannot start, the commits checkpoint).
    pub fn new(mut store: Store, run: RunId) -> Self {
        if let Err(e) = store.checkpoint_in_background() {
            tracing::warn!(error = %e, "the store's checkpoints stay in its commits");
        }
        Self {
            store,
            run,
            pending: Vec::new(),
            last: 0,
            ready: Vec::new(),
            ready_items: 0,
            written: 0,
            placed: HashSet::new(),
            places: Vec::new(),
        }
    }

    /// Notes where the tenant of `record` was found, the first time it is seen.
    fn place(&mut self, record: &Record) {
        if !self.placed.contains(&record.tenant_id) {
            self.placed.insert(record.tenant_id.clone());
            self.places.push(RunTenant {
                tenant_id: record.tenant_id.clone(),
                workspace_id: record.workspace_id.clone(),
                central_tenant_id: record.central_tenant_id.clone(),
                cluster: record.cluster.clone(),
            });
        }
    }

    /// The run written to.
    pub fn run(&self) -> RunId {
        self.run
    }

    /// The store back (for the run's bookkeeping). Completed tenant x resources not yet
    /// committed ([`drain`](crate::drain) commits them at its end) and records of incomplete
    /// ones are dropped.
    pub fn into_store(self) -> Store {
        self.store
    }

    /// The pending items of a tenant x resource (its names are copied only the first time).
    fn pending_of(&mut self, tenant_id: &str, resource: &str) -> &mut Vec<Box<str>> {
        let is = |p: &Pending| p.tenant_id == tenant_id && p.resource == resource;
        if !self.pending.get(self.last).is_some_and(is) {
            self.last = match self.pending.iter().position(is) {
                Some(i) => i,
                None => {
                    self.pending.push(Pending {
                        tenant_id: tenant_id.to_owned(),
                        resource: resource.to_owned(),
                        items: Vec::new(),
                    });
                    self.pending.len() - 1
                }
            };
        }
        &mut self.pending[self.last].items
    }

    fn commit(&mut self) -> Result<(), SinkError> {
        if !self.places.is_empty() {
            self.store.write_tenants(self.run, &self.places)?;
            self.places.clear();
        }
        if self.ready.is_empty() {
            return Ok(());
        }
        self.written += self.store.write_entries(self.run, &self.ready)?;
        self.ready.clear();
        self.ready_items = 0;
        Ok(())
    }
}

/// The records so far of a tenant x resource that has not completed.
#[derive(Debug)]
struct Pending {
    tenant_id: String,
    resource: String,
    items: Vec<Box<str>>,
}

impl RecordSink for StoreSink {
    fn write(&mut self, record: &Record) -> Result<(), SinkError> {
        self.place(record);
        self.pending_of(&record.tenant_id, &record.resource)
            .push(record.data.get().into());
        Ok(())
    }

    fn write_owned(&mut self, record: Record) -> Result<(), SinkError> {
        self.place(&record);
        let items = self.pending_of(&record.tenant_id, &record.resource);
        // The item's text moves into the pending list: no copy.
        items.push(record.data.into());
        Ok(())
    }

    fn complete(
        &mut self,
        tenant_id: &str,
        tenant_name: &str,
        resource: &str,
    ) -> Result<(), SinkError> {
        let items = match self
            .pending
            .iter()
            .position(|p| p.tenant_id == tenant_id && p.resource == resource)
        {
            Some(i) => self.pending.swap_remove(i).items,
            None => Vec::new(),
        };
        self.ready_items += items.len();
        self.ready.push(Entry {
            tenant_id: tenant_id.to_owned(),
            tenant_name: tenant_name.to_owned(),
            resource: resource.to_owned(),
            items,
        });
        if self.ready_items >= GROUP_ITEMS {
            self.commit()?;
        }
        Ok(())
    }

    fn idle(&mut self) -> Result<(), SinkError> {
        self.commit()
    }

    fn written(&self) -> u64 {
        self.written
    }

    fn finish(mut self: Box<Self>) -> Result<(), SinkError> {
        self.commit()
    }
}
