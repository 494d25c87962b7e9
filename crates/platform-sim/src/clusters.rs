//! Central clusters: the public ones the simulator routes (`/clusters/{slug}/...`), which of them
//! belong to the simulated MSP, and the [`ClusterCtx`] extractor that tells a handler which
//! cluster a request reached.
//!
//! The simulator keeps its own table (it is a model of the platform, not of our client): the
//! cluster names as the vendor's SDK lists them, each with the GreenLake region HPE's MSP
//! workbench maps it to. A request under `/clusters/{slug}` reaches that cluster (`slug` = the
//! name in lower case, e.g. `us-west-4`); a request without the prefix reaches the MSP's first
//! cluster. A cluster that is not one of the MSP's answers 401 to everything (the MSP is not
//! provisioned there), as the live gateways of other regions do.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;

use crate::errors::{Api, not_found};
use crate::server::AppState;

/// The public clusters and their GreenLake regions.
pub(crate) const PUBLIC: &[(&str, &str)] = &[
    ("US-1", "us-west"),
    ("US-2", "us-west"),
    ("US-WEST-4", "us-west"),
    ("US-WEST-5", "us-west"),
    ("US-East1", "us-west"),
    ("Canada-1", "ca-central"),
    ("EU-1", "eu-central"),
    ("EU-Central2", "eu-central"),
    ("EU-Central3", "eu-central"),
    ("UK", "eu-west"),
    ("APAC-1", "ap-south"),
    ("APAC-EAST1", "ap-northeast"),
    ("APAC-SOUTH1", "ap-ausnz"),
    ("UAE", "mea"),
    ("China", "cn-north"),
];

/// The path prefix of every routed cluster.
pub(crate) const PREFIX: &str = "/clusters/";

/// The canonical name of a public cluster, matched without case.
pub(crate) fn canonical(name: &str) -> Option<&'static str> {
    PUBLIC
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
        .map(|(n, _)| *n)
}

/// The GreenLake region of a public cluster.
pub(crate) fn region(name: &str) -> Option<&'static str> {
    PUBLIC
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, r)| *r)
}

/// The URL path segment of a cluster.
pub(crate) fn slug(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The rest of `path` after a `/clusters/{slug}` prefix, and the slug; `None` without the
/// prefix.
pub(crate) fn split(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(PREFIX)?;
    match rest.find('/') {
        Some(i) => Some((&rest[..i], &rest[i..])),
        None => Some((rest, "")),
    }
}

/// Which cluster a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClusterCtx {
    /// One of the MSP's clusters: its position in [`SimConfig::clusters`](crate::SimConfig).
    Msp(usize),
    /// A public cluster where the MSP is not provisioned.
    Foreign(&'static str),
}

/// Resolves the cluster of `path` against the MSP's `clusters` (canonical names); an unknown
/// cluster is a 404 in `api`'s words.
pub(crate) fn resolve(path: &str, clusters: &[String], api: Api) -> Result<ClusterCtx, Response> {
    let Some((slug_text, _)) = split(path) else {
        return Ok(ClusterCtx::Msp(0));
    };
    let Some(name) = PUBLIC
        .iter()
        .map(|(n, _)| *n)
        .find(|n| slug(n) == slug_text)
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
        resolve(parts.uri.path(), &state.cfg.clusters, state.central())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CentralDialect;

    const API: Api = Api::Central(CentralDialect::New);

    #[test]
    fn paths_resolve_to_clusters() {
        let mine = vec!["US-WEST-4".to_string(), "EU-1".to_string()];
        assert_eq!(
            resolve("/network-msp/v1/list-tenants", &mine, API).ok(),
            Some(ClusterCtx::Msp(0))
        );
        assert_eq!(
            resolve("/clusters/eu-1/network-msp/v1/list-tenants", &mine, API).ok(),
            Some(ClusterCtx::Msp(1))
        );
        assert_eq!(
            resolve("/clusters/us-2/network-monitoring/v1/aps", &mine, API).ok(),
            Some(ClusterCtx::Foreign("US-2"))
        );
        assert!(resolve("/clusters/mars-1/network-msp/v1/list-tenants", &mine, API).is_err());
        assert_eq!(
            split("/clusters/uk/network-msp/v1/list-tenants"),
            Some(("uk", "/network-msp/v1/list-tenants"))
        );
        assert_eq!(canonical("us-west-4"), Some("US-WEST-4"));
        assert_eq!(region("EU-Central2"), Some("eu-central"));
    }
}
