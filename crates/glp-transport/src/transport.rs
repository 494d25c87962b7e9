//! [`Transport`]: what every request of a process shares: one HTTP connection pool, one
//! [`Pacer`] per host and API, one optional ceiling per host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::host::Host;
use crate::pacer::{Ceiling, Pacer};
use crate::{Api, ApiError, Sleeper, TokioSleeper};

/// The HTTP connection pool and the flow control shared by every [`ApiClient`](crate::ApiClient)
/// built on it, the token endpoint's included (`glp-auth` sends its grants and exchanges through
/// an `ApiClient` too). Cheap to clone: clones share everything.
///
/// - **One pool.** One HTTP client (rustls, the crate's `User-Agent`) keeps the connections to
///   every host. It follows no redirect itself: a GET follows one only within its origin, a
///   token request never (see [`ApiClient`](crate::ApiClient)).
/// - **One pacer per host and API.** GreenLake's budgets are per API client *and per endpoint*,
///   so its requests are paced per API family, the first segment of the path (`authorization`
///   for tokens, `workspaces`, `devices`, `subscriptions`, ...); each Central gateway has one
///   pacer for all its requests. A 429 on the token endpoint therefore slows the next token
///   request, not the tenant listing, and a 429 on a Central gateway slows every tenant's calls
///   to it.
/// - **One host for its families.** When a host's families turn out to draw from one budget
///   (the same `Limit` announced by two of them, or two of them refused within a second), a
///   429 or a spent budget on one slows the others too (see the `host` module): back off per
///   host as well as per API, recover per API.
/// - **One write pacer per host, API family and workspace.** GreenLake's write budgets are per
///   workspace (40 device writes a minute *per workspace*, 4 subscription adds a minute per
///   workspace): a GreenLake write ([`Request::write`](crate::Request::write)) waits for the
///   pacer of its family in the workspace it writes to ([`write_pacer`](Self::write_pacer)), so
///   twenty
///   tenants' writes are not squeezed into one budget. At most
///   [`MAX_WRITE_PACERS`](crate::MAX_WRITE_PACERS) are kept (the least recently used idle ones
///   are dropped first).
/// - **One ceiling per host and API**, if set ([`ApiClientBuilder::rate_limit`](crate::ApiClientBuilder::rate_limit)):
///   never exceeded by all the requests of that API to that host together (GreenLake's token
///   requests included).
/// - **One sleeper** for the waits of the retry loop between attempts ([`Sleeper`]; tokio's by
///   default, see [`with_sleeper`](Self::with_sleeper)).
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
    sleeper: Arc<dyn Sleeper>,
}

struct Inner {
    http: reqwest::Client,
    pacers: Mutex<HashMap<(String, Api, String), Arc<Pacer>>>,
    /// The writes' pacers, one per host, API family and workspace (see `write_pacers`).
    writes: crate::write_pacers::WritePacers,
    /// One per origin: what its API families share once they prove to draw from one budget.
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    ceilings: Mutex<HashMap<(String, Api), Arc<Ceiling>>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pacers: Vec<String> = lock(&self.inner.pacers)
            .keys()
            .map(|(origin, api, group)| format!("{api} {origin} {group}"))
            .collect();
        f.debug_struct("Transport")
            .field("pacers", &pacers)
            .field("sleeper", &self.sleeper)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Transport {
    /// A transport whose connections are established within `connect_timeout` (each request's
    /// whole-request limit is its client's).
    pub fn new(connect_timeout: Duration) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(crate::http::USER_AGENT)
            .build()
            .map_err(|e| {
                ApiError::InvalidRequest(format!("could not build the HTTP client: {e}"))
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                pacers: Mutex::new(HashMap::new()),
                writes: crate::write_pacers::WritePacers::default(),
                hosts: Mutex::new(HashMap::new()),
                ceilings: Mutex::new(HashMap::new()),
            }),
            sleeper: Arc::new(TokioSleeper),
        })
    }

    /// A clone that shares this transport's pool, pacers and ceilings but waits between the
    /// attempts of a retry with `sleeper` (e.g. one that records the waits, in a test). Clients
    /// built on the clone use it; clients already built keep theirs.
    #[must_use]
    pub fn with_sleeper(&self, sleeper: Arc<dyn Sleeper>) -> Self {
        Self {
            inner: self.inner.clone(),
            sleeper,
        }
    }

    /// What the retry loop waits with between attempts.
    pub fn sleeper(&self) -> &Arc<dyn Sleeper> {
        &self.sleeper
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The pacer of the requests of `api` to `url` (see the type's documentation for the
    /// grouping).
    pub fn pacer(&self, api: Api, url: &url::Url, path: &str) -> Arc<Pacer> {
        let origin = url.origin().ascii_serialization();
        let group = family_of(api, path);
        let mut pacers = lock(&self.inner.pacers);
        if let Some(pacer) = pacers.get(&(origin.clone(), api, group.clone())) {
            return pacer.clone();
        }
        let host = lock(&self.inner.hosts)
            .entry(origin.clone())
            .or_default()
            .clone();
        let family = format!("{api}/{group}");
        pacers
            .entry((origin, api, group))
            .or_insert_with(|| Arc::new(Pacer::in_host(host, family)))
            .clone()
    }

    /// The pacer of the writes of `api` to `url` (its family, as [`pacer`](Self::pacer) groups)
    /// in the workspace `scope` names: one per host, family and workspace, learning that
    /// workspace's write budget on its own (it answers to no host: one tenant's 429s never slow
    /// another tenant's writes).
    pub fn write_pacer(
        &self,
        api: Api,
        url: &url::Url,
        path: &str,
        scope: &glp_core::Scope,
    ) -> Arc<Pacer> {
        let origin = url.origin().ascii_serialization();
        self.inner
            .writes
            .get((origin, api, family_of(api, path), scope.to_string()))
    }

    /// Sets the ceiling of every request of `api` to `url`'s host (scheme, host, port)
    /// together: `per_second` requests a second with bursts of `burst`. `None` removes it.
    pub fn set_ceiling(&self, api: Api, url: &url::Url, per_second: Option<f64>, burst: u32) {
        let origin = (url.origin().ascii_serialization(), api);
        let mut ceilings = lock(&self.inner.ceilings);
        match per_second.and_then(|r| Ceiling::new(r, burst)) {
            Some(ceiling) => {
                ceilings.insert(origin, Arc::new(ceiling));
            }
            None => {
                ceilings.remove(&origin);
            }
        }
    }

    /// What each host and API family was sent so far, by host and family: requests (every
    /// attempt), 429s and the rate learned, for a run's record (`snapshot` stores them).
    pub fn families(&self) -> Vec<FamilyStats> {
        let mut out: Vec<FamilyStats> = lock(&self.inner.pacers)
            .iter()
            .map(|((origin, api, group), pacer)| {
                let answers = pacer.answers();
                FamilyStats {
                    host: origin.clone(),
                    family: match api {
                        Api::Central => "central".to_owned(),
                        Api::GreenLake => format!("greenlake/{group}"),
                    },
                    requests: answers.requests,
                    rate_limited: answers.rate_limited,
                    learned_rate: pacer.learned_rate(),
                }
            })
            .chain(self.inner.writes.families())
            .filter(|f| f.requests > 0)
            .collect();
        out.sort_by(|a, b| (&a.host, &a.family).cmp(&(&b.host, &b.family)));
        out
    }

    pub(crate) fn ceiling(&self, api: Api, url: &url::Url) -> Option<Arc<Ceiling>> {
        let origin = (url.origin().ascii_serialization(), api);
        lock(&self.inner.ceilings).get(&origin).cloned()
    }
}

/// The family a request to `path` of `api` is paced in: the first segment of a GreenLake
/// path, nothing for Central (one per gateway).
fn family_of(api: Api, path: &str) -> String {
    match api {
        Api::Central => String::new(),
        Api::GreenLake => path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// One host and API family's figures ([`Transport::families`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyStats {
    /// The origin (`https://global.api.greenlake.hpe.com`): scheme, host and port.
    pub host: String,
    /// `central` (a Central gateway), or `greenlake/<first path segment>` (`greenlake/devices`);
    /// the writes, paced per workspace, are summed as `greenlake/<segment> writes`.
    pub family: String,
    /// Requests let through (every attempt, answered or not).
    pub requests: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// The rate learned from 429s (requests per second), if one was.
    pub learned_rate: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greenlake_is_paced_per_api_family_and_central_per_gateway() {
        let t = Transport::new(Duration::from_secs(1)).expect("transport");
        let glp = url::Url::parse("https://global.api.greenlake.hpe.com/x").expect("url");
        let token = t.pacer(Api::GreenLake, &glp, "authorization/v2/oauth2/abc/token");
        let tenants = t.pacer(Api::GreenLake, &glp, "workspaces/v1/msp-tenants");
        let tenants2 = t.pacer(Api::GreenLake, &glp, "/workspaces/v1/msp-tenants?offset=2");
        assert!(!Arc::ptr_eq(&token, &tenants));
        assert!(Arc::ptr_eq(&tenants, &tenants2));
        let central = url::Url::parse("https://us1.api.central.arubanetworks.com").expect("url");
        let a = t.pacer(Api::Central, &central, "network-monitoring/v1/aps");
        let b = t.pacer(Api::Central, &central, "network-msp/v1/list-tenants");
        assert!(Arc::ptr_eq(&a, &b));
        let other = url::Url::parse("https://de1.api.central.arubanetworks.com").expect("url");
        assert!(!Arc::ptr_eq(
            &a,
            &t.pacer(Api::Central, &other, "network-monitoring/v1/aps")
        ));
        // Each family's answers are counted; families never used are left out.
        let headers = reqwest::header::HeaderMap::new();
        tenants.answered(200, &headers, None);
        tenants.answered(429, &headers, None);
        a.lost();
        let got: Vec<(String, String, u64, u64)> = t
            .families()
            .into_iter()
            .map(|f| (f.host, f.family, f.requests, f.rate_limited))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "https://global.api.greenlake.hpe.com".to_owned(),
                    "greenlake/workspaces".to_owned(),
                    2,
                    1
                ),
                (
                    "https://us1.api.central.arubanetworks.com".to_owned(),
                    "central".to_owned(),
                    1,
                    0
                ),
            ]
        );
    }
}
