//! [`StoreSink`]: records into the inventory store ([`msp_store`]), one transaction per tenant
//! x resource when it completes.

use std::collections::HashMap;

use msp_store::{RunId, Store};
use serde_json::value::RawValue;

use crate::{Record, RecordSink, SinkError};

/// Writes records into one run of the store. A tenant x resource is kept in memory until its
/// completion mark and then written in one transaction: one that fails or is interrupted
/// leaves nothing.
#[derive(Debug)]
pub struct StoreSink {
    store: Store,
    run: RunId,
    pending: HashMap<(String, String), Vec<Box<RawValue>>>,
    written: u64,
}

impl StoreSink {
    /// Writes into `run` of `store`.
    pub fn new(store: Store, run: RunId) -> Self {
        Self {
            store,
            run,
            pending: HashMap::new(),
            written: 0,
        }
    }

    /// The run written to.
    pub fn run(&self) -> RunId {
        self.run
    }

    /// The store back (for the run's bookkeeping); records of incomplete tenants are dropped.
    pub fn into_store(self) -> Store {
        self.store
    }
}

impl RecordSink for StoreSink {
    fn write(&mut self, record: &Record) -> Result<(), SinkError> {
        self.pending
            .entry((record.tenant_id.clone(), record.resource.clone()))
            .or_default()
            .push(record.data.clone());
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
        self.written += self.store.write_entry(
            self.run,
            tenant_id,
            tenant_name,
            resource,
            items.iter().map(|item| item.get()),
        )?;
        Ok(())
    }

    fn written(&self) -> u64 {
        self.written
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        Ok(())
    }
}
