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

/// A resource to collect: a Central monitoring resource the crate knows, any other
/// `network-monitoring/...` path, or a GreenLake resource (`glp/devices`, `glp/subscriptions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSpec {
    /// A typed monitoring resource.
    Known(Resource),
    /// Any other monitoring path, e.g. `network-monitoring/v1alpha1/aps` or `sites-health`.
    Path(String),
    /// A GreenLake workspace resource, listed with the tenant token.
    GreenLake(GlpResource),
}

impl ResourceSpec {
    /// The name written into records: as the user gave it (`glp/...` for GreenLake ones).
    pub fn name(&self) -> String {
        match self {
            Self::Known(r) => r.name().to_owned(),
            Self::Path(p) => p.clone(),
            Self::GreenLake(r) => r.name().to_owned(),
        }
    }
}

/// Every resource name a user can give without a path: Central's, then GreenLake's.
pub fn known_resource_names() -> Vec<&'static str> {
    Resource::all()
        .iter()
        .map(|r| r.name())
        .chain(GlpResource::all().iter().map(|r| r.name()))
        .collect()
}

/// Whether `s` looks like an API version segment: `v1`, `v1alpha1`, `v2beta3`, ...
fn is_version(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('v')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// The Levenshtein distance between `a` and `b`, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The known resource name nearest to `s`, when it is near enough to be a typo, or the one a
/// name that is no Central list means (`sites`: `sites-health`).
pub fn did_you_mean(s: &str) -> Option<&'static str> {
    if let Some((meant, _)) = Resource::meant_by(s) {
        return Some(meant.name());
    }
    let s = s.to_ascii_lowercase();
    known_resource_names()
        .into_iter()
        .map(|name| (edit_distance(&s, name), name))
        .filter(|(d, name)| *d <= 2.max(name.len() / 4) && *d < name.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

impl FromStr for ResourceSpec {
    type Err = String;
    /// A known name (`aps`), a path under `network-monitoring/` (`network-monitoring/v1alpha1/aps`,
    /// `v1alpha1/aps`, `aps/SN1/radios`). Everything else is refused here, before any request:
    /// other APIs (`network-config/...`), paths that would be read as something else
    /// (`monitoring/v2/clients`), query strings, odd characters; a near miss of a known name
    /// gets a suggestion.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty resource name".into());
        }
        let shown: String = s.chars().take(100).collect();
        if let Ok(r) = s.parse::<Resource>() {
            return Ok(Self::Known(r));
        }
        // A known list by its full path outside network-monitoring
        // (`network-notifications/v1/alerts`).
        if let Some(r) = Resource::all()
            .iter()
            .find(|r| r.family() != "network-monitoring" && s.trim_matches('/') == r.path())
        {
            return Ok(Self::Known(*r));
        }
        let known = known_resource_names();
        if s.to_ascii_lowercase().starts_with("glp/") {
            return s.parse::<GlpResource>().map(Self::GreenLake).map_err(|_| {
                let hint = did_you_mean(s)
                    .filter(|name| name.starts_with("glp/"))
                    .map(|name| format!("did you mean `{name}`? "))
                    .unwrap_or_default();
                format!(
                    "unknown GreenLake resource `{shown}`: {hint}the GreenLake resources are {}",
                    GlpResource::all()
                        .iter()
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
        }
        if s.contains(['?', '#']) {
            return Err(format!(
                "the resource `{shown}` carries a query string: give the resource alone and \
                 the query with --filter, --sort or --param KEY=VALUE"
            ));
        }
        if s.contains("://") {
            return Err(format!(
                "the resource `{shown}` is a URL: give a path like network-monitoring/v1/aps"
            ));
        }
        if !s.contains('/') {
            let hint = match Resource::meant_by(s) {
                Some((_, why)) => format!("{why}; "),
                None => did_you_mean(s)
                    .map(|name| format!("did you mean `{name}`? "))
                    .unwrap_or_default(),
            };
            return Err(format!(
                "unknown resource `{shown}`: {hint}use one of {} or a path like \
                 network-monitoring/v1/<name>",
                known.join(", ")
            ));
        }
        let segments: Vec<&str> = s.trim_matches('/').split('/').collect();
        for segment in &segments {
            if segment.is_empty() || *segment == "." || *segment == ".." {
                return Err(format!(
                    "the resource path `{shown}` has an empty, `.` or `..` segment"
                ));
            }
            if !segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
            {
                return Err(format!(
                    "the resource path `{shown}` has a character other than letters, digits, \
                     `-`, `_`, `.` and `~`"
                ));
            }
        }
        let first = segments.first().copied().unwrap_or_default();
        let rest = match first {
            "network-monitoring" => {
                let after = &segments[1..];
                match after.first() {
                    Some(v) if is_version(v) => &after[1..],
                    _ => after,
                }
            }
            v if is_version(v) => &segments[1..],
            name if Resource::all().iter().any(|r| r.name() == name) => &segments[..],
            other if other.starts_with("network-") => {
                return Err(format!(
                    "`{shown}` belongs to the {other} API; only network-monitoring lists can \
                     be collected (e.g. network-monitoring/v1/aps)"
                ));
            }
            other => {
                let last = segments.last().copied().unwrap_or_default();
                let example = did_you_mean(last).unwrap_or("aps");
                return Err(format!(
                    "`{shown}` is not a network-monitoring path (it starts with `{other}`): \
                     write it as network-monitoring/<version>/<list>, e.g. \
                     network-monitoring/v1/{example}"
                ));
            }
        };
        if rest.is_empty() {
            return Err(format!(
                "the resource path `{shown}` names no list (e.g. network-monitoring/v1/aps)"
            ));
        }
        if let [name] = rest
            && let Some((meant, why)) = Resource::meant_by(name)
        {
            return Err(format!("`{shown}`: {why} (collect `{}`)", meant.name()));
        }
        Ok(Self::Path(s.to_owned()))
    }
}

mod query;
use query::time_query;
pub use query::{Query, Since};

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
        let parts = self.parts(tenant, clients);
        stream::iter(parts.into_iter().map(|part| part.records))
            .flatten()
            .boxed()
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
                        None => stream::once(async {
                            Err(ApiError::InvalidRequest(
                                "GreenLake resources need a GreenLake client \
                                 (Orchestrator::greenlake)"
                                    .into(),
                            ))
                        })
                        .boxed(),
                    },
                };
                let (workspace_id, tenant_name, resource) = (
                    tenant.workspace_id.hyphenated(),
                    tenant.name.clone(),
                    spec.name(),
                );
                // A GreenLake record comes from no Central cluster.
                let cluster = match spec {
                    ResourceSpec::GreenLake(_) => None,
                    _ => tenant.cluster.clone().or_else(|| cluster.clone()),
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
