//! The generated devices: their kind, model, firmware, serial and MAC address.

use crate::population::{Population, Tenant, key};
use crate::rng::{base36, bij40, hash};

use super::{Health, changes, device_state};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Ap,
    Switch,
    Gateway,
}

impl Kind {
    pub(super) fn device_type(self) -> &'static str {
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

/// One generated device (also the source of the GreenLake `devices/v1/devices` records).
pub(crate) struct Device {
    pub(super) kind: Kind,
    pub(crate) serial: String,
    pub(crate) mac: String,
    pub(crate) model: &'static str,
    pub(crate) part: &'static str,
    pub(super) firmware: &'static str,
    pub(super) name: String,
    pub(crate) site: Option<u32>,
    pub(super) online: bool,
    pub(super) health: Health,
    pub(super) ip: String,
    pub(super) uptime: u64,
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

pub(super) fn mac_string(prefix: u8, v: u64) -> String {
    format!(
        "{prefix:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        (v >> 32) & 0xff,
        (v >> 24) & 0xff,
        (v >> 16) & 0xff,
        (v >> 8) & 0xff,
        v & 0xff
    )
}

pub(super) fn slot(t: &Tenant, i: u32) -> u64 {
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
