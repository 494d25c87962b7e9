//! [`Resource`]: the tenant-scoped monitoring lists this crate knows by name.

use std::fmt;
use std::str::FromStr;

/// A tenant-scoped list under `network-monitoring/{version}/`, with its page-size maximum.
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
    /// `sites` (max 100).
    Sites,
    /// `devices`: monitored devices (max 1000).
    Devices,
}

const ALL: [Resource; 7] = [
    Resource::DeviceInventory,
    Resource::Aps,
    Resource::Switches,
    Resource::Gateways,
    Resource::Clients,
    Resource::Sites,
    Resource::Devices,
];

impl Resource {
    /// Every resource, in a fixed order.
    pub fn all() -> &'static [Resource] {
        &ALL
    }

    /// The path segment after `network-monitoring/{version}/`, e.g. `device-inventory`.
    pub fn name(self) -> &'static str {
        match self {
            Self::DeviceInventory => "device-inventory",
            Self::Aps => "aps",
            Self::Switches => "switches",
            Self::Gateways => "gateways",
            Self::Clients => "clients",
            Self::Sites => "sites",
            Self::Devices => "devices",
        }
    }

    /// The largest `limit` the endpoint accepts (the vendor SDK's constants): 100 for gateways
    /// and sites, 1000 for the others. It is also the default page size.
    pub fn max_limit(self) -> u32 {
        match self {
            Self::Gateways | Self::Sites => 100,
            _ => 1000,
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

/// A resource name that is not one of [`Resource::all`]. Its message lists the known names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown Central resource {given:?}: known resources are {}; any other \
     network-monitoring path can be listed with TenantClient::monitoring",
    ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownResource {
    given: String,
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
        assert_eq!(maxima, [1000, 1000, 1000, 100, 1000, 100, 1000]);
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
