//! Where Central is: the one table of regional API gateways, and [`CentralLocation`].

use std::fmt;
use std::str::FromStr;

use glp_core::{BaseUrl, InvalidBaseUrl};

/// The public Central clusters and their API gateways, as the vendor's SDK lists them.
///
/// This is the **one** table of the project: every cluster name anywhere (configuration, command
/// line, examples) is resolved through [`resolve_cluster`]. The table has changed between
/// releases of the vendor's SDK (EU hosts moved from `ge1..3` to `de1..3`): when your gateway is
/// not here, or differs, give its URL (shown in Central under *API Gateway*) instead of a name,
/// with [`CentralLocation::Url`]; an explicit URL always wins.
pub const CLUSTERS: &[(&str, &str)] = &[
    ("EU-1", "https://de1.api.central.arubanetworks.com"),
    ("EU-Central2", "https://de2.api.central.arubanetworks.com"),
    ("EU-Central3", "https://de3.api.central.arubanetworks.com"),
    ("UK", "https://gb1.api.central.arubanetworks.com"),
    ("US-1", "https://us1.api.central.arubanetworks.com"),
    ("US-2", "https://us2.api.central.arubanetworks.com"),
    ("US-WEST-4", "https://us4.api.central.arubanetworks.com"),
    ("US-WEST-5", "https://us5.api.central.arubanetworks.com"),
    ("US-East1", "https://us6.api.central.arubanetworks.com"),
    ("Canada-1", "https://ca1.api.central.arubanetworks.com"),
    ("APAC-1", "https://in1.api.central.arubanetworks.com"),
    ("APAC-EAST1", "https://jp1.api.central.arubanetworks.com"),
    ("APAC-SOUTH1", "https://au1.api.central.arubanetworks.com"),
    ("UAE", "https://ae1.api.central.arubanetworks.com"),
    ("China", "https://cn1.api.central.arubanetworks.com.cn"),
    ("Internal", "https://internal.api.central.arubanetworks.com"),
];

/// GreenLake provision regions and the public clusters each may be on, as HPE's MSP workbench
/// maps them (a region with several clusters must be probed: an MSP-token list-tenants call
/// answers 200 on the MSP's cluster, 401 elsewhere). GreenLake's `us-east` offers no Central;
/// `US-East1` is in the `us-west` set (HPE's sample says: inferred, not observed).
pub const REGION_CLUSTERS: &[(&str, &[&str])] = &[
    (
        "us-west",
        &["US-1", "US-2", "US-WEST-4", "US-WEST-5", "US-East1"],
    ),
    ("ca-central", &["Canada-1"]),
    ("eu-central", &["EU-1", "EU-Central2", "EU-Central3"]),
    ("eu-west", &["UK"]),
    ("ap-south", &["APAC-1"]),
    ("ap-northeast", &["APAC-EAST1"]),
    ("ap-ausnz", &["APAC-SOUTH1"]),
    ("mea", &["UAE"]),
    ("cn-north", &["China"]),
];

/// The clusters a GreenLake provision region may be on (matched without case); empty for a
/// region that maps to no known cluster.
///
/// ```
/// assert_eq!(central_api::clusters_for_region("EU-CENTRAL"), ["EU-1", "EU-Central2", "EU-Central3"]);
/// assert!(central_api::clusters_for_region("us-east").is_empty());
/// ```
pub fn clusters_for_region(region: &str) -> &'static [&'static str] {
    REGION_CLUSTERS
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(region.trim()))
        .map_or(&[], |(_, c)| c)
}

/// The canonical spelling of a cluster name of [`CLUSTERS`] (matched as [`resolve_cluster`]
/// matches), if known.
pub fn canonical_cluster(name: &str) -> Option<&'static str> {
    lookup(name).map(|(name, _)| name)
}

/// The cluster of [`CLUSTERS`] whose gateway is `url`, if any.
pub fn cluster_of_url(url: &BaseUrl) -> Option<&'static str> {
    let wanted = url.to_string();
    CLUSTERS
        .iter()
        .find(|(_, u)| *u == wanted.trim_end_matches('/'))
        .map(|(name, _)| *name)
}

/// The cluster table in use: [`CLUSTERS`], with gateways replaced where the user knows better
/// (a gateway that moved, a proxy, the simulator).
///
/// ```
/// use central_api::{ClusterTable, resolve_cluster};
/// let table = ClusterTable::public().with_url("eu-1", "http://127.0.0.1:9000/clusters/eu-1".parse()?)?;
/// assert_eq!(table.url("EU-1")?.to_string(), "http://127.0.0.1:9000/clusters/eu-1");
/// assert_eq!(table.url("UK")?, resolve_cluster("UK")?);
/// assert_eq!(table.name_of(&"http://127.0.0.1:9000/clusters/eu-1".parse()?), Some("EU-1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterTable {
    overrides: Vec<(&'static str, BaseUrl)>,
}

impl ClusterTable {
    /// [`CLUSTERS`] as it is.
    pub fn public() -> Self {
        Self::default()
    }

    /// The table with the gateway of cluster `name` (a name of [`CLUSTERS`]) replaced by `url`.
    pub fn with_url(mut self, name: &str, url: BaseUrl) -> Result<Self, UnknownCluster> {
        let canonical = canonical_cluster(name).ok_or_else(|| UnknownCluster {
            given: name.trim().chars().take(100).collect(),
        })?;
        self.overrides.retain(|(n, _)| *n != canonical);
        self.overrides.push((canonical, url));
        Ok(self)
    }

    /// The gateway of cluster `name`.
    pub fn url(&self, name: &str) -> Result<BaseUrl, UnknownCluster> {
        let base = resolve_cluster(name)?;
        let canonical = canonical_cluster(name);
        Ok(self
            .overrides
            .iter()
            .find(|(n, _)| Some(*n) == canonical)
            .map_or(base, |(_, u)| u.clone()))
    }

    /// The cluster whose gateway (in this table) is `url`, if any.
    pub fn name_of(&self, url: &BaseUrl) -> Option<&'static str> {
        match self.overrides.iter().find(|(_, u)| u == url) {
            Some((name, _)) => Some(name),
            None => cluster_of_url(url).filter(|n| self.overrides.iter().all(|(o, _)| o != n)),
        }
    }
}

/// A cluster name that is not in [`CLUSTERS`]. Its message lists every known name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown Central cluster {given:?}: known clusters are {}; \
     or give the API gateway URL shown in Central (API Gateway page) instead",
    known_names()
)]
pub struct UnknownCluster {
    given: String,
}

impl UnknownCluster {
    /// The name that was given.
    pub fn given(&self) -> &str {
        &self.given
    }
}

fn known_names() -> String {
    CLUSTERS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Names compare without case and without the separators `-`, `_` and spaces, so `us-west-4`,
/// `US_WEST_4` and `uswest4` all name `US-WEST-4`. (No two names of the table collide this way;
/// a test checks it.)
fn normalise(name: &str) -> String {
    name.trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The canonical name and gateway of the cluster `name`, if known.
fn lookup(name: &str) -> Option<(&'static str, &'static str)> {
    let wanted = normalise(name);
    if wanted.is_empty() {
        return None;
    }
    CLUSTERS
        .iter()
        .find(|(known, _)| normalise(known) == wanted)
        .copied()
}

/// The API gateway of the cluster `name`, matched case-insensitively (and ignoring `-`, `_` and
/// spaces).
///
/// ```
/// let base = central_api::resolve_cluster("us-west-4")?;
/// assert_eq!(base.to_string(), "https://us4.api.central.arubanetworks.com");
/// assert!(central_api::resolve_cluster("Mars-1").unwrap_err().to_string().contains("US-WEST-4"));
/// # Ok::<(), central_api::UnknownCluster>(())
/// ```
pub fn resolve_cluster(name: &str) -> Result<BaseUrl, UnknownCluster> {
    let (_, url) = lookup(name).ok_or_else(|| UnknownCluster {
        given: name.trim().chars().take(100).collect(),
    })?;
    #[allow(clippy::expect_used)]
    Ok(BaseUrl::parse(url).expect("every URL of CLUSTERS is a valid https URL (tested)"))
}

/// Where the Central API gateway is: an explicit URL, or a cluster name resolved through
/// [`CLUSTERS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CentralLocation {
    /// The gateway URL, as shown in Central (API Gateway page), or the simulator's URL.
    Url(BaseUrl),
    /// A cluster name from [`CLUSTERS`] (matched case-insensitively).
    Cluster(String),
}

/// Why no Central location could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LocationError {
    /// Neither a URL nor a cluster name was given.
    #[error(
        "no Central API gateway given: set its URL (e.g. CENTRAL_BASE_URL, shown in Central \
         on the API Gateway page) or a cluster name (e.g. CENTRAL_CLUSTER), one of {}",
        known_names()
    )]
    Missing,
    /// The URL given is not usable.
    #[error("the Central API gateway URL is not usable: {0}")]
    InvalidUrl(#[from] InvalidBaseUrl),
    /// The cluster name given is not known.
    #[error(transparent)]
    UnknownCluster(#[from] UnknownCluster),
}

impl CentralLocation {
    /// Chooses from an optional URL and an optional cluster name, as read from configuration or
    /// the environment: the URL wins whenever it is given (then the cluster is not looked at);
    /// blank values count as not given.
    ///
    /// Errors: [`LocationError::Missing`] when neither is given, [`LocationError::InvalidUrl`]
    /// for a URL that is not `https` (or `http` on a loopback host), and
    /// [`LocationError::UnknownCluster`] (listing the known names) for an unknown cluster.
    ///
    /// ```
    /// use central_api::CentralLocation;
    /// let chosen = CentralLocation::choose(Some("https://proxy.example"), Some("US-1"))?;
    /// assert_eq!(chosen.base_url()?.to_string(), "https://proxy.example");
    /// let chosen = CentralLocation::choose(None, Some("uk"))?;
    /// assert_eq!(chosen.base_url()?.to_string(), "https://gb1.api.central.arubanetworks.com");
    /// assert!(CentralLocation::choose(Some(" "), None).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn choose(url: Option<&str>, cluster: Option<&str>) -> Result<Self, LocationError> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        if let Some(url) = given(url) {
            return Ok(Self::Url(BaseUrl::parse(url)?));
        }
        if let Some(cluster) = given(cluster) {
            let (name, _) = lookup(cluster).ok_or_else(|| UnknownCluster {
                given: cluster.chars().take(100).collect(),
            })?;
            return Ok(Self::Cluster(name.to_owned()));
        }
        Err(LocationError::Missing)
    }

    /// The gateway's base URL.
    pub fn base_url(&self) -> Result<BaseUrl, UnknownCluster> {
        match self {
            Self::Url(url) => Ok(url.clone()),
            Self::Cluster(name) => resolve_cluster(name),
        }
    }
}

/// Parses a URL (anything containing `://`) or else a cluster name.
impl FromStr for CentralLocation {
    type Err = LocationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.contains("://") {
            Self::choose(Some(s), None)
        } else {
            Self::choose(None, Some(s))
        }
    }
}

impl fmt::Display for CentralLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(url) => url.fmt(f),
            Self::Cluster(name) => match lookup(name) {
                Some((name, url)) => write!(f, "{name} ({url})"),
                None => write!(f, "{name} (unknown cluster)"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_names_collide_after_normalisation() {
        let mut seen = std::collections::HashSet::new();
        for (name, _) in CLUSTERS {
            assert!(seen.insert(normalise(name)), "{name} collides");
        }
    }

    #[test]
    fn blank_is_not_a_cluster() {
        assert!(resolve_cluster("").is_err());
        assert!(resolve_cluster(" - ").is_err());
    }
}
