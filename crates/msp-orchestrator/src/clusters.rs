//! [`Clusters`]: the Central gateways of a run, and [`discover`]: finding them from GreenLake's
//! service catalog (`--central-cluster auto`).

use std::sync::Arc;
use std::time::Duration;

use central_api::{CentralClient, CentralTenant, ClusterTable, clusters_for_region};
use futures::TryStreamExt as _;
use glp_auth::BaseUrl;
use glp_auth::text::untrusted;
use glp_transport::ApiError;
use glp_workspaces::WorkspacesClient;

/// One Central gateway of a run.
#[derive(Debug, Clone)]
pub struct CentralCluster {
    /// Its name: the cluster's (`EU-1`) when known, else the gateway's host (and port).
    pub name: String,
    /// The client of its gateway.
    pub client: CentralClient,
}

/// The Central gateways of a run (at least one). A tenant is placed on the cluster whose
/// list-tenants holds it when there are several; with one, every tenant uses it.
#[derive(Debug, Clone)]
pub struct Clusters {
    list: Arc<Vec<CentralCluster>>,
}

/// A name for a gateway: its cluster's name in `table`, else its host (with the port if any).
pub fn gateway_name(url: &BaseUrl, table: &ClusterTable) -> String {
    match table.name_of(url) {
        Some(name) => name.to_owned(),
        None => {
            let u = url.as_url();
            match u.port() {
                Some(port) => format!("{}:{port}", url.host()),
                None => url.host().to_owned(),
            }
        }
    }
}

impl Clusters {
    /// The gateways in `list`, in order; `None` if it is empty. Names must differ (a later
    /// duplicate is dropped).
    pub fn new(list: Vec<CentralCluster>) -> Option<Self> {
        let mut unique: Vec<CentralCluster> = Vec::with_capacity(list.len());
        for c in list {
            if unique.iter().all(|u| u.name != c.name) {
                unique.push(c);
            }
        }
        (!unique.is_empty()).then(|| Self {
            list: Arc::new(unique),
        })
    }

    /// One gateway, named after its URL (see [`gateway_name`]).
    pub fn single(client: CentralClient) -> Self {
        let name = gateway_name(client.api_client().base_url(), &ClusterTable::public());
        Self {
            list: Arc::new(vec![CentralCluster { name, client }]),
        }
    }

    /// The first gateway (the one of tenants with no cluster).
    pub fn first(&self) -> &CentralCluster {
        // Never empty: both constructors refuse an empty list.
        &self.list[0]
    }

    /// The gateway named `name`.
    pub fn get(&self, name: &str) -> Option<&CentralCluster> {
        self.list.iter().find(|c| c.name == name)
    }

    /// The gateway of a tenant placed on `cluster` (the first one for `None` or an unknown
    /// name).
    pub fn for_tenant(&self, cluster: Option<&str>) -> &CentralCluster {
        cluster
            .and_then(|c| self.get(c))
            .unwrap_or_else(|| self.first())
    }

    /// Every gateway, in order.
    pub fn iter(&self) -> impl Iterator<Item = &CentralCluster> {
        self.list.iter()
    }

    /// How many gateways.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Always `false` (there is at least one gateway); for symmetry with [`len`](Self::len).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every cluster's list-tenants (MSP token), read from all clusters at once: (cluster name,
    /// its tenants), in order. Any cluster that fails fails the whole: a tenant must never look
    /// absent because its cluster could not be read.
    pub async fn list_tenants(&self) -> Result<Vec<(String, Vec<CentralTenant>)>, ApiError> {
        futures::future::try_join_all(self.list.iter().map(|c| async move {
            let tenants: Vec<CentralTenant> =
                c.client.list_tenants().stream().try_collect().await?;
            Ok::<_, ApiError>((c.name.clone(), tenants))
        }))
        .await
    }

    /// The names, comma-separated (for messages).
    pub fn names(&self) -> String {
        self.list
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl From<CentralClient> for Clusters {
    fn from(client: CentralClient) -> Self {
        Self::single(client)
    }
}

impl From<&CentralClient> for Clusters {
    fn from(client: &CentralClient) -> Self {
        Self::single(client.clone())
    }
}

impl From<&Clusters> for Clusters {
    fn from(c: &Clusters) -> Self {
        c.clone()
    }
}

/// The catalog name of Central's service manager, and of its internal variant.
const CENTRAL: &str = "HPE Aruba Networking Central";
const CENTRAL_INTERNAL: &str = "HPE Aruba Networking Central Internal";

/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(8);

/// What [`discover`] found: the MSP's clusters (name and gateway), and notes on what could not
/// be checked (a region that maps to no cluster, a candidate that did not answer).
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// The clusters that accepted the MSP token, in the order of the region table.
    pub found: Vec<(String, BaseUrl)>,
    /// What the user should know (each a sentence).
    pub notes: Vec<String>,
}

/// Why discovery found nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// Reading GreenLake's service catalog failed.
    #[error("cannot read GreenLake's service catalog to find the Central clusters: {0}")]
    Catalog(#[source] ApiError),
    /// No Central cluster accepted the MSP token.
    #[error(
        "no Central cluster found for this MSP: {reason}\nname the cluster(s) with \
         --central-cluster (e.g. US-WEST-4,EU-1) or give the API gateway URL(s) with \
         --central-base-url"
    )]
    NoneFound {
        /// What was tried.
        reason: String,
    },
}

/// The first line of `text`, at most 160 characters: an error's gist, without its hints.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

/// Finds the MSP's Central clusters, as HPE's MSP workbench does: GreenLake's
/// `service-manager-provisions` (MSP token) gives the regions where Central is provisioned, each
/// region maps to candidate clusters ([`central_api::REGION_CLUSTERS`]), and every candidate is
/// probed at once with an MSP-token list-tenants call (200: the MSP's cluster; 401: not).
/// `client_for` builds the Central client of a gateway (sharing the run's transport).
pub async fn discover(
    workspaces: &WorkspacesClient,
    table: &ClusterTable,
    client_for: impl Fn(BaseUrl) -> Result<CentralClient, ApiError>,
) -> Result<Discovery, DiscoveryError> {
    let (managers, provisions) = tokio::try_join!(
        workspaces.service_managers(),
        workspaces.service_manager_provisions()
    )
    .map_err(DiscoveryError::Catalog)?;
    let name_of = |id: &str| {
        managers
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.name.as_str())
    };
    let mut regions: Vec<(String, bool)> = Vec::new();
    for p in provisions.iter().filter(|p| p.is_provisioned()) {
        let internal = match name_of(&p.service_manager_id) {
            Some(n) if n.eq_ignore_ascii_case(CENTRAL) => false,
            Some(n) if n.eq_ignore_ascii_case(CENTRAL_INTERNAL) => true,
            _ => continue,
        };
        let key = (p.region.to_ascii_lowercase(), internal);
        if !regions.contains(&key) {
            regions.push(key);
        }
    }
    let mut discovery = Discovery::default();
    if regions.is_empty() {
        return Err(DiscoveryError::NoneFound {
            reason: "GreenLake shows no provisioned Central application for the MSP workspace"
                .into(),
        });
    }
    let mut candidates: Vec<&'static str> = Vec::new();
    for (region, internal) in &regions {
        if *internal {
            candidates.push("Internal");
            continue;
        }
        let mapped = clusters_for_region(region);
        if mapped.is_empty() {
            discovery.notes.push(format!(
                "Central is provisioned in GreenLake region {}, which maps to no known \
                 cluster: give its gateway with --central-base-url",
                untrusted(region)
            ));
        }
        for c in mapped {
            if !candidates.contains(c) {
                candidates.push(c);
            }
        }
    }
    let probes = candidates.iter().map(|name| {
        let url = table.url(name);
        let client = url
            .clone()
            .map_err(|e| e.to_string())
            .and_then(|u| client_for(u).map_err(|e| e.to_string()));
        async move {
            let outcome = match client {
                Err(e) => Err(e),
                Ok(client) => {
                    match tokio::time::timeout(
                        PROBE_TIMEOUT,
                        client.list_tenants().limit(1).page(None),
                    )
                    .await
                    {
                        Ok(Ok(_)) => Ok(true),
                        Ok(Err(e)) if e.status() == Some(401) => Ok(false),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(_) => Err(format!("no answer in {} s", PROBE_TIMEOUT.as_secs())),
                    }
                }
            };
            (*name, url.ok(), outcome)
        }
    });
    // One line per candidate that did not answer yes, for the error if none did.
    let mut tried = Vec::new();
    for (name, url, outcome) in futures::future::join_all(probes).await {
        let at = url.as_ref().map(|u| format!(" ({u})")).unwrap_or_default();
        match (outcome, url) {
            (Ok(true), Some(url)) => discovery.found.push((name.to_owned(), url)),
            (Ok(_), _) => tried.push(format!("{name}{at}: refused the MSP token (401)")),
            (Err(e), _) => {
                let e = first_line(&glp_auth::text::redact(&e));
                tried.push(format!("{name}{at}: no answer: {e}"));
                discovery
                    .notes
                    .push(format!("could not check Central cluster {name}: {e}"));
            }
        }
    }
    if discovery.found.is_empty() {
        let mut reason = format!("tried {}:", candidates.join(", "));
        for line in tried {
            reason.push_str("\n  - ");
            reason.push_str(&line);
        }
        for note in discovery
            .notes
            .iter()
            .filter(|n| !n.starts_with("could not check"))
        {
            reason.push_str("\n  - ");
            reason.push_str(note);
        }
        return Err(DiscoveryError::NoneFound { reason });
    }
    Ok(discovery)
}
