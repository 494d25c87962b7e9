//! [`TenantJob`]: the work done for one tenant, and the built-in [`CollectJob`].

use std::fmt::Debug;
use std::str::FromStr;

use central_api::{Resource, TenantClient};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use glp_transport::ApiError;
use glp_workspaces::{GlpResource, OffsetListRequest, TenantResources};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::{JobPart, TenantRef};

/// One output record: an item an API returned for a tenant, exactly as it came.
///
/// The item is carried as the server's JSON text ([`RawValue`]): it is checked to be valid JSON
/// when the page is read, never parsed into a tree and serialised again on the way to the
/// output. [`value`](Self::value) parses it when a field is needed.
///
/// Whatever listed the tenant, `tenant_id` and `workspace_id` are its GreenLake workspace id,
/// hyphenated: the id `--tenant-ids-from` takes back.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// The tenant: its GreenLake workspace id, hyphenated.
    pub tenant_id: String,
    /// The GreenLake workspace id, hyphenated (the same as `tenant_id`, named for what it is).
    pub workspace_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// Central's own id of the tenant, when Central listed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub central_tenant_id: Option<String>,
    /// The Central cluster the record came from, when it is known by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The resource as the user named it (`device-inventory`, `aps`, or a path).
    pub resource: String,
    /// When the item was received, RFC 3339 in UTC (`2026-12-01T23:59:07Z`).
    pub collected_at: String,
    /// The item, unchanged: its JSON text as the server sent it.
    pub data: Box<RawValue>,
}

pub use glp_core::date::rfc3339;

impl Record {
    /// The item parsed into a JSON tree (for reading fields; the record itself stays raw).
    pub fn value(&self) -> Value {
        serde_json::from_str(self.data.get()).unwrap_or(Value::Null)
    }

    /// A record from a parsed item (tests, and jobs that build items themselves), collected
    /// now; `workspace_id` is `tenant_id`.
    pub fn from_value(
        tenant_id: impl Into<String>,
        tenant_name: impl Into<String>,
        resource: impl Into<String>,
        data: &Value,
    ) -> Self {
        let tenant_id = tenant_id.into();
        Self {
            workspace_id: tenant_id.clone(),
            tenant_id,
            tenant_name: tenant_name.into(),
            central_tenant_id: None,
            cluster: None,
            resource: resource.into(),
            collected_at: rfc3339(std::time::SystemTime::now()),
            data: serde_json::value::to_raw_value(data)
                .unwrap_or_else(|_| RawValue::NULL.to_owned()),
        }
    }
}

impl PartialEq for Record {
    /// Equal items of the same tenant and resource, whenever they were collected.
    fn eq(&self, other: &Self) -> bool {
        self.tenant_id == other.tenant_id
            && self.workspace_id == other.workspace_id
            && self.central_tenant_id == other.central_tenant_id
            && self.cluster == other.cluster
            && self.tenant_name == other.tenant_name
            && self.resource == other.resource
            && self.data.get() == other.data.get()
    }
}

/// The clients of one tenant's job, every one scoped to the tenant (its requests carry the
/// tenant token) and counting into the tenant's tally, through the shared transport (pacing,
/// retries, body caps).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TenantClients {
    /// Central's monitoring APIs.
    pub central: TenantClient,
    /// GreenLake's workspace resources (devices, subscriptions), when the orchestrator was
    /// given a GreenLake client ([`Orchestrator::greenlake`](crate::Orchestrator::greenlake)).
    pub greenlake: Option<TenantResources>,
}

impl TenantClients {
    /// The clients of a tenant: Central's, and GreenLake's if there is one.
    pub fn new(central: TenantClient, greenlake: Option<TenantResources>) -> Self {
        Self { central, greenlake }
    }
}

/// Work to run for each tenant: given its tenant-scoped clients, yield records.
///
/// The stream is read as it is produced, so a job never needs to hold a tenant's data in memory.
pub trait TenantJob: Send + Sync + Debug {
    /// Starts the job for `tenant`.
    fn run(
        &self,
        tenant: &TenantRef,
        clients: TenantClients,
    ) -> BoxStream<'static, Result<Record, ApiError>>;

    /// The job for `tenant` as parts that fail alone (one per resource), which is how the
    /// [`Orchestrator`](crate::Orchestrator) runs it: each part is read until it ends or
    /// fails, then the next one starts; the tenant fails if any part failed, and its outcome
    /// gives each part's ([`PartOutcome`](crate::PartOutcome)). By default the job is one
    /// unnamed part, [`run`](Self::run): its first error ends it.
    fn parts(&self, tenant: &TenantRef, clients: TenantClients) -> Vec<JobPart> {
        vec![JobPart {
            name: String::new(),
            records: self.run(tenant, clients),
        }]
    }
}

mod api_path;
mod query;
mod spec;
pub use api_path::{ApiHost, ApiPath};
use query::time_query;
pub use query::{Query, Since};
pub(crate) use spec::edit_distance;
pub use spec::{ResourceSpec, did_you_mean, known_resource_names};

/// Collects resources (all pages of each, one resource after the other) for every tenant.
#[derive(Debug, Clone)]
pub struct CollectJob {
    resources: Vec<ResourceSpec>,
    query: Query,
    cluster: Option<String>,
    since: Since,
}

impl CollectJob {
    /// Collects `resources`, in that order.
    pub fn new(resources: Vec<ResourceSpec>) -> Self {
        Self {
            resources,
            query: Query::default(),
            cluster: None,
            since: Since::default(),
        }
    }

    /// Reads time-ordered resources (`glp/audit-logs`) from `since` only: the filter gets the
    /// resource's time clause (`createdAt ge '...'`), per tenant.
    #[must_use]
    pub fn with_since(mut self, since: Since) -> Self {
        self.since = since;
        self
    }

    /// Writes `cluster` (the Central cluster's name) into every record of a tenant that does
    /// not name its own ([`TenantRef::cluster`], set by [`TenantSource::stream`](crate::TenantSource::stream)).
    #[must_use]
    pub fn with_cluster(mut self, cluster: Option<String>) -> Self {
        self.cluster = cluster;
        self
    }

    /// Asks for every resource with `query` (the same filter, sort and parameters for every
    /// tenant).
    #[must_use]
    pub fn with_query(mut self, query: Query) -> Self {
        self.query = query;
        self
    }

    /// The resources collected.
    pub fn resources(&self) -> &[ResourceSpec] {
        &self.resources
    }
}

impl TenantJob for CollectJob {
    fn run(
        &self,
        tenant: &TenantRef,
        clients: TenantClients,
    ) -> BoxStream<'static, Result<Record, ApiError>> {
        JobPart::in_sequence(self.parts(tenant, clients))
    }

    /// One part per resource, in order: a resource that fails does not stop the next.
    fn parts(&self, tenant: &TenantRef, clients: TenantClients) -> Vec<JobPart> {
        let since = self.since.of(tenant).map(str::to_owned);
        let tenant = tenant.clone();
        let query = self.query.clone();
        let cluster = self.cluster.clone();
        self.resources
            .iter()
            .map(move |spec| {
                let items = match spec {
                    ResourceSpec::Known(r) => query
                        .apply(clients.central.resource(*r).raw())
                        .stream()
                        .boxed(),
                    ResourceSpec::Path(p) => query
                        .apply(clients.central.monitoring(p).raw())
                        .stream()
                        .boxed(),
                    ResourceSpec::GreenLake(r) => match &clients.greenlake {
                        Some(glp) => time_query(&query, *r, since.as_deref())
                            .apply_glp(glp.resource(*r).raw())
                            .stream(),
                        None => api_path::no_greenlake(),
                    },
                    ResourceSpec::Api(a) => a.items(&clients, &query),
                };
                let (workspace_id, tenant_name, resource) = (
                    tenant.workspace_id.hyphenated(),
                    tenant.name.clone(),
                    spec.name(),
                );
                // A GreenLake record comes from no Central cluster.
                let cluster = if spec.is_greenlake() {
                    None
                } else {
                    tenant.cluster.clone().or_else(|| cluster.clone())
                };
                let central_tenant_id = tenant.central_tenant_id.clone();
                let name = resource.clone();
                let records = items.map_ok(move |data| Record {
                    tenant_id: workspace_id.clone(),
                    workspace_id: workspace_id.clone(),
                    tenant_name: tenant_name.clone(),
                    central_tenant_id: central_tenant_id.clone(),
                    cluster: cluster.clone(),
                    resource: resource.clone(),
                    collected_at: rfc3339(std::time::SystemTime::now()),
                    data,
                });
                JobPart {
                    name,
                    records: records.boxed(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
