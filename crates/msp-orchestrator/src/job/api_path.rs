//! [`ApiPath`]: a GET path of HPE's published GreenLake and Central specs, with the host its
//! API family is served by and the paging its spec gives; and how a tenant's job reads one.

use std::fmt;

use glp_core::Scope;
use glp_transport::{ApiClient, SpecPaging, SpecPaths};

use super::*;

/// The host a path's API family is served by, and so the token it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiHost {
    /// The GreenLake base URL, with the tenant's exchanged GreenLake token
    /// ([`GREENLAKE_FAMILIES`](glp_workspaces::GREENLAKE_FAMILIES)).
    GreenLake,
    /// The tenant's Central cluster, with the tenant token
    /// ([`CENTRAL_FAMILIES`](central_api::CENTRAL_FAMILIES)).
    Central,
}

impl fmt::Display for ApiHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::GreenLake => "GreenLake",
            Self::Central => "Central",
        })
    }
}

/// A path to collect, below the base URL of its host, classified by its API family (the first
/// segment): where it is sent, and how its answer is paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPath {
    /// Where it is sent.
    pub host: ApiHost,
    /// The path, checked ([`glp_transport::check_path`]), without leading or trailing `/`.
    pub path: String,
    /// How its answer is read: the spec's paging for a GET of the specs, the family's (offset
    /// on GreenLake, cursor on Central) for an unlisted path.
    pub paging: SpecPaging,
}

impl ApiPath {
    /// Classifies `path`: checked like every path ([`glp_transport::check_path`]), its family
    /// one of GreenLake's or Central's, and a GET of the family's specs (the paging is the
    /// spec's), or, with `unlisted`, any path of the family (paged as the family's lists:
    /// offset on GreenLake, cursor on Central). Refused with the reason: a path of no known
    /// family, a path that is no GET of the specs (naming the nearest ones).
    pub fn classify(path: &str, unlisted: bool) -> Result<Self, String> {
        let shown: String = path.trim().chars().take(100).collect();
        let segments = glp_transport::check_path(path)
            .map_err(|problem| format!("the resource path `{shown}`: {problem}"))?;
        let family = segments.first().copied().unwrap_or_default();
        let (host, catalog): (ApiHost, &SpecPaths) =
            if central_api::central_family(family).is_some() {
                (ApiHost::Central, central_api::central_get_paths())
            } else if glp_workspaces::is_greenlake_family(family) {
                (ApiHost::GreenLake, glp_workspaces::greenlake_get_paths())
            } else {
                return Err(format!(
                    "`{shown}` is in no API family of the GreenLake or Central specs"
                ));
            };
        let path = segments.join("/");
        let paging = match catalog.find(&path) {
            Some(get) => get.paging,
            None if unlisted => match host {
                ApiHost::GreenLake => SpecPaging::Offset,
                ApiHost::Central => SpecPaging::Cursor,
            },
            None => {
                let near = catalog.near(&path, 3);
                let near = if near.is_empty() {
                    String::new()
                } else {
                    format!("; the nearest are {}", near.join(", "))
                };
                return Err(format!(
                    "`{shown}` is not a GET path of HPE's published {host} specs{near} \
                     (pass --unlisted to send it anyway)"
                ));
            }
        };
        Ok(Self { host, path, paging })
    }

    /// The tenant's items of this path: every item of every page of a list, or the one
    /// answer of a GET that is no list; `query`'s filter, sort and parameters sent with it.
    pub(super) fn items(
        &self,
        clients: &TenantClients,
        query: &Query,
    ) -> BoxStream<'static, Result<Box<RawValue>, ApiError>> {
        match (self.host, self.paging) {
            (ApiHost::Central, SpecPaging::One) => {
                let central = &clients.central;
                one(central.api_client(), central.tenant_id(), &self.path, query)
            }
            (ApiHost::Central, paging) => {
                let paging = match paging {
                    SpecPaging::Offset => central_api::Paging::Offset,
                    _ => central_api::Paging::Cursor,
                };
                query
                    .apply(clients.central.list_path(&self.path, paging).raw())
                    .stream()
                    .boxed()
            }
            (ApiHost::GreenLake, paging) => match &clients.greenlake {
                Some(glp) if paging == SpecPaging::One => {
                    one(glp.api_client(), glp.tenant_id(), &self.path, query)
                }
                Some(glp) => {
                    let list = query.apply_glp(glp.list_path(&self.path).raw());
                    if paging == SpecPaging::Cursor {
                        list.cursor_stream()
                    } else {
                        list.stream()
                    }
                }
                None => no_greenlake(),
            },
        }
    }
}

/// The one answer of a GET that is no list, as one item.
fn one(
    api: &ApiClient,
    tenant: glp_core::WorkspaceId,
    path: &str,
    query: &Query,
) -> BoxStream<'static, Result<Box<RawValue>, ApiError>> {
    let (api, path) = (api.clone(), path.to_owned());
    let pairs: Vec<(&'static str, String)> = [("filter", &query.filter), ("sort", &query.sort)]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect();
    let params = query.params.clone();
    stream::once(async move {
        let mut sent: Vec<(&str, String)> = pairs;
        sent.extend(params.iter().map(|(k, v)| (k.as_str(), v.clone())));
        api.get_json::<Box<RawValue>>(&Scope::Tenant(tenant), &path, &sent)
            .await
    })
    .boxed()
}

/// The error of a GreenLake resource in a run without a GreenLake client.
pub(super) fn no_greenlake<T: Send + 'static>() -> BoxStream<'static, Result<T, ApiError>> {
    stream::once(async {
        Err(ApiError::InvalidRequest(
            "GreenLake resources need a GreenLake client (Orchestrator::greenlake)".into(),
        ))
    })
    .boxed()
}
