//! Which paths belong to GreenLake's base URL: the API families (first path segment) of HPE's
//! GreenLake specs served there, those served from regional hosts instead, and the catalog of
//! their GET paths ([`greenlake_get_paths`]).

use std::sync::LazyLock;

use glp_transport::SpecPaths;

/// The API families (a path's first segment) of HPE's GreenLake specs whose servers are the
/// GreenLake base URL (`global.api.greenlake.hpe.com`): their paths take a workspace token
/// (the tenant's, exchanged, for a tenant's records).
pub const GREENLAKE_FAMILIES: &[&str] = &[
    "audit-log",
    "authorization",
    "devices",
    "events",
    "identity",
    "locations",
    "reporting",
    "service-catalog",
    "subscriptions",
    "tags",
    "wellness",
    "workspaces",
];

/// The API families of HPE's GreenLake specs served from regional or data-services hosts
/// (`us-west.api.greenlake.hpe.com`, `us1.data.cloud.hpe.com`, ...), not from the GreenLake
/// base URL: this client does not address them.
pub const REGIONAL_FAMILIES: &[&str] = &[
    "backup-recovery",
    "block-storage",
    "compute-ops",
    "compute-ops-mgmt",
    "consumption-analytics",
    "data-services",
    "flex",
    "object-storage",
    "private-cloud-business",
    "storage-fleet",
    "sustainability-insight-ctr",
    "virtualization",
];

/// The page size of a GreenLake list this crate does not type (the smallest documented
/// maximum, subscriptions' 50, so that every list accepts it).
pub const GENERIC_DEFAULT_LIMIT: u32 = 50;

/// The largest page size accepted for a GreenLake list this crate does not type (the largest
/// documented maximum; the server may refuse less).
pub const GENERIC_MAX_LIMIT: u32 = 2000;

static GET_PATHS: LazyLock<SpecPaths> =
    LazyLock::new(|| SpecPaths::parse(include_str!("spec_paths.txt")));

/// Every GET path of the GreenLake specs of [`GREENLAKE_FAMILIES`], with its paging.
pub fn greenlake_get_paths() -> &'static SpecPaths {
    &GET_PATHS
}

/// Whether `family` (a path's first segment) is one of [`GREENLAKE_FAMILIES`].
pub fn is_greenlake_family(family: &str) -> bool {
    GREENLAKE_FAMILIES.contains(&family)
}

#[cfg(test)]
mod tests {
    use super::*;
    use glp_transport::SpecPaging;

    #[test]
    fn every_catalog_line_parses_into_a_family_of_the_base_url() {
        let text = include_str!("spec_paths.txt");
        let lines = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        let paths = greenlake_get_paths();
        assert_eq!(paths.entries().len(), lines);
        for entry in paths.entries() {
            let family = entry.template.split('/').next().unwrap_or_default();
            assert!(is_greenlake_family(family), "{}", entry.template);
            assert!(glp_transport::check_path(&entry.template.replace(['{', '}'], "")).is_ok());
        }
        for family in REGIONAL_FAMILIES {
            assert!(!is_greenlake_family(family), "{family}");
        }
    }

    #[test]
    fn the_typed_resources_are_offset_lists_of_the_specs() {
        for r in crate::GlpResource::all() {
            let found = greenlake_get_paths().find(r.path()).map(|e| e.paging);
            assert_eq!(found, Some(SpecPaging::Offset), "{}", r.path());
        }
        let one = greenlake_get_paths()
            .find("devices/v1/devices/ABC")
            .map(|e| e.paging);
        assert_eq!(one, Some(SpecPaging::One));
        assert!(greenlake_get_paths().find("devices/v9/devices").is_none());
        assert!((1..=GENERIC_MAX_LIMIT).contains(&GENERIC_DEFAULT_LIMIT));
    }
}
