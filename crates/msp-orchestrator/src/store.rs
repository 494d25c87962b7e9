//! [`StoreSink`]: records into the inventory store ([`msp_store`]), each tenant x resource
//! atomically once it completes.

use std::collections::HashMap;

use msp_store::{Entry, RunId, Store};

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
    pending: HashMap<(String, String), Vec<Box<str>>>,
    ready: Vec<Entry>,
    ready_items: usize,
    written: u64,
}

impl StoreSink {
    /// Writes into `run` of `store`.
    pub fn new(store: Store, run: RunId) -> Self {
        Self {
            store,
            run,
            pending: HashMap::new(),
            ready: Vec::new(),
            ready_items: 0,
            written: 0,
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

    fn commit(&mut self) -> Result<(), SinkError> {
        if self.ready.is_empty() {
            return Ok(());
        }
        self.written += self.store.write_entries(self.run, &self.ready)?;
        self.ready.clear();
        self.ready_items = 0;
        Ok(())
    }
}

impl RecordSink for StoreSink {
    fn write(&mut self, record: &Record) -> Result<(), SinkError> {
        self.pending
            .entry((record.tenant_id.clone(), record.resource.clone()))
            .or_default()
            .push(record.data.get().into());
        Ok(())
    }

    fn complete(
        &mut self,
        tenant_id: &str,
        tenant_name: &str,
        resource: &str,
    ) -> Result<(), SinkError> {
        let items = self
            .pending
            .remove(&(tenant_id.to_owned(), resource.to_owned()))
            .unwrap_or_default();
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
