//! Building each record from its device, client or site.

use crate::ids;
use crate::population::{Population, Tenant, key};
use crate::rng::{base36, bij40, hash};

use super::devices::{Device, device, mac_string, slot};
use super::shapes::{
    Address, AlertGroup, ClientRecord, Counted, DeviceRecord, GatewayFields, HealthGroups,
    InventoryRecord, Radio, Reason, ReasonData, SiteAlerts, SiteHealthRecord, extra,
};
use super::sites::{CITIES, site_id, site_name};
use super::{Health, Resource, device_state, site_degraded};

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

pub(super) fn inventory(pop: &Population, t: &Tenant, i: u32) -> InventoryRecord {
    let d = device(pop, t, i);
    let (site_id, site_name) = site_fields(pop, t, d.site);
    let h = hash(&[pop.seed, 0x1417, u64::from(t.index), u64::from(i)]);
    InventoryRecord {
        id: d.serial.clone(),
        kind: Resource::DeviceInventory.item_type(),
        serial_number: d.serial,
        mac_address: d.mac,
        device_type: d.kind.device_type(),
        model: d.model,
        part_number: d.part,
        device_name: d.name,
        site_id: site_id.unwrap_or_default(),
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
        id: d.serial.clone(),
        kind: r.item_type(),
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
        site_id: site_id.unwrap_or_default(),
        site_name,
        uptime_seconds: d.uptime,
        uptime_in_millis: d.uptime * 1000,
        client_count: None,
        deployment: None,
        radios: None,
        switch_type: None,
        switch_role: None,
        port_count: None,
        cluster_name: None,
        role: None,
        gateway: None,
        extra: extra(pop, t, r, i),
    }
}

pub(super) fn ap(pop: &Population, t: &Tenant, i: u32) -> DeviceRecord {
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

pub(super) fn switch(pop: &Population, t: &Tenant, i: u32) -> DeviceRecord {
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

pub(super) fn gateway(pop: &Population, t: &Tenant, i: u32) -> DeviceRecord {
    let d = device(pop, t, i);
    let cluster = format!("gw-cluster-{}", d.site.map_or(0, |s| s + 1));
    let h = hash(&[pop.seed, 0x6A7E, u64::from(t.index), u64::from(i)]);
    let ip = d.ip.clone();
    let mac = d.mac.clone();
    let g = i - t.aps - t.switches;
    let mut v = common(pop, t, d, Resource::Gateways, g);
    // `monitoring.json` spells a gateway's status `Online`/`Offline`, its role
    // `Isoleader`/`Leader`/`Member`.
    v.status = if v.status == "ONLINE" {
        "Online"
    } else {
        "Offline"
    };
    v.cluster_name = Some(cluster);
    v.role = Some(if g.is_multiple_of(2) {
        "Leader"
    } else {
        "Member"
    });
    v.gateway = Some(GatewayFields {
        device_function: "Branch Gateway",
        ip_address: ip,
        mac_range: format!("{mac}-{mac}"),
        cpu_utilization: (h % 90) as u32,
        memory_utilization: ((h >> 8) % 90) as u32,
        mode: "Cluster",
        reboot_reason: "Reboot caused by user",
    });
    v
}

pub(super) fn monitored(pop: &Population, t: &Tenant, i: u32) -> DeviceRecord {
    let d = device(pop, t, i);
    common(pop, t, d, Resource::Devices, i)
}

pub(super) fn client(pop: &Population, t: &Tenant, c: u32) -> ClientRecord {
    let ap_index = if t.aps == 0 { 0 } else { c % t.aps };
    let d = device(pop, t, ap_index);
    let (site_id, site_name) = site_fields(pop, t, d.site);
    let h = hash(&[pop.seed, 0xC11E, u64::from(t.index), u64::from(c)]);
    let owner = CLIENT_OWNERS[(h % CLIENT_OWNERS.len() as u64) as usize];
    let (dev, vendor) = CLIENT_DEVICES[((h >> 8) % CLIENT_DEVICES.len() as u64) as usize];
    let ssid = SSIDS[((h >> 16) % SSIDS.len() as u64) as usize];
    let experience = client_experience(pop, t, c).as_str();
    let mac = mac_string(0x3c, bij40(slot(t, c), key(pop.seed, 0xC1AC)));
    ClientRecord {
        id: mac.clone(),
        kind: Resource::Clients.item_type(),
        mac_address: mac,
        name: format!("{owner}'s {dev}"),
        vendor,
        client_connection_type: "Wireless",
        status: "Connected",
        experience,
        ipv4: format!(
            "172.{}.{}.{}",
            16 + (c >> 16) % 16,
            (c >> 8) & 0xff,
            c & 0xff
        ),
        ssid,
        vlan_id: (10 + (h >> 32) % 3 * 10).to_string(),
        band: if h & (1 << 40) == 0 { "5GHz" } else { "2.4GHz" },
        connected_device_serial: d.serial,
        connected_to: d.name,
        site_id,
        site_name,
        extra: extra(pop, t, Resource::Clients, c),
    }
}

/// A client's experience: `Good`, `Fair` or `Poor`.
pub(super) fn client_experience(pop: &Population, t: &Tenant, c: u32) -> Health {
    let h = hash(&[pop.seed, 0xC11E, u64::from(t.index), u64::from(c)]);
    match (h >> 24) % 10 {
        0 => Health::Poor,
        1 | 2 => Health::Fair,
        _ => Health::Good,
    }
}

pub(super) fn site_health(pop: &Population, t: &Tenant, s: u32) -> SiteHealthRecord {
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
        vec![Reason {
            reason: "At least 20% of the site's devices are in poor health",
            health: "Poor",
            data: ReasonData { count: devices[0] },
        }]
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
