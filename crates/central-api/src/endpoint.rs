//! [`Endpoint`]: which list a request reads (API family, version, name), its page-size limits
//! and its [`Paging`]; and the validation of user-given monitoring paths.

use crate::Resource;

/// How a list is paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Paging {
    /// A `next` cursor: the first page is `next=1`, each response gives the next cursor.
    /// Every list this crate types is paged this way but `sites-health`.
    #[default]
    Cursor,
    /// An item `offset`: the first page is `offset=0`, the next starts after the items received
    /// (`sites-health` and `sites-device-health` are paged this way).
    Offset,
}

/// The page size used for monitoring paths this crate does not know (the smallest maximum of
/// the documented lists, so that it is accepted everywhere).
pub const GENERIC_DEFAULT_LIMIT: u32 = 100;
/// The largest page size accepted for monitoring paths this crate does not know (the largest
/// documented maximum; the server may refuse less).
pub const GENERIC_MAX_LIMIT: u32 = 1000;

/// Monitoring lists paged by offset rather than by cursor that are not a [`Resource`].
const OFFSET_PAGED: &[&str] = &["sites-device-health"];

/// A list endpoint below the base URL: `{family}/{version}/{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) family: &'static str,
    pub(crate) version: String,
    pub(crate) name: String,
    pub(crate) default_limit: u32,
    pub(crate) max_limit: u32,
    pub(crate) paging: Paging,
}

impl Endpoint {
    /// Central's MSP tenant list.
    pub(crate) fn list_tenants() -> Self {
        Self {
            family: "network-msp",
            version: "v1".into(),
            name: "list-tenants".into(),
            default_limit: 100,
            max_limit: 100,
            paging: Paging::Cursor,
        }
    }

    /// Central's MSP-wide device inventory (every tenant's devices, MSP token).
    pub(crate) fn msp_device_inventory() -> Self {
        Self {
            family: "network-msp",
            version: "v1".into(),
            name: "device-inventory".into(),
            default_limit: 1000,
            max_limit: 1000,
            paging: Paging::Cursor,
        }
    }

    /// A known resource, under its own API family.
    pub(crate) fn resource(resource: Resource) -> Self {
        Self {
            family: resource.family(),
            version: "v1".into(),
            name: resource.name().into(),
            default_limit: resource.max_limit(),
            max_limit: resource.max_limit(),
            paging: resource.paging(),
        }
    }

    /// A user-given monitoring path (see [`TenantClient::monitoring`](crate::TenantClient::monitoring)).
    pub(crate) fn monitoring(path: &str) -> Result<Self, String> {
        let (version, name) = parse_monitoring_path(path)?;
        // Only the known lists of this API: `alerts` here is no network-monitoring list.
        let known = Resource::from_name(&name).filter(|r| r.family() == "network-monitoring");
        let mut endpoint = match known {
            Some(resource) => Self::resource(resource),
            None => Self {
                family: "network-monitoring",
                version: "v1".into(),
                paging: if OFFSET_PAGED.contains(&name.as_str()) {
                    Paging::Offset
                } else {
                    Paging::Cursor
                },
                name,
                default_limit: GENERIC_DEFAULT_LIMIT,
                max_limit: GENERIC_MAX_LIMIT,
            },
        };
        if let Some(version) = version {
            endpoint.version = version;
        }
        Ok(endpoint)
    }

    /// Any list of a Central API family by its full path (`network-config/v1alpha1/sites`),
    /// paged as given: checked with [`glp_transport::check_path`], its first segment one of
    /// [`CENTRAL_FAMILIES`](crate::CENTRAL_FAMILIES) and its second a version.
    pub(crate) fn family_path(path: &str, paging: Paging) -> Result<Self, String> {
        let shown: String = path.chars().take(100).collect();
        let segments = glp_transport::check_path(path)
            .map_err(|problem| format!("invalid Central path {shown:?}: {problem}"))?;
        let (family, version, rest) = match segments.as_slice() {
            [family, version, rest @ ..] if !rest.is_empty() && is_version(version) => {
                (*family, *version, rest)
            }
            _ => {
                return Err(format!(
                    "invalid Central path {shown:?}: write it as <family>/<version>/<list>"
                ));
            }
        };
        let family = crate::central_family(family).ok_or_else(|| {
            format!("invalid Central path {shown:?}: `{family}` is no Central API family")
        })?;
        Ok(Self {
            family,
            version: version.to_owned(),
            name: rest.join("/"),
            default_limit: GENERIC_DEFAULT_LIMIT,
            max_limit: GENERIC_MAX_LIMIT,
            paging,
        })
    }

    /// Stands in for a monitoring path that was refused (the request reports the refusal and
    /// never sends anything).
    pub(crate) fn refused() -> Self {
        Self {
            family: "network-monitoring",
            version: "v1".into(),
            name: String::new(),
            default_limit: GENERIC_DEFAULT_LIMIT,
            max_limit: GENERIC_MAX_LIMIT,
            paging: Paging::Cursor,
        }
    }

    /// The path below the base URL, e.g. `network-monitoring/v1/aps`.
    pub(crate) fn path(&self) -> String {
        format!("{}/{}/{}", self.family, self.version, self.name)
    }
}

/// Whether `s` looks like an API version segment: `v1`, `v1alpha1`, `v2beta3`, ...
pub(crate) fn is_version(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('v')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// Splits a monitoring path into its version (if it names one) and the rest, refusing anything
/// that could leave `network-monitoring/` or carry a query.
fn parse_monitoring_path(path: &str) -> Result<(Option<String>, String), String> {
    let shown: String = path.chars().take(100).collect();
    let bad = |why: &str| Err(format!("invalid monitoring path {shown:?}: {why}"));
    let mut segments = glp_transport::check_path(path).map_err(|problem| {
        let why = match problem {
            glp_transport::PathProblem::Url => {
                "give a path below the base URL (e.g. network-monitoring/v1/aps), not a URL".into()
            }
            glp_transport::PathProblem::Query => {
                "no query string: pass parameters with .param(), .filter() or .sort()".into()
            }
            other => other.to_string(),
        };
        format!("invalid monitoring path {shown:?}: {why}")
    })?;
    let mut version = None;
    match segments.first().copied() {
        Some("network-monitoring") => {
            segments.remove(0);
            if segments.first().is_some_and(|s| is_version(s)) {
                version = Some(segments.remove(0).to_owned());
            }
        }
        Some(first) if first.starts_with("network-") => {
            return bad(&format!(
                "only network-monitoring paths are listed here, and `{first}` is another API"
            ));
        }
        Some(first) if is_version(first) => {
            version = Some(segments.remove(0).to_owned());
        }
        _ => {}
    }
    if segments.is_empty() {
        return bad("no list named after the prefix (e.g. network-monitoring/v1/aps)");
    }
    Ok((version, segments.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(path: &str) -> String {
        Endpoint::monitoring(path).expect(path).path()
    }

    #[test]
    fn prefixes_are_optional_and_versions_kept() {
        assert_eq!(ok("aps"), "network-monitoring/v1/aps");
        assert_eq!(
            ok("/network-monitoring/v1/aps/"),
            "network-monitoring/v1/aps"
        );
        assert_eq!(
            ok("network-monitoring/v1alpha1/aps"),
            "network-monitoring/v1alpha1/aps"
        );
        assert_eq!(
            ok("v1alpha2/sites-health"),
            "network-monitoring/v1alpha2/sites-health"
        );
        assert_eq!(
            ok("network-monitoring/sites-health"),
            "network-monitoring/v1/sites-health"
        );
        assert_eq!(ok("aps/SN1/radios"), "network-monitoring/v1/aps/SN1/radios");
        // Alerts are no monitoring list: a monitoring path named so stays a monitoring path.
        assert_eq!(ok("alerts"), "network-monitoring/v1/alerts");
        assert_eq!(
            Endpoint::resource(Resource::Alerts).path(),
            "network-notifications/v1/alerts"
        );
    }

    #[test]
    fn limits_and_paging_follow_the_list() {
        let gw = Endpoint::monitoring("network-monitoring/v1alpha1/gateways").expect("gateways");
        assert_eq!((gw.default_limit, gw.max_limit), (100, 100));
        let other = Endpoint::monitoring("radios").expect("radios");
        assert_eq!((other.default_limit, other.max_limit), (100, 1000));
        assert_eq!(other.paging, Paging::Cursor);
        let sh = Endpoint::monitoring("network-monitoring/v1alpha1/sites-health").expect("sh");
        assert_eq!((sh.paging, sh.max_limit), (Paging::Offset, 100));
        assert_eq!(
            Endpoint::monitoring("sites-device-health")
                .expect("sdh")
                .paging,
            Paging::Offset
        );
    }

    #[test]
    fn escapes_and_queries_are_refused() {
        for bad in [
            "",
            "  ",
            "../network-msp/v1/list-tenants",
            "aps/../../x",
            "aps/./x",
            "aps?limit=5",
            "aps#x",
            "https://evil.example/network-monitoring/v1/aps",
            "//evil.example/aps",
            "aps//radios",
            "network-msp/v1/list-tenants",
            "network-notifications/v1/alerts",
            "network-monitoring/v1",
            "network-monitoring",
            "aps/%2e%2e",
            "aps radios",
        ] {
            assert!(Endpoint::monitoring(bad).is_err(), "{bad:?} was accepted");
        }
        let err = Endpoint::monitoring("aps?limit=5").expect_err("query");
        assert!(err.contains(".param()"), "{err}");
    }

    #[test]
    fn family_paths_keep_family_version_and_paging() {
        let e = Endpoint::family_path("/network-config/v1alpha1/sites/", Paging::Offset)
            .expect("sites");
        assert_eq!(e.path(), "network-config/v1alpha1/sites");
        assert_eq!((e.paging, e.default_limit), (Paging::Offset, 100));
        for bad in [
            "network-config/sites",
            "network-config/v1",
            "bogus-api/v1/x",
            "network-config/v1/../../x",
            "https://evil.example/network-config/v1/sites",
        ] {
            assert!(Endpoint::family_path(bad, Paging::Cursor).is_err(), "{bad}");
        }
    }

    #[test]
    fn versions() {
        for v in ["v1", "v1alpha1", "v1alpha2", "v2beta1", "v10"] {
            assert!(is_version(v), "{v}");
        }
        for v in ["", "v", "vx", "1", "V1", "v1-alpha", "version1"] {
            assert!(!is_version(v), "{v}");
        }
    }
}
