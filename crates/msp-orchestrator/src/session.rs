//! A [`Session`]: the clients of a run (one transport, the MSP token providers, GreenLake and
//! every Central cluster) built from plain [`SessionSettings`], with the credential checked once
//! before any tenant is contacted.

use std::time::Duration;

use central_api::{CentralClient, ClusterTable};
use glp_auth::{AuthError, AuthOptions, BaseUrl, Credentials, RetryPolicy, Scope, msp_provider};
use glp_transport::{Api, ApiClient, ApiClientBuilder, ApiError, Transport};
use glp_workspaces::WorkspacesClient;

use crate::clusters::{CentralCluster, Clusters, DiscoveryError, discover};

/// How long a connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which Central gateways a session uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CentralPlan {
    /// These gateways, each with its name (the cluster's, or the host's for a URL that is in
    /// no table), in the order given.
    Gateways(Vec<(String, BaseUrl)>),
    /// Find the MSP's clusters from GreenLake's service catalog, then a probe of each
    /// candidate (see [`discover`]).
    Auto,
}

/// What a [`Session`] is built from: plain values, whatever read them (flags, a file, code).
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// The MSP's API credential and GreenLake's base URL.
    pub credentials: Credentials,
    /// Which Central gateways to use.
    pub central: CentralPlan,
    /// The cluster table (with any gateway overrides) that discovery maps regions through.
    pub cluster_table: ClusterTable,
    /// A ceiling on Central requests per second per gateway (none: learned from the server).
    pub rate: Option<f64>,
    /// A ceiling on GreenLake requests per second (none: learned from the server).
    pub glp_rate: Option<f64>,
    /// The cap on one response body, in bytes.
    pub max_body: u64,
    /// The retry policy of every request, token requests included.
    pub retry: RetryPolicy,
}

impl SessionSettings {
    /// Settings with the given credential and Central plan, and the defaults for the rest (the
    /// built-in cluster table, no ceilings, a 32 MiB body cap, the default retry policy).
    pub fn new(credentials: Credentials, central: CentralPlan) -> Self {
        Self {
            credentials,
            central,
            cluster_table: ClusterTable::default(),
            rate: None,
            glp_rate: None,
            max_body: glp_transport::DEFAULT_MAX_BODY,
            retry: RetryPolicy::default(),
        }
    }
}

/// Why a [`Session`] could not be built. No tenant was contacted in any case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The HTTP client or a token provider could not be set up.
    #[error("cannot set up the HTTP clients: {0}")]
    Setup(String),
    /// The MSP credential was refused, or the token endpoint could not be reached.
    #[error("cannot get an MSP access token; no tenant was contacted")]
    Token(#[source] AuthError),
    /// `CentralPlan::Auto` found no usable cluster.
    #[error("--central-cluster auto; no tenant was contacted")]
    Discovery(#[source] DiscoveryError),
    /// `CentralPlan::Gateways` was empty.
    #[error("no Central gateway: name a cluster or give a gateway URL")]
    NoGateway,
}

impl From<ApiError> for SessionError {
    fn from(e: ApiError) -> Self {
        Self::Setup(e.to_string())
    }
}

/// The clients of a run: GreenLake, every Central cluster, all sharing one transport (one
/// connection pool, each host's pacers) and one MSP token cache.
#[derive(Debug, Clone)]
pub struct Session {
    /// GreenLake (MSP token; tenants' own resources through it).
    pub workspaces: WorkspacesClient,
    /// The Central gateways: those given, or those found.
    pub clusters: Clusters,
    /// What discovery wants the user to know (each a sentence); empty for given gateways.
    pub notes: Vec<String>,
    /// Whether the clusters were found by discovery (rather than given).
    pub discovered: bool,
}

impl Session {
    /// Builds the clients and gets the MSP token once, so a refused credential stops here;
    /// with [`CentralPlan::Auto`], finds the MSP's clusters.
    pub async fn connect(settings: &SessionSettings) -> Result<Self, SessionError> {
        let transport = Transport::new(CONNECT_TIMEOUT)?;
        let mut options = AuthOptions::default();
        options.retry = settings.retry;
        options.fetch_timeout = settings.retry.rate_limited_budget + Duration::from_secs(60);
        options.transport = Some(transport.clone());
        let provider = msp_provider(settings.credentials.clone(), options)
            .map_err(|e| SessionError::Setup(e.to_string()))?;
        let builder = |api: Api, base: BaseUrl, ceiling: Option<f64>| -> ApiClientBuilder {
            let builder = ApiClient::builder(api, base, provider.clone())
                .transport(transport.clone())
                .retry(settings.retry)
                .max_body_bytes(settings.max_body);
            match ceiling {
                Some(rate) => builder.rate_limit(rate),
                None => builder.no_rate_limit(),
            }
        };
        let glp = builder(
            Api::GreenLake,
            settings.credentials.base_url.clone(),
            settings.glp_rate,
        )
        .build()?;
        provider
            .token(&Scope::Msp)
            .await
            .map_err(SessionError::Token)?;
        let workspaces = WorkspacesClient::new(glp);
        let (gateways, notes, discovered) = match &settings.central {
            CentralPlan::Gateways(list) => (list.clone(), Vec::new(), false),
            CentralPlan::Auto => {
                // Probes are quick: a cluster that is not the MSP's answers 401 at once; a
                // transient failure is retried twice.
                let probe_at = |base: BaseUrl| {
                    builder(Api::Central, base, settings.rate)
                        .retry(RetryPolicy::with_max_attempts(3))
                        .no_token_refresh()
                        .build()
                        .map(CentralClient::new)
                };
                let found = discover(&workspaces, &settings.cluster_table, probe_at)
                    .await
                    .map_err(SessionError::Discovery)?;
                (found.found, found.notes, true)
            }
        };
        let mut list = Vec::with_capacity(gateways.len());
        for (name, base) in gateways {
            let client = builder(Api::Central, base, settings.rate)
                .build()
                .map(CentralClient::new)?;
            list.push(CentralCluster { name, client });
        }
        let clusters = Clusters::new(list).ok_or(SessionError::NoGateway)?;
        Ok(Self {
            workspaces,
            clusters,
            notes,
            discovered,
        })
    }
}
