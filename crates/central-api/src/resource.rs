//! [`Resource`]: the tenant-scoped lists this crate knows by name (monitoring lists, and
//! Central's alerts).

use std::fmt;
use std::str::FromStr;

use crate::Paging;

/// A tenant-scoped list, with its page-size maximum: every one is under
/// `network-monitoring/{version}/` but [`Alerts`](Resource::Alerts), which is under
/// `network-notifications/v1/` ([`family`](Resource::family)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// `device-inventory`: every device of the tenant, monitored or not (max 1000 per page).
    DeviceInventory,
    /// `aps`: access points (max 1000).
    Aps,
    /// `switches` (max 1000).
    Switches,
    /// `gateways` (max 100).
    Gateways,
    /// `clients`: wired and wireless clients (max 1000).
    Clients,
    /// `sites-health`: every site with its health, devices, clients, alerts and reasons (max
    /// 100, paged by `offset`). There is no `network-monitoring/v1/sites` list: site lists live
    /// under `network-config/v1/sites`.
    SitesHealth,
    /// `devices`: monitored devices (max 1000).
    Devices,
    /// `alerts`: the tenant's alerts, open and cleared (`network-notifications/v1/alerts`, max
    /// 100, paged by a `next` cursor).
    Alerts,
}

const ALL: [Resource; 8] = [
    Resource::DeviceInventory,
    Resource::Aps,
    Resource::Switches,
    Resource::Gateways,
    Resource::Clients,
    Resource::SitesHealth,
    Resource::Devices,
    Resource::Alerts,
];

impl Resource {
    /// Every resource, in a fixed order.
    pub fn all() -> &'static [Resource] {
        &ALL
    }

    /// The path segment after `{family}/{version}/`, e.g. `device-inventory`.
    pub fn name(self) -> &'static str {
        match self {
            Self::DeviceInventory => "device-inventory",
            Self::Aps => "aps",
            Self::Switches => "switches",
            Self::Gateways => "gateways",
            Self::Clients => "clients",
            Self::SitesHealth => "sites-health",
            Self::Devices => "devices",
            Self::Alerts => "alerts",
        }
    }

    /// The API family the list lives under: `network-notifications` for
    /// [`Alerts`](Resource::Alerts), `network-monitoring` for the others.
    pub fn family(self) -> &'static str {
        match self {
            Self::Alerts => "network-notifications",
            _ => "network-monitoring",
        }
    }

    /// The list's full path below the base URL at version `v1`, e.g.
    /// `network-monitoring/v1/aps` or `network-notifications/v1/alerts`.
    pub fn path(self) -> String {
        format!("{}/v1/{}", self.family(), self.name())
    }

    /// The largest `limit` the endpoint accepts (the vendor SDK's constants; HPE's
    /// notifications spec for alerts): 100 for gateways, sites-health and alerts, 1000 for the
    /// others. It is also the default page size.
    pub fn max_limit(self) -> u32 {
        match self {
            Self::Gateways | Self::SitesHealth | Self::Alerts => 100,
            _ => 1000,
        }
    }

    /// How the list is paged: by `offset` for `sites-health`, by a `next` cursor for the others.
    pub fn paging(self) -> Paging {
        match self {
            Self::SitesHealth => Paging::Offset,
            _ => Paging::Cursor,
        }
    }

    /// The resource whose [`name`](Resource::name) is `name` exactly (lower case), if any.
    pub(crate) fn from_name(name: &str) -> Option<Resource> {
        ALL.into_iter().find(|r| r.name() == name)
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A resource name that is not one of [`Resource::all`]. Its message lists the known names
/// (and, for `sites`, says that site health is `sites-health`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown Central resource {given:?}: {}known resources are {}; any other \
     network-monitoring path can be listed with TenantClient::monitoring",
    Resource::meant_by(given).map(|(_, hint)| format!("{hint}; ")).unwrap_or_default(),
    ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownResource {
    given: String,
}

/// Names people reach for that are not Central lists, with the list they mean and why.
const RENAMED: &[(&str, Resource, &str)] = &[(
    "sites",
    Resource::SitesHealth,
    "there is no network-monitoring `sites` list: did you mean `sites-health` (each site's \
     health)? Site lists live under network-config/v1/sites",
)];

impl Resource {
    /// The resource meant by a name that is not a Central list (`sites` means
    /// `sites-health`), and the sentence that says so.
    pub fn meant_by(name: &str) -> Option<(Resource, &'static str)> {
        let name = name.trim().to_ascii_lowercase();
        RENAMED
            .iter()
            .find(|(given, _, _)| *given == name)
            .map(|(_, resource, hint)| (*resource, *hint))
    }
}

/// Parses a name such as `device-inventory` or `APs`, case-insensitively (`_` counts as `-`).
impl FromStr for Resource {
    type Err = UnknownResource;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Resource::from_name(&wanted).ok_or_else(|| UnknownResource {
            given: s.trim().chars().take(100).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_maxima_match_the_sdk() {
        for r in Resource::all() {
            assert_eq!(r.name().parse::<Resource>(), Ok(*r));
            assert_eq!(r.name().to_uppercase().parse::<Resource>(), Ok(*r));
        }
        assert_eq!("device_inventory".parse(), Ok(Resource::DeviceInventory));
        let maxima: Vec<u32> = Resource::all().iter().map(|r| r.max_limit()).collect();
        assert_eq!(maxima, [1000, 1000, 1000, 100, 1000, 100, 1000, 100]);
        assert_eq!(Resource::Alerts.path(), "network-notifications/v1/alerts");
        assert_eq!(Resource::Aps.path(), "network-monitoring/v1/aps");
        assert_eq!("Alerts".parse(), Ok(Resource::Alerts));
        assert_eq!(Resource::SitesHealth.paging(), Paging::Offset);
        assert_eq!(Resource::Aps.paging(), Paging::Cursor);
        let sites = "sites"
            .parse::<Resource>()
            .expect_err("no sites list")
            .to_string();
        assert!(sites.contains("did you mean `sites-health`"), "{sites}");
        let err = "radios"
            .parse::<Resource>()
            .expect_err("unknown")
            .to_string();
        assert!(
            err.contains("\"radios\"") && err.contains("device-inventory, aps"),
            "{err}"
        );
    }
}
