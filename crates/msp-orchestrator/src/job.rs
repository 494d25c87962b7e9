//! [`TenantJob`]: the work done for one tenant, and the built-in [`CollectJob`].

use std::fmt::Debug;
use std::str::FromStr;

use central_api::{Resource, TenantClient};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use glp_transport::ApiError;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::TenantRef;

/// One output record: an item an API returned for a tenant, exactly as it came.
///
/// The item is carried as the server's JSON text ([`RawValue`]): it is checked to be valid JSON
/// when the page is read, never parsed into a tree and serialised again on the way to the
/// output. [`value`](Self::value) parses it when a field is needed.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// The tenant's id as its source listed it.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The resource as the user named it (`device-inventory`, `aps`, or a path).
    pub resource: String,
    /// The item, unchanged: its JSON text as the server sent it.
    pub data: Box<RawValue>,
}

impl Record {
    /// The item parsed into a JSON tree (for reading fields; the record itself stays raw).
    pub fn value(&self) -> Value {
        serde_json::from_str(self.data.get()).unwrap_or(Value::Null)
    }

    /// A record from a parsed item (tests, and jobs that build items themselves).
    pub fn from_value(
        tenant_id: impl Into<String>,
        tenant_name: impl Into<String>,
        resource: impl Into<String>,
        data: &Value,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            tenant_name: tenant_name.into(),
            resource: resource.into(),
            data: serde_json::value::to_raw_value(data)
                .unwrap_or_else(|_| RawValue::NULL.to_owned()),
        }
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.tenant_id == other.tenant_id
            && self.tenant_name == other.tenant_name
            && self.resource == other.resource
            && self.data.get() == other.data.get()
    }
}

/// Work to run for each tenant: given a tenant-scoped Central client, yield records.
///
/// The stream is read as it is produced, so a job never needs to hold a tenant's data in memory.
pub trait TenantJob: Send + Sync + Debug {
    /// Starts the job for `tenant`.
    fn run(
        &self,
        tenant: &TenantRef,
        client: TenantClient,
    ) -> BoxStream<'static, Result<Record, ApiError>>;
}

/// A resource to collect: one the crate knows, or any other `network-monitoring/...` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSpec {
    /// A typed monitoring resource.
    Known(Resource),
    /// Any other monitoring path, e.g. `network-monitoring/v1alpha1/aps` or `sites-health`.
    Path(String),
}

impl ResourceSpec {
    /// The name written into records: as the user gave it.
    pub fn name(&self) -> String {
        match self {
            Self::Known(r) => r.name().to_owned(),
            Self::Path(p) => p.clone(),
        }
    }
}

impl FromStr for ResourceSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty resource name".into());
        }
        if let Ok(r) = s.parse::<Resource>() {
            return Ok(Self::Known(r));
        }
        if s.contains('/') {
            return Ok(Self::Path(s.to_owned()));
        }
        let known: Vec<&str> = Resource::all().iter().map(|r| r.name()).collect();
        Err(format!(
            "unknown resource `{s}`: use one of {} or a path like network-monitoring/v1/<name>",
            known.join(", ")
        ))
    }
}

/// Collects resources (all pages of each, one resource after the other) for every tenant.
#[derive(Debug, Clone)]
pub struct CollectJob {
    resources: Vec<ResourceSpec>,
}

impl CollectJob {
    /// Collects `resources`, in that order.
    pub fn new(resources: Vec<ResourceSpec>) -> Self {
        Self { resources }
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
        client: TenantClient,
    ) -> BoxStream<'static, Result<Record, ApiError>> {
        let tenant = tenant.clone();
        stream::iter(self.resources.clone())
            .map(move |spec| {
                let items = match &spec {
                    ResourceSpec::Known(r) => client.resource(*r).raw().stream().boxed(),
                    ResourceSpec::Path(p) => client.monitoring(p).raw().stream().boxed(),
                };
                let (tenant_id, tenant_name, resource) =
                    (tenant.listed_id.clone(), tenant.name.clone(), spec.name());
                items.map_ok(move |data| Record {
                    tenant_id: tenant_id.clone(),
                    tenant_name: tenant_name.clone(),
                    resource: resource.clone(),
                    data,
                })
            })
            .flatten()
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_specs_parse() {
        assert_eq!(
            "device-inventory".parse::<ResourceSpec>(),
            Ok(ResourceSpec::Known(Resource::DeviceInventory))
        );
        assert_eq!(
            "network-monitoring/v1alpha1/aps".parse::<ResourceSpec>(),
            Ok(ResourceSpec::Path("network-monitoring/v1alpha1/aps".into()))
        );
        let err = "bogus".parse::<ResourceSpec>().expect_err("unknown");
        assert!(
            err.contains("device-inventory") && err.contains("bogus"),
            "{err}"
        );
    }
}
