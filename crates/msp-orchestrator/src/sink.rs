//! [`RecordSink`]: where a run's records go — a file ([`RecordWriter`]) or the inventory store
//! (`StoreSink`, feature `store`) — and the completion markers that tell a sink a tenant x
//! resource is whole.

use std::collections::HashSet;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};
use glp_transport::ApiError;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::{
    CollectJob, JobPart, Record, RecordWriter, ResourceSpec, TenantClients, TenantJob, TenantRef,
};

/// What a sink's failure is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// Writing a file failed.
    #[error("writing the output failed: {0}")]
    Io(#[from] std::io::Error),
    /// The inventory store failed.
    #[cfg(feature = "store")]
    #[error(transparent)]
    Store(#[from] msp_store::StoreError),
}

/// A destination of records.
///
/// [`drain`] feeds a sink from the orchestrator's channel: every record to
/// [`write`](Self::write), and, when the job marks it ([`MarkedJob`]), the end of each tenant x
/// resource to [`complete`](Self::complete). A file writes records as they come and ignores the
/// marks; the store keeps a tenant x resource's records until its mark and then writes them in
/// one transaction.
pub trait RecordSink: Send {
    /// Takes one record.
    fn write(&mut self, record: &Record) -> Result<(), SinkError>;

    /// Takes one record by value ([`drain`] calls this): a sink that keeps records overrides
    /// it to keep the item's text without copying it. By default, [`write`](Self::write).
    fn write_owned(&mut self, record: Record) -> Result<(), SinkError> {
        self.write(&record)
    }

    /// Every record of `resource` for the tenant `tenant_id` has been given to
    /// [`write`](Self::write): it completed.
    fn complete(
        &mut self,
        tenant_id: &str,
        tenant_name: &str,
        resource: &str,
    ) -> Result<(), SinkError> {
        let _ = (tenant_id, tenant_name, resource);
        Ok(())
    }

    /// No record is waiting: a sink that groups its writes commits what it holds complete.
    fn idle(&mut self) -> Result<(), SinkError> {
        Ok(())
    }

    /// Records taken so far.
    fn written(&self) -> u64;

    /// Ends the output (closes a JSON array, flushes). Records of a tenant x resource that
    /// never completed are dropped by a sink that keeps them.
    fn finish(self: Box<Self>) -> Result<(), SinkError>;
}

impl RecordSink for RecordWriter {
    fn write(&mut self, record: &Record) -> Result<(), SinkError> {
        Ok(RecordWriter::write(self, record)?)
    }

    fn written(&self) -> u64 {
        RecordWriter::written(self)
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        Ok(RecordWriter::finish(*self)?)
    }
}

/// The resource name of a completion mark: no real resource starts with a NUL.
const MARK: &str = "\u{0}complete:";

/// The record that marks `resource` of a tenant complete (see [`MarkedJob`]).
pub fn completion_mark(tenant_id: &str, tenant_name: &str, resource: &str) -> Record {
    Record::from_value(
        tenant_id,
        tenant_name,
        format!("{MARK}{resource}"),
        &Value::Null,
    )
}

/// The resource a record marks complete, if it is a completion mark.
pub fn completed_resource(record: &Record) -> Option<&str> {
    record.resource.strip_prefix(MARK)
}

/// Feeds `sink` from the orchestrator's channel until it closes (blocking: run it on a
/// blocking thread), calling [`RecordSink::idle`] whenever the channel is empty and at the
/// end. Returns the records written (marks are not records).
pub fn drain(
    records: &mut mpsc::Receiver<Record>,
    sink: &mut dyn RecordSink,
) -> Result<u64, SinkError> {
    loop {
        let record = match records.try_recv() {
            Ok(record) => record,
            Err(mpsc::error::TryRecvError::Empty) => {
                // Caught up: let a grouping sink commit before waiting.
                sink.idle()?;
                match records.blocking_recv() {
                    Some(record) => record,
                    None => break,
                }
            }
            Err(mpsc::error::TryRecvError::Disconnected) => break,
        };
        match completed_resource(&record) {
            Some(resource) => sink.complete(&record.tenant_id, &record.tenant_name, resource)?,
            None => sink.write_owned(record)?,
        }
    }
    sink.idle()?;
    Ok(sink.written())
}

/// Collects resources like [`CollectJob`], sending a completion mark after the last record
/// of each resource of a tenant, and skipping the tenant x resource pairs already done (what
/// `snapshot --resume` needs).
#[derive(Debug, Clone)]
pub struct MarkedJob {
    resources: Vec<ResourceSpec>,
    done: Arc<HashSet<(String, String)>>,
    since: crate::Since,
}

impl MarkedJob {
    /// Collects `resources` for every tenant.
    pub fn new(resources: Vec<ResourceSpec>) -> Self {
        Self {
            resources,
            done: Arc::default(),
            since: crate::Since::default(),
        }
    }

    /// Reads time-ordered resources from `since` (each tenant's watermark), as
    /// [`CollectJob::with_since`].
    pub fn since(mut self, since: crate::Since) -> Self {
        self.since = since;
        self
    }

    /// Skips these (tenant id, resource) pairs: they are already complete.
    pub fn skipping(mut self, done: HashSet<(String, String)>) -> Self {
        self.done = Arc::new(done);
        self
    }
}

impl TenantJob for MarkedJob {
    fn run(
        &self,
        tenant: &TenantRef,
        clients: TenantClients,
    ) -> BoxStream<'static, Result<Record, ApiError>> {
        JobPart::in_sequence(self.parts(tenant, clients))
    }

    /// One part per resource not done yet, each ending with its completion mark: a resource
    /// that fails sends no mark (its part stops at the error), and the next one still runs.
    fn parts(&self, tenant: &TenantRef, clients: TenantClients) -> Vec<JobPart> {
        self.resources
            .iter()
            .filter(|spec| !self.done.contains(&(tenant.listed_id.clone(), spec.name())))
            .map(|spec| {
                let mark = completion_mark(&tenant.listed_id, &tenant.name, &spec.name());
                let records = CollectJob::new(vec![spec.clone()])
                    .with_since(self.since.clone())
                    .run(tenant, clients.clone())
                    .chain(stream::once(async move { Ok(mark) }))
                    .boxed();
                JobPart {
                    name: spec.name(),
                    records,
                }
            })
            .collect()
    }
}
