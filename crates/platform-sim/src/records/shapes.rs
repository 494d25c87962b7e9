//! The serialized record shapes, one per resource, and the dispatch from a resource to its record.

use serde::Serialize;
use serde_json::Value;

use crate::population::{Population, Tenant};
use crate::rng::hash;

use super::Resource;
use super::builders::{ap, client, gateway, inventory, monitored, site_health, switch};

/// The `x-sim-extra` object: a field real clients do not know.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Extra {
    pub(super) generator: &'static str,
    pub(super) resource: &'static str,
    pub(super) index: u32,
    pub(super) shard: u64,
}

pub(super) fn extra(pop: &Population, t: &Tenant, r: Resource, i: u32) -> Extra {
    Extra {
        generator: "platform-sim",
        resource: r.name(),
        index: i,
        shard: hash(&[pop.seed, u64::from(t.index), u64::from(i)]) % 16,
    }
}

/// A `device-inventory` record. `id`, `type`, `siteId` are required by HPE's spec
/// (`monitoring.json`): `siteId` is an empty string for a device on no site, `siteName` is
/// left out.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InventoryRecord {
    pub(super) id: String,
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) serial_number: String,
    pub(super) mac_address: String,
    pub(super) device_type: &'static str,
    pub(super) model: &'static str,
    pub(super) part_number: &'static str,
    pub(super) device_name: String,
    pub(super) site_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) site_name: Option<String>,
    pub(super) site_assigned: &'static str,
    pub(super) subscription_tier: &'static str,
    pub(super) subscription_key: String,
    pub(super) workspace_id: String,
    #[serde(rename = "x-sim-extra")]
    pub(super) extra: Extra,
}

/// One radio of an access point.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Radio {
    pub(super) band: &'static str,
    pub(super) channel: String,
    pub(super) status: &'static str,
}

/// An `aps`, `switches`, `gateways` or `devices` record (type-specific fields only where they
/// apply). `id`, `type` and `siteId` are required by HPE's spec; `gateways` require more (and
/// spell `status` `Online`/`Offline`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeviceRecord {
    pub(super) id: String,
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) serial_number: String,
    pub(super) mac_address: String,
    pub(super) device_name: String,
    pub(super) device_type: &'static str,
    pub(super) model: &'static str,
    pub(super) part_number: &'static str,
    pub(super) status: &'static str,
    pub(super) health: &'static str,
    pub(super) firmware_version: &'static str,
    pub(super) ipv4: String,
    pub(super) site_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) site_name: Option<String>,
    pub(super) uptime_seconds: u64,
    pub(super) uptime_in_millis: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) client_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) deployment: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) radios: Option<[Radio; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) switch_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) switch_role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) port_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cluster_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) role: Option<&'static str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub(super) gateway: Option<GatewayFields>,
    #[serde(rename = "x-sim-extra")]
    pub(super) extra: Extra,
}

/// The fields `monitoring.json` requires of a `gateways` item beyond the common ones.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GatewayFields {
    pub(super) device_function: &'static str,
    pub(super) ip_address: String,
    pub(super) mac_range: String,
    pub(super) cpu_utilization: u32,
    pub(super) memory_utilization: u32,
    pub(super) mode: &'static str,
    pub(super) reboot_reason: &'static str,
}

/// A `clients` record.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientRecord {
    pub(super) id: String,
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) mac_address: String,
    pub(super) name: String,
    pub(super) vendor: &'static str,
    pub(super) client_connection_type: &'static str,
    pub(super) status: &'static str,
    pub(super) experience: &'static str,
    pub(super) ipv4: String,
    pub(super) ssid: &'static str,
    pub(super) vlan_id: String,
    pub(super) band: &'static str,
    pub(super) connected_device_serial: String,
    pub(super) connected_to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) site_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) site_name: Option<String>,
    #[serde(rename = "x-sim-extra")]
    pub(super) extra: Extra,
}

/// A site's postal address in a `sites-health` record.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Address {
    pub(super) address: String,
    pub(super) city: &'static str,
    pub(super) country: &'static str,
    pub(super) zip_code: String,
}

/// One `{name, value}` group of a health breakdown (`Poor`, `Fair`, `Good`).
#[derive(Debug, Clone, Serialize)]
pub(super) struct HealthGroup {
    pub(super) name: &'static str,
    pub(super) value: u32,
}

/// A health breakdown: `{"groups": [{"name": "Poor", "value": n}, ...]}`.
#[derive(Debug, Clone, Serialize)]
pub(super) struct HealthGroups {
    pub(super) groups: [HealthGroup; 3],
}

impl HealthGroups {
    pub(super) fn new(poor: u32, fair: u32, good: u32) -> Self {
        HealthGroups {
            groups: [
                HealthGroup {
                    name: "Poor",
                    value: poor,
                },
                HealthGroup {
                    name: "Fair",
                    value: fair,
                },
                HealthGroup {
                    name: "Good",
                    value: good,
                },
            ],
        }
    }
}

/// `devices` or `clients` of a `sites-health` record: how many, and their health.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Counted {
    pub(super) count: u32,
    pub(super) health: HealthGroups,
}

/// One `{name, count}` group of a site's alerts.
#[derive(Debug, Clone, Serialize)]
pub(super) struct AlertGroup {
    pub(super) name: &'static str,
    pub(super) count: u32,
}

/// The alerts of a `sites-health` record (critical first, as the SDK reads them).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SiteAlerts {
    pub(super) total_count: u32,
    pub(super) groups: [AlertGroup; 3],
}

/// One reason for a site's health, an object as `monitoring.json` gives it (the vendor SDK only
/// passes `reasons` through).
#[derive(Debug, Clone, Serialize)]
pub(super) struct Reason {
    pub(super) reason: &'static str,
    pub(super) health: &'static str,
    pub(super) data: ReasonData,
}

/// The data of a [`Reason`].
#[derive(Debug, Clone, Serialize)]
pub(super) struct ReasonData {
    pub(super) count: u32,
}

/// A `sites-health` record, shaped as the vendor SDK and HPE's MSP workbench read it: `id`,
/// `siteName`, `address`, `health`, `devices`, `clients`, `alerts`, `reasons`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SiteHealthRecord {
    pub(super) id: String,
    pub(super) site_name: String,
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) address: Address,
    pub(super) timezone: &'static str,
    /// Devices and clients together, by health.
    pub(super) health: HealthGroups,
    pub(super) devices: Counted,
    pub(super) clients: Counted,
    pub(super) alerts: SiteAlerts,
    pub(super) reasons: Vec<Reason>,
    #[serde(rename = "x-sim-extra")]
    pub(super) extra: Extra,
}

/// Any monitoring record; serialises as the inner record.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Record {
    /// `device-inventory`.
    Inventory(InventoryRecord),
    /// `aps`, `switches`, `gateways`, `devices`.
    Device(Box<DeviceRecord>),
    /// `clients`.
    Client(ClientRecord),
    /// `sites-health`.
    Site(Box<SiteHealthRecord>),
}

impl Record {
    /// The record as a JSON value (for filters, sorting and the truth).
    pub(crate) fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Generates record `i` of resource `r` for tenant `t` (also for `i` beyond the count, which
/// the API never serves but the filter validation uses to learn the field names).
pub(crate) fn record(pop: &Population, t: &Tenant, r: Resource, i: u32) -> Record {
    match r {
        Resource::DeviceInventory => Record::Inventory(inventory(pop, t, i)),
        Resource::Aps => Record::Device(Box::new(ap(pop, t, i))),
        Resource::Switches => Record::Device(Box::new(switch(pop, t, t.aps + i))),
        Resource::Gateways => Record::Device(Box::new(gateway(pop, t, t.aps + t.switches + i))),
        Resource::Devices => Record::Device(Box::new(monitored(pop, t, i))),
        Resource::Clients => Record::Client(client(pop, t, i)),
        Resource::SitesHealth => Record::Site(Box::new(site_health(pop, t, i))),
    }
}

/// Record `i` as a JSON value.
pub(crate) fn record_value(pop: &Population, t: &Tenant, r: Resource, i: u32) -> Value {
    record(pop, t, r, i).to_value()
}
