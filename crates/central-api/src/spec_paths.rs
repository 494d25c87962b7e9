//! Which paths belong to a Central cluster: the API families (first path segment) of HPE's new
//! Central specs, and the catalog of their GET paths ([`central_get_paths`]).

use std::sync::LazyLock;

use glp_transport::SpecPaths;

/// The API families (a path's first segment) of HPE's new Central specs (monitoring,
/// configuration, notifications, MSP, reporting, services, troubleshooting), every one served
/// by the tenant's Central cluster with the tenant token.
pub const CENTRAL_FAMILIES: &[&str] = &[
    "network-config",
    "network-monitoring",
    "network-msp",
    "network-notifications",
    "network-reporting",
    "network-services",
    "network-troubleshooting",
];

static GET_PATHS: LazyLock<SpecPaths> =
    LazyLock::new(|| SpecPaths::parse(include_str!("spec_paths.txt")));

/// Every GET path of the Central specs of [`CENTRAL_FAMILIES`], with its paging.
pub fn central_get_paths() -> &'static SpecPaths {
    &GET_PATHS
}

/// The family of [`CENTRAL_FAMILIES`] named `family` (a path's first segment), if it is one.
pub fn central_family(family: &str) -> Option<&'static str> {
    CENTRAL_FAMILIES.iter().copied().find(|f| *f == family)
}

#[cfg(test)]
mod tests {
    use super::*;
    use glp_transport::SpecPaging;

    #[test]
    fn every_catalog_line_parses_into_a_central_family() {
        let lines = include_str!("spec_paths.txt")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(central_get_paths().entries().len(), lines);
        for entry in central_get_paths().entries() {
            let mut segments = entry.template.split('/');
            let family = segments.next().unwrap_or_default();
            assert!(central_family(family).is_some(), "{}", entry.template);
            let version = segments.next().unwrap_or_default();
            assert!(crate::endpoint::is_version(version), "{}", entry.template);
        }
    }

    #[test]
    fn the_typed_lists_page_as_the_specs_say() {
        for r in crate::Resource::all() {
            let paging = match r.paging() {
                crate::Paging::Cursor => SpecPaging::Cursor,
                crate::Paging::Offset => SpecPaging::Offset,
            };
            let found = central_get_paths().find(&r.path()).map(|e| e.paging);
            assert_eq!(found, Some(paging), "{}", r.path());
        }
        let sites = central_get_paths().find("network-config/v1/sites");
        assert_eq!(sites.map(|e| e.paging), Some(SpecPaging::Offset));
    }
}
