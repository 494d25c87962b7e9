//! Which Central cluster a request reached: the [`ClusterCtx`] extractor, from the `{cluster}`
//! of `/clusters/{cluster}/...` (none: the MSP's first cluster); and the [`ClusterTenant`]
//! extractor of a tenant-scoped request: the tenant, on the cluster it reached.

use std::sync::Arc;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::response::Response;

use crate::clusters;
use crate::errors::{Api, forbidden, not_found, unauthorized};
use crate::state::AppState;
use crate::tokens::Subject;

/// Which cluster a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClusterCtx {
    /// One of the MSP's clusters: its position in [`SimConfig::clusters`](crate::SimConfig).
    Msp(usize),
    /// A public cluster where the MSP is not provisioned.
    Foreign(&'static str),
}

/// Resolves the cluster a request reached (`slug`, the `{cluster}` of `/clusters/{cluster}/...`;
/// none: the MSP's first) against the MSP's `clusters` (canonical names); an unknown cluster is a
/// 404 in `api`'s words.
fn resolve(slug: Option<&str>, clusters: &[String], api: Api) -> Result<ClusterCtx, Response> {
    let Some(slug_text) = slug else {
        return Ok(ClusterCtx::Msp(0));
    };
    let Some(name) = clusters::PUBLIC
        .iter()
        .map(|(n, _)| *n)
        .find(|n| clusters::slug(n) == slug_text)
    else {
        return Err(not_found(
            api,
            &format!("No Central cluster '{}'", slug_text.escape_default()),
        ));
    };
    Ok(match clusters.iter().position(|c| c == name) {
        Some(i) => ClusterCtx::Msp(i),
        None => ClusterCtx::Foreign(name),
    })
}

impl FromRequestParts<Arc<AppState>> for ClusterCtx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let api = state.central();
        let slug = match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => params
                .iter()
                .find(|(k, _)| *k == clusters::PARAM)
                .map(|(_, v)| v.to_owned()),
            // Only a `{cluster}` that is not UTF-8 once decoded: no such cluster.
            Err(_) => return Err(not_found(api, "No Central cluster with that name")),
        };
        resolve(slug.as_deref(), &state.cfg.clusters, api)
    }
}

/// The 401 of a cluster where the MSP is not provisioned: its tokens mean nothing there.
fn foreign_cluster(api: Api, name: &str) -> Response {
    unauthorized(
        api,
        &format!(
            "The access token is not valid on this Central cluster ({name}): the workspace is \
             not provisioned here"
        ),
    )
}

/// The cluster position of an MSP cluster, or the 401 (in `api`'s words) of a foreign one.
pub(super) fn msp_cluster(api: Api, cluster: ClusterCtx) -> Result<usize, Response> {
    match cluster {
        ClusterCtx::Msp(i) => Ok(i),
        ClusterCtx::Foreign(name) => Err(foreign_cluster(api, name)),
    }
}

/// The tenant a tenant-scoped Central request is for (its position in the population): only a
/// tenant token, on the cluster the request reached (another cluster does not know the tenant:
/// 401); else the request is answered with the error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClusterTenant(pub(crate) u32);

impl FromRequestParts<Arc<AppState>> for ClusterTenant {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        st: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let cluster = ClusterCtx::from_request_parts(parts, st).await?;
        let api = st.central();
        let cluster = msp_cluster(api, cluster)?;
        let tenant = match st.authenticate(&parts.headers, api) {
            Ok(Subject::Tenant(i)) => i,
            Ok(Subject::Msp) => {
                return Err(forbidden(
                    api,
                    "This API needs a tenant access token (token exchange for the tenant workspace); the MSP token was presented",
                    "Exchange the MSP token for a token of the tenant workspace (id without hyphens) and call again with it",
                ));
            }
            Err(r) => return Err(r),
        };
        if st.pop.tenants[tenant as usize].cluster != Some(cluster as u8) {
            return Err(unauthorized(
                api,
                "The access token is not valid on this Central cluster: the tenant lives on another \
                 cluster (or on none)",
            ));
        }
        Ok(Self(tenant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CentralDialect;

    const API: Api = Api::Central(CentralDialect::New);

    #[test]
    fn slugs_resolve_to_clusters() {
        let mine = vec!["US-WEST-4".to_string(), "EU-1".to_string()];
        assert_eq!(resolve(None, &mine, API).ok(), Some(ClusterCtx::Msp(0)));
        assert_eq!(
            resolve(Some("eu-1"), &mine, API).ok(),
            Some(ClusterCtx::Msp(1))
        );
        assert_eq!(
            resolve(Some("us-2"), &mine, API).ok(),
            Some(ClusterCtx::Foreign("US-2"))
        );
        assert!(resolve(Some("mars-1"), &mine, API).is_err());
    }
}
