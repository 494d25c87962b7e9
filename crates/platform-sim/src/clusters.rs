//! Central clusters: the public ones the simulator routes (`/clusters/{slug}/...`) and their
//! GreenLake regions. Which of them belong to the simulated MSP is
//! [`SimConfig::clusters`](crate::SimConfig::clusters); which one a request reached, the
//! `ClusterCtx` extractor of the Central handlers.
//!
//! The simulator keeps its own table (it is a model of the platform, not of our client): the
//! cluster names as the vendor's SDK lists them, each with the GreenLake region HPE's MSP
//! workbench maps it to. A request under `/clusters/{slug}` reaches that cluster (`slug` = the
//! name in lower case, e.g. `us-west-4`); a request without the prefix reaches the MSP's first
//! cluster. A cluster that is not one of the MSP's answers 401 to everything (the MSP is not
//! provisioned there), as the live gateways of other regions do.

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

/// The route Central's endpoints are nested under, once per cluster.
pub(crate) const ROUTE: &str = "/clusters/{cluster}";

/// The name of the cluster's parameter in [`ROUTE`].
pub(crate) const PARAM: &str = "cluster";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_regions() {
        assert_eq!(canonical("us-west-4"), Some("US-WEST-4"));
        assert_eq!(region("EU-Central2"), Some("eu-central"));
    }
}
