//! Central monitoring records, generated on demand from `(seed, tenant, resource, index)`.
//!
//! Device layout of a tenant with `D` inventory devices: the first `M = D - D/16` are assigned to
//! a site and monitored (APs first, then switches, then gateways); the last `D/16` are unassigned
//! (inventory only). Device `i < M` sits in site `i % sites`. Wireless clients: `clients_per_ap`
//! per AP, client `c` is connected to AP `c % aps`. Serial numbers, MAC addresses and site ids are
//! keyed bijections of `(tenant, index)`, so they are unique across the whole population.

use serde::Serialize;
use serde_json::Value;

use crate::ids;
use crate::population::{Population, Tenant, key};
use crate::rng::{base36, bij40, hash};

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

    /// Whether the returned `next` cursor is a numeric string (else a JSON number), as HPE's
    /// examples show it: a string on `aps` and `device-inventory`, a number on `clients`.
    pub(crate) fn string_cursor(self) -> bool {
        matches!(self, Resource::DeviceInventory | Resource::Aps)
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ap,
    Switch,
    Gateway,
}

impl Kind {
    fn device_type(self) -> &'static str {
        match self {
            Kind::Ap => "ACCESS_POINT",
            Kind::Switch => "SWITCH",
            Kind::Gateway => "GATEWAY",
        }
    }
}

const AP_MODELS: &[(&str, &str)] = &[
    ("AP-635", "R7J28A"),
    ("AP-655", "S0G09A"),
    ("AP-515", "Q9H62A"),
    ("AP-505", "R2H28A"),
    ("AP-345", "JZ032A"),
];
const SWITCH_MODELS: &[(&str, &str)] = &[
    ("CX 6300M 48G", "JL661A"),
    ("CX 6200F 24G", "JL724A"),
    ("CX 6100 12G", "JL679A"),
    ("CX 8360-32Y4C", "JL700A"),
];
const GATEWAY_MODELS: &[(&str, &str)] =
    &[("9004", "R1B20A"), ("9240", "R7H03A"), ("7210", "JW743A")];
const AP_FIRMWARE: &[&str] = &["10.6.0.2_90581", "10.5.1.0_89412", "10.4.1.3_88112"];
const SWITCH_FIRMWARE: &[&str] = &["FL.10.13.1000", "FL.10.12.1021", "PL.10.11.1040"];
const GATEWAY_FIRMWARE: &[&str] = &["10.6.0.1_90422", "10.5.0.4_89120"];
const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Zürich", "CH", "Europe/Zurich", "Bahnhofstrasse"),
    ("São Paulo", "BR", "America/Sao_Paulo", "Avenida Paulista"),
    ("東京", "JP", "Asia/Tokyo", "丸の内"),
    ("Kraków", "PL", "Europe/Warsaw", "ulica Floriańska"),
    ("Montréal", "CA", "America/Toronto", "Rue Sainte-Catherine"),
    ("Reykjavík", "IS", "Atlantic/Reykjavik", "Laugavegur"),
    ("Austin", "US", "America/Chicago", "Congress Avenue"),
    ("München", "DE", "Europe/Berlin", "Maximilianstraße"),
    ("Sevilla", "ES", "Europe/Madrid", "Calle Sierpes"),
    ("Dublin", "IE", "Europe/Dublin", "O'Connell Street"),
];
const SITE_KINDS: &[&str] = &["HQ", "Branch", "Warehouse", "Store", "Campus", "Clinic"];
const CLIENT_OWNERS: &[&str] = &[
    "Anna", "José", "Zoë", "Björn", "Mei", "O'Neil", "Priya", "Łukasz", "Chloé", "Kenji",
];
const CLIENT_DEVICES: &[(&str, &str)] = &[
    ("iPhone", "Apple"),
    ("Galaxy-S24", "Samsung"),
    ("MacBook-Pro", "Apple"),
    ("ThinkPad", "Lenovo"),
    ("Pixel-8", "Google"),
];
const SSIDS: &[&str] = &["Corp-WiFi", "Guest", "IoT-Sensors"];

/// One generated device (also the source of the GreenLake `devices/v1/devices` records).
pub(crate) struct Device {
    kind: Kind,
    pub(crate) serial: String,
    pub(crate) mac: String,
    pub(crate) model: &'static str,
    pub(crate) part: &'static str,
    firmware: &'static str,
    name: String,
    pub(crate) site: Option<u32>,
    online: bool,
    health: Health,
    ip: String,
    uptime: u64,
}

impl Device {
    /// GreenLake's `deviceType`: `AP`, `SWITCH` or `GATEWAY`.
    pub(crate) fn glp_type(&self) -> &'static str {
        match self.kind {
            Kind::Ap => "AP",
            Kind::Switch => "SWITCH",
            Kind::Gateway => "GATEWAY",
        }
    }
}

fn mac_string(prefix: u8, v: u64) -> String {
    format!(
        "{prefix:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        (v >> 32) & 0xff,
        (v >> 24) & 0xff,
        (v >> 16) & 0xff,
        (v >> 8) & 0xff,
        v & 0xff
    )
}

fn slot(t: &Tenant, i: u32) -> u64 {
    (u64::from(t.index) << 20) | u64::from(i)
}

/// Device `i` of tenant `t` (the `device-inventory` order).
pub(crate) fn device(pop: &Population, t: &Tenant, i: u32) -> Device {
    let seed = pop.seed;
    let h = hash(&[seed, 0xDE, u64::from(t.index), u64::from(i)]);
    let kind = if i < t.aps {
        Kind::Ap
    } else if i < t.aps + t.switches {
        Kind::Switch
    } else if i < t.monitored {
        Kind::Gateway
    } else {
        [Kind::Ap, Kind::Switch, Kind::Gateway][(h % 3) as usize]
    };
    let (models, firmware, prefix, name_prefix) = match kind {
        Kind::Ap => (AP_MODELS, AP_FIRMWARE, "CN", "AP"),
        Kind::Switch => (SWITCH_MODELS, SWITCH_FIRMWARE, "SG", "SW"),
        Kind::Gateway => (GATEWAY_MODELS, GATEWAY_FIRMWARE, "TW", "GW"),
    };
    let (model, part) = models[((h >> 8) % models.len() as u64) as usize];
    let mut fw = firmware[((h >> 16) % firmware.len() as u64) as usize];
    let g = pop.generation;
    if changes(seed, 0xF1, g, t.index, i, 50) {
        // An upgrade: to the newest release (no change for a device already on it).
        fw = firmware[0];
    }
    // A replaced device: a new serial number in the same place.
    let serial_key = if changes(seed, 0x4E, g, t.index, i, 10) {
        key(seed ^ (u64::from(g) << 40), 0x5E)
    } else {
        key(seed, 0x5E)
    };
    let serial = format!("{prefix}{}", base36(bij40(slot(t, i), serial_key), 8));
    let mac = mac_string(0x20, bij40(slot(t, i), key(seed, 0x3AC)));
    let site = (i < t.monitored && t.sites > 0).then(|| i % t.sites);
    let (online, health) = device_state(seed, pop.generation, t.index, i);
    let name = format!("{name_prefix}-{}-{:04}", site.map_or(0, |s| s + 1), i + 1);
    let ip = format!("10.{}.{}.{}", t.index % 250, (i >> 8) & 0xff, i & 0xff);
    let uptime = if online { (h >> 24) % 10_000_000 } else { 0 };
    Device {
        kind,
        serial,
        mac,
        model,
        part,
        firmware: fw,
        name,
        site,
        online,
        health,
        ip,
        uptime,
    }
}

fn site_id(pop: &Population, t: &Tenant, s: u32) -> String {
    (100_000 + bij40(slot(t, s), key(pop.seed, 0x517E))).to_string()
}

/// The name of site `s` of tenant `t`.
pub(crate) fn site_name(pop: &Population, t: &Tenant, s: u32) -> String {
    let h = hash(&[pop.seed, 0x5173, u64::from(t.index), u64::from(s)]);
    let city = CITIES[(h % CITIES.len() as u64) as usize].0;
    let kind = SITE_KINDS[((h >> 8) % SITE_KINDS.len() as u64) as usize];
    format!("{city} {kind} {}", s + 1)
}

/// The `x-sim-extra` object: a field real clients do not know.
#[derive(Debug, Clone, Serialize)]
struct Extra {
    generator: &'static str,
    resource: &'static str,
    index: u32,
    shard: u64,
}

fn extra(pop: &Population, t: &Tenant, r: Resource, i: u32) -> Extra {
    Extra {
        generator: "platform-sim",
        resource: r.name(),
        index: i,
        shard: hash(&[pop.seed, u64::from(t.index), u64::from(i)]) % 16,
    }
}

/// A `device-inventory` record.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InventoryRecord {
    serial_number: String,
    mac_address: String,
    device_type: &'static str,
    model: &'static str,
    part_number: &'static str,
    device_name: String,
    site_id: Option<String>,
    site_name: Option<String>,
    site_assigned: &'static str,
    subscription_tier: &'static str,
    subscription_key: String,
    workspace_id: String,
    #[serde(rename = "x-sim-extra")]
    extra: Extra,
}

/// One radio of an access point.
#[derive(Debug, Clone, Serialize)]
struct Radio {
    band: &'static str,
    channel: String,
    status: &'static str,
}

/// An `aps`, `switches`, `gateways` or `devices` record (type-specific fields only where they
/// apply).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeviceRecord {
    serial_number: String,
    mac_address: String,
    device_name: String,
    device_type: &'static str,
    model: &'static str,
    part_number: &'static str,
    status: &'static str,
    health: &'static str,
    firmware_version: &'static str,
    ipv4: String,
    site_id: Option<String>,
    site_name: Option<String>,
    uptime_seconds: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployment: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    radios: Option<[Radio; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    switch_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    switch_role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(rename = "x-sim-extra")]
    extra: Extra,
}

/// A `clients` record.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientRecord {
    mac_address: String,
    name: String,
    vendor: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    experience: &'static str,
    ipv4: String,
    ssid: &'static str,
    vlan_id: u64,
    band: &'static str,
    connected_device_serial: String,
    connected_to: String,
    site_id: Option<String>,
    site_name: Option<String>,
    #[serde(rename = "x-sim-extra")]
    extra: Extra,
}

/// A site's postal address in a `sites-health` record.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Address {
    address: String,
    city: &'static str,
    country: &'static str,
    zip_code: String,
}

/// One `{name, value}` group of a health breakdown (`Poor`, `Fair`, `Good`).
#[derive(Debug, Clone, Serialize)]
struct HealthGroup {
    name: &'static str,
    value: u32,
}

/// A health breakdown: `{"groups": [{"name": "Poor", "value": n}, ...]}`.
#[derive(Debug, Clone, Serialize)]
struct HealthGroups {
    groups: [HealthGroup; 3],
}

impl HealthGroups {
    fn new(poor: u32, fair: u32, good: u32) -> Self {
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
struct Counted {
    count: u32,
    health: HealthGroups,
}

/// One `{name, count}` group of a site's alerts.
#[derive(Debug, Clone, Serialize)]
struct AlertGroup {
    name: &'static str,
    count: u32,
}

/// The alerts of a `sites-health` record (critical first, as the SDK reads them).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct SiteAlerts {
    total_count: u32,
    groups: [AlertGroup; 3],
}

/// A `sites-health` record, shaped as the vendor SDK and HPE's MSP workbench read it: `id`,
/// `siteName`, `address`, `health`, `devices`, `clients`, `alerts`, `reasons`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SiteHealthRecord {
    id: String,
    site_name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    address: Address,
    timezone: &'static str,
    /// Devices and clients together, by health.
    health: HealthGroups,
    devices: Counted,
    clients: Counted,
    alerts: SiteAlerts,
    reasons: Vec<&'static str>,
    #[serde(rename = "x-sim-extra")]
    extra: Extra,
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

fn site_fields(
    pop: &Population,
    t: &Tenant,
    site: Option<u32>,
) -> (Option<String>, Option<String>) {
    match site {
        Some(s) => (Some(site_id(pop, t, s)), Some(site_name(pop, t, s))),
        None => (None, None),
    }
}

fn inventory(pop: &Population, t: &Tenant, i: u32) -> InventoryRecord {
    let d = device(pop, t, i);
    let (site_id, site_name) = site_fields(pop, t, d.site);
    let h = hash(&[pop.seed, 0x1417, u64::from(t.index), u64::from(i)]);
    InventoryRecord {
        serial_number: d.serial,
        mac_address: d.mac,
        device_type: d.kind.device_type(),
        model: d.model,
        part_number: d.part,
        device_name: d.name,
        site_id,
        site_name,
        site_assigned: if d.site.is_some() {
            "ASSIGNED"
        } else {
            "UNASSIGNED"
        },
        subscription_tier: if h.is_multiple_of(3) {
            "FOUNDATION"
        } else {
            "ADVANCED"
        },
        subscription_key: format!("E{}", base36(h >> 24, 9)),
        workspace_id: ids::compact(t.workspace_id),
        extra: extra(pop, t, Resource::DeviceInventory, i),
    }
}

fn common(pop: &Population, t: &Tenant, d: Device, r: Resource, i: u32) -> DeviceRecord {
    let (site_id, site_name) = site_fields(pop, t, d.site);
    DeviceRecord {
        serial_number: d.serial,
        mac_address: d.mac,
        device_name: d.name,
        device_type: d.kind.device_type(),
        model: d.model,
        part_number: d.part,
        status: if d.online { "ONLINE" } else { "OFFLINE" },
        health: d.health.as_str(),
        firmware_version: d.firmware,
        ipv4: d.ip,
        site_id,
        site_name,
        uptime_seconds: d.uptime,
        client_count: None,
        deployment: None,
        radios: None,
        switch_type: None,
        switch_role: None,
        port_count: None,
        cluster_name: None,
        role: None,
        extra: extra(pop, t, r, i),
    }
}

fn ap(pop: &Population, t: &Tenant, i: u32) -> DeviceRecord {
    let d = device(pop, t, i);
    let mut v = common(pop, t, d, Resource::Aps, i);
    let ch = [1, 6, 11][(i % 3) as usize];
    v.client_count = Some(t.clients_per_ap);
    v.deployment = Some(if i.is_multiple_of(4) {
        "Standalone"
    } else {
        "Cluster"
    });
    v.radios = Some([
        Radio {
            band: "2.4GHz",
            channel: ch.to_string(),
            status: "UP",
        },
        Radio {
            band: "5GHz",
            channel: (36 + 4 * (i % 8)).to_string(),
            status: "UP",
        },
    ]);
    v
}

fn switch(pop: &Population, t: &Tenant, i: u32) -> DeviceRecord {
    let d = device(pop, t, i);
    let mut v = common(pop, t, d, Resource::Switches, i - t.aps);
    v.switch_type = Some("AOS-CX");
    v.switch_role = Some(if i.is_multiple_of(10) {
        "CORE"
    } else {
        "ACCESS"
    });
    v.port_count = Some(if i.is_multiple_of(2) { 48 } else { 24 });
    v
}

fn gateway(pop: &Population, t: &Tenant, i: u32) -> DeviceRecord {
    let d = device(pop, t, i);
    let cluster = format!("gw-cluster-{}", d.site.map_or(0, |s| s + 1));
    let mut v = common(pop, t, d, Resource::Gateways, i - t.aps - t.switches);
    v.cluster_name = Some(cluster);
    v.role = Some("BRANCH");
    v
}

fn monitored(pop: &Population, t: &Tenant, i: u32) -> DeviceRecord {
    let d = device(pop, t, i);
    common(pop, t, d, Resource::Devices, i)
}

fn client(pop: &Population, t: &Tenant, c: u32) -> ClientRecord {
    let ap_index = if t.aps == 0 { 0 } else { c % t.aps };
    let d = device(pop, t, ap_index);
    let (site_id, site_name) = site_fields(pop, t, d.site);
    let h = hash(&[pop.seed, 0xC11E, u64::from(t.index), u64::from(c)]);
    let owner = CLIENT_OWNERS[(h % CLIENT_OWNERS.len() as u64) as usize];
    let (dev, vendor) = CLIENT_DEVICES[((h >> 8) % CLIENT_DEVICES.len() as u64) as usize];
    let ssid = SSIDS[((h >> 16) % SSIDS.len() as u64) as usize];
    let experience = client_experience(pop, t, c).as_str();
    ClientRecord {
        mac_address: mac_string(0x3c, bij40(slot(t, c), key(pop.seed, 0xC1AC))),
        name: format!("{owner}'s {dev}"),
        vendor,
        kind: "WIRELESS",
        status: "CONNECTED",
        experience,
        ipv4: format!(
            "172.{}.{}.{}",
            16 + (c >> 16) % 16,
            (c >> 8) & 0xff,
            c & 0xff
        ),
        ssid,
        vlan_id: 10 + (h >> 32) % 3 * 10,
        band: if h & (1 << 40) == 0 { "5GHz" } else { "2.4GHz" },
        connected_device_serial: d.serial,
        connected_to: d.name,
        site_id,
        site_name,
        extra: extra(pop, t, Resource::Clients, c),
    }
}

/// A client's experience: `Good`, `Fair` or `Poor`.
fn client_experience(pop: &Population, t: &Tenant, c: u32) -> Health {
    let h = hash(&[pop.seed, 0xC11E, u64::from(t.index), u64::from(c)]);
    match (h >> 24) % 10 {
        0 => Health::Poor,
        1 | 2 => Health::Fair,
        _ => Health::Good,
    }
}

fn site_health(pop: &Population, t: &Tenant, s: u32) -> SiteHealthRecord {
    let h = hash(&[pop.seed, 0x5173, u64::from(t.index), u64::from(s)]);
    let (city, country, tz, street) = CITIES[(h % CITIES.len() as u64) as usize];
    // Devices `i % sites == s` sit here; so do the clients of the APs among them.
    let mut devices = [0u32; 3];
    let mut clients = [0u32; 3];
    let (mut offline, mut online_poor) = (0u32, 0u32);
    let slot = |health: Health| match health {
        Health::Poor => 0,
        Health::Fair => 1,
        Health::Good => 2,
    };
    if t.sites > 0 {
        let mut i = s;
        while i < t.monitored {
            let (online, health) = device_state(pop.seed, pop.generation, t.index, i);
            devices[slot(health)] += 1;
            if !online {
                offline += 1;
            } else if health == Health::Poor {
                online_poor += 1;
            }
            if i < t.aps {
                for k in 0..t.clients_per_ap {
                    let c = k * t.aps + i;
                    clients[slot(client_experience(pop, t, c))] += 1;
                }
            }
            i += t.sites;
        }
    }
    let device_count: u32 = devices.iter().sum();
    let reasons = if site_degraded(device_count, devices[0]) {
        vec!["At least 20% of the site's devices are in poor health"]
    } else {
        Vec::new()
    };
    let critical = offline;
    let major = online_poor;
    let minor = devices[1];
    SiteHealthRecord {
        id: site_id(pop, t, s),
        site_name: site_name(pop, t, s),
        kind: "network-monitoring/site-health",
        address: Address {
            address: format!("{street} {}", 1 + (h >> 12) % 200),
            city,
            country,
            zip_code: format!("{:05}", (h >> 20) % 100_000),
        },
        timezone: tz,
        health: HealthGroups::new(
            devices[0] + clients[0],
            devices[1] + clients[1],
            devices[2] + clients[2],
        ),
        devices: Counted {
            count: device_count,
            health: HealthGroups::new(devices[0], devices[1], devices[2]),
        },
        clients: Counted {
            count: clients.iter().sum(),
            health: HealthGroups::new(clients[0], clients[1], clients[2]),
        },
        alerts: SiteAlerts {
            total_count: critical + major + minor,
            groups: [
                AlertGroup {
                    name: "Critical",
                    count: critical,
                },
                AlertGroup {
                    name: "Major",
                    count: major,
                },
                AlertGroup {
                    name: "Minor",
                    count: minor,
                },
            ],
        },
        reasons,
        extra: extra(pop, t, Resource::SitesHealth, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use std::collections::HashSet;

    #[test]
    fn a_new_generation_changes_some_devices_and_keeps_the_tenants() {
        let config = SimConfig {
            tenants: 10,
            ..SimConfig::default()
        };
        let old = Population::build(&config);
        let new = Population::build(&SimConfig {
            generation: 1,
            ..config
        });
        let (mut offline, mut firmware, mut replaced, mut same) = (0, 0, 0, 0);
        let mut added = 0;
        for (a, b) in old.tenants.iter().zip(&new.tenants) {
            assert_eq!((a.workspace_id, &a.name), (b.workspace_id, &b.name));
            assert_eq!(b.devices, a.devices + a.devices / 50);
            added += b.devices - a.devices;
            for i in 0..a.monitored {
                let x = record_value(&old, a, Resource::Devices, i);
                let y = record_value(&new, b, Resource::Devices, i);
                if x["serialNumber"] != y["serialNumber"] {
                    replaced += 1;
                } else if x == y {
                    same += 1;
                }
                offline += usize::from(x["status"] != y["status"]);
                firmware += usize::from(x["firmwareVersion"] != y["firmwareVersion"]);
            }
        }
        assert!(offline > 0 && firmware > 0 && replaced > 0 && added > 0);
        assert!(
            same > offline + firmware + replaced,
            "most devices stay the same"
        );
    }

    #[test]
    fn ids_are_unique_per_resource() {
        let pop = Population::build(&SimConfig::default());
        let t = pop
            .tenants
            .iter()
            .max_by_key(|t| t.devices)
            .expect("tenants");
        for r in Resource::ALL {
            let idf = match r {
                Resource::Clients => "macAddress",
                Resource::SitesHealth => "id",
                _ => "serialNumber",
            };
            let mut seen = HashSet::new();
            for i in 0..r.count(t) {
                let v = record_value(&pop, t, r, i);
                let id = v[idf].as_str().expect("id").to_string();
                assert!(seen.insert(id), "{} duplicate", r.name());
            }
        }
    }

    #[test]
    fn subsets_are_consistent() {
        let pop = Population::build(&SimConfig::default());
        let t = pop
            .tenants
            .iter()
            .max_by_key(|t| t.devices)
            .expect("tenants");
        assert_eq!(t.aps + t.switches + t.gateways, t.monitored);
        let sw0 = record_value(&pop, t, Resource::Switches, 0);
        let dev = record_value(&pop, t, Resource::Devices, t.aps);
        assert_eq!(sw0["serialNumber"], dev["serialNumber"]);
        let site = |s| record_value(&pop, t, Resource::SitesHealth, s);
        let devices: u64 = (0..t.sites)
            .map(|s| site(s)["devices"]["count"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(devices, u64::from(t.monitored));
        let clients: u64 = (0..t.sites)
            .map(|s| site(s)["clients"]["count"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(clients, u64::from(t.clients()));
        // A site's client health is that of the clients it serves.
        let poor_clients = (0..t.clients())
            .filter(|&c| record_value(&pop, t, Resource::Clients, c)["experience"] == "POOR")
            .count() as u64;
        let reported: u64 = (0..t.sites)
            .map(|s| {
                site(s)["clients"]["health"]["groups"][0]["value"]
                    .as_u64()
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(reported, poor_clients);
    }

    #[test]
    fn tenant_summary_matches_records() {
        let pop = Population::build(&SimConfig::default());
        for t in &pop.tenants {
            let degraded = (0..t.sites)
                .filter(|&s| {
                    let reasons = &record_value(&pop, t, Resource::SitesHealth, s)["reasons"];
                    reasons.as_array().is_some_and(|r| !r.is_empty())
                })
                .count() as u32;
            assert_eq!(degraded, t.degraded_sites);
            let critical: u64 = (0..t.sites)
                .map(|s| {
                    record_value(&pop, t, Resource::SitesHealth, s)["alerts"]["groups"][0]["count"]
                        .as_u64()
                        .unwrap_or(0)
                })
                .sum();
            assert_eq!(critical, u64::from(t.alerts()[1]));
            let offline = (0..t.monitored)
                .filter(|&i| record_value(&pop, t, Resource::Devices, i)["status"] == "OFFLINE")
                .count() as u32;
            assert_eq!(offline, t.offline);
        }
    }
}
