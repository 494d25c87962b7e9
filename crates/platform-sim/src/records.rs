//! Central monitoring records, generated on demand from `(seed, tenant, resource, index)`.
//!
//! Device layout of a tenant with `D` inventory devices: the first `M = D - D/16` are assigned to
//! a site and monitored (APs first, then switches, then gateways); the last `D/16` are unassigned
//! (inventory only). Device `i < M` sits in site `i % sites`. Wireless clients: `clients_per_ap`
//! per AP, client `c` is connected to AP `c % aps`. Serial numbers, MAC addresses and site ids are
//! keyed bijections of `(tenant, index)`, so they are unique across the whole population.

use crate::population::Tenant;
use crate::rng::hash;

pub(crate) mod alerts;
mod builders;
mod devices;
mod shapes;
mod sites;
#[cfg(test)]
mod tests;

pub(crate) use devices::device;
pub(crate) use shapes::{Record, record, record_value};
pub(crate) use sites::site_name;

/// A monitoring resource under `/network-monitoring/v1/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Resource {
    /// `device-inventory`: every device, assigned or not.
    DeviceInventory,
    /// `aps`: access points.
    Aps,
    /// `switches`.
    Switches,
    /// `gateways`.
    Gateways,
    /// `clients`: wireless clients.
    Clients,
    /// `sites-health`: every site with its health, paged by `offset` (there is no
    /// `network-monitoring/v1/sites` list).
    SitesHealth,
    /// `devices`: every monitored (site-assigned) device.
    Devices,
}

impl Resource {
    /// Every resource.
    pub(crate) const ALL: [Resource; 7] = [
        Resource::DeviceInventory,
        Resource::Aps,
        Resource::Switches,
        Resource::Gateways,
        Resource::Clients,
        Resource::SitesHealth,
        Resource::Devices,
    ];

    /// The path segment.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Resource::DeviceInventory => "device-inventory",
            Resource::Aps => "aps",
            Resource::Switches => "switches",
            Resource::Gateways => "gateways",
            Resource::Clients => "clients",
            Resource::SitesHealth => "sites-health",
            Resource::Devices => "devices",
        }
    }

    /// Largest accepted `limit`.
    pub(crate) fn max_limit(self) -> u64 {
        match self {
            Resource::Gateways | Resource::SitesHealth => 100,
            _ => 1000,
        }
    }

    /// Whether the list is paged by `offset` (response `{items, count, total, offset}`, no
    /// `next`) rather than by a `next` page cursor.
    pub(crate) fn offset_paged(self) -> bool {
        matches!(self, Resource::SitesHealth)
    }

    /// Whether HPE's spec (`monitoring.json`) requires `next` in every page of the list: on the
    /// last page the simulator then sends an empty string (the spec's type, no page), else it
    /// leaves `next` out (`clients`).
    pub(crate) fn next_required(self) -> bool {
        !matches!(self, Resource::Clients | Resource::SitesHealth)
    }

    /// The `type` of an item, as HPE's examples in `monitoring.json` show it.
    pub(crate) fn item_type(self) -> &'static str {
        match self {
            Resource::DeviceInventory | Resource::Devices => "network-monitoring/device-monitoring",
            Resource::Aps => "network-monitoring/ap-monitoring",
            Resource::Switches => "network-monitoring/switch-monitoring",
            Resource::Gateways => "network-monitoring/gw-monitoring",
            Resource::Clients => "network-monitoring/client-monitoring",
            Resource::SitesHealth => "network-monitoring/site-health",
        }
    }

    /// Endpoint-specific query parameters and the record field each one filters on (`eq`).
    pub(crate) fn extra_params(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Resource::DeviceInventory => &[("site-assigned", "siteAssigned")],
            Resource::Clients => &[
                ("site-id", "siteId"),
                ("site-name", "siteName"),
                ("serial-number", "connectedDeviceSerial"),
            ],
            _ => &[],
        }
    }

    /// Number of records of this resource in a tenant.
    pub(crate) fn count(self, t: &Tenant) -> u32 {
        match self {
            Resource::DeviceInventory => t.devices,
            Resource::Aps => t.aps,
            Resource::Switches => t.switches,
            Resource::Gateways => t.gateways,
            Resource::Clients => t.clients(),
            Resource::SitesHealth => t.sites,
            Resource::Devices => t.monitored,
        }
    }
}

/// Device health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Health {
    /// Good.
    Good,
    /// Fair.
    Fair,
    /// Poor (every offline device is poor).
    Poor,
}

impl Health {
    fn as_str(self) -> &'static str {
        match self {
            Health::Good => "GOOD",
            Health::Fair => "FAIR",
            Health::Poor => "POOR",
        }
    }
}

/// A site is degraded when at least 20% of its devices are in poor health.
pub(crate) fn site_degraded(devices: u32, poor: u32) -> bool {
    devices > 0 && poor * 5 >= devices
}

/// Whether generation `generation` changes device `i` of `tenant` in the way `what` names,
/// for about `per_mille` of the devices (never in generation 0).
fn changes(seed: u64, what: u64, generation: u32, tenant: u32, i: u32, per_mille: u64) -> bool {
    generation > 0
        && hash(&[
            seed,
            what,
            u64::from(generation),
            u64::from(tenant),
            u64::from(i),
        ]) % 1000
            < per_mille
}

/// Whether device `i` of tenant `tenant` is online, and its health.
pub(crate) fn device_state(seed: u64, generation: u32, tenant: u32, i: u32) -> (bool, Health) {
    let h = hash(&[seed, 0xD5, u64::from(tenant), u64::from(i)]);
    let mut online = h % 1000 >= 70;
    if changes(seed, 0x0FF, generation, tenant, i, 40) {
        online = !online;
    }
    let health = if !online {
        Health::Poor
    } else {
        match (h >> 20) % 100 {
            0..=83 => Health::Good,
            84..=94 => Health::Fair,
            _ => Health::Poor,
        }
    };
    (online, health)
}
