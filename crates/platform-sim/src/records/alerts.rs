//! A tenant's alerts (`GET /network-notifications/v1/alerts`), derived from the same device
//! states as `sites-health` and the list-tenants rollup, so the three always agree.
//!
//! - **Open** (`Active`): one per monitored device that is not in good health: `Critical` when
//!   it is offline, `Major` when it is online in poor health, `Minor` when it is in fair
//!   health. Per site and per tenant these are exactly the `alerts` counts of `sites-health`
//!   and list-tenants.
//! - **Cleared** by the last generation change: the open alert a device had in generation
//!   `g - 1`, when its state changed in generation `g` (status `Cleared`, `updatedAt` the
//!   generation's time, a `clearedReason`).
//! - **Cleared long ago**: about 8% of the monitored devices have an `Info` reboot alert that
//!   was cleared before generation 0; it stays the same in every generation.
//!
//! An alert's id names its device, its kind and the generation its condition began in (looked
//! back at most 64 generations), so an alert that stays open keeps its id across
//! generations, and a condition that ends and comes back is a new alert.

use serde::Serialize;

use crate::ids;
use crate::population::{NOW, Population, Tenant};
use crate::rng::hash;

use super::devices::{Kind, device};
use super::sites::{site_id, site_name};
use super::{Health, changes, device_state};

/// How far back the start of a condition is looked for.
const LOOKBACK: u32 = 64;
/// The simulated time between two generations: a day.
const GENERATION_SECS: i64 = 86_400;

/// The severities of the alerts the simulator raises, worst first (index = severity code).
pub(crate) const SEVERITIES: [&str; 4] = ["Critical", "Major", "Minor", "Info"];

/// One alert, with the fields HPE's notifications spec requires (all strings) and the
/// simulator's own `siteId`, `siteName` and `deviceSerial` (the spec's item names no site or
/// device, though its filter takes `siteId`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlertRecord {
    id: String,
    key: String,
    category: &'static str,
    type_id: String,
    name: String,
    pub(crate) severity: &'static str,
    priority: &'static str,
    pub(crate) status: &'static str,
    summary: String,
    created_at: String,
    updated_at: String,
    updated_by: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    device_type: &'static str,
    cleared_reason: &'static str,
    site_id: String,
    site_name: String,
    device_serial: String,
    /// Seconds since the epoch of `createdAt` (the default order), not served.
    #[serde(skip)]
    pub(crate) created: i64,
}

/// The severity code (index into [`SEVERITIES`]) of the open alert of a device in this state.
fn condition(online: bool, health: Health) -> Option<u8> {
    match (online, health) {
        (false, _) => Some(0),
        (true, Health::Poor) => Some(1),
        (true, Health::Fair) => Some(2),
        (true, Health::Good) => None,
    }
}

/// Whether generation `g` moves device `i` away from its base state (as `device_state`).
fn flipped(seed: u64, g: u32, tenant: u32, i: u32) -> bool {
    changes(seed, 0x0FF, g, tenant, i, 40)
}

/// The generation device `i`'s state of generation `g` began in (0: before the lookback).
fn onset(seed: u64, g: u32, tenant: u32, i: u32) -> u32 {
    let now = flipped(seed, g, tenant, i);
    let mut k = g;
    while k > 0 && g - k < LOOKBACK {
        if flipped(seed, k - 1, tenant, i) != now {
            return k;
        }
        k -= 1;
    }
    0
}

/// The simulated time of generation `g`.
fn generation_time(g: u32) -> i64 {
    NOW + i64::from(g) * GENERATION_SECS
}

fn device_words(kind: Kind) -> (&'static str, &'static str, &'static str) {
    match kind {
        Kind::Ap => ("AP", "Access Point", "WLAN"),
        Kind::Switch => ("Switch", "Switch", "LAN"),
        Kind::Gateway => ("Gateway", "Gateway", "WAN"),
    }
}

/// Code 3 is the reboot alert cleared long ago.
const REBOOT: u8 = 3;

/// Builds one alert of device `i` of kind `code`, begun in generation `begun`; `cleared_at`:
/// when it was cleared, if it was (a reboot alert always was).
fn build(
    pop: &Population,
    t: &Tenant,
    i: u32,
    code: u8,
    begun: u32,
    cleared_at: Option<i64>,
) -> AlertRecord {
    let d = device(pop, t, i);
    let (short, device_type, network) = device_words(d.kind);
    let h = hash(&[
        pop.seed,
        0xA1E7,
        u64::from(t.index),
        u64::from(i),
        u64::from(code),
        u64::from(begun),
    ]);
    let created = match (code, begun) {
        (REBOOT, _) => NOW - 40 * GENERATION_SECS + (h % (30 * 86_400)) as i64,
        (_, 0) => NOW - 1 - (h % (30 * 86_400)) as i64,
        (_, k) => generation_time(k) - 1 - (h % 3_600) as i64,
    };
    let (name, category, priority, summary) = match code {
        0 => (
            format!("{short} Disconnected"),
            "System",
            "Very High",
            format!(
                "{short} {} ({}) stopped reporting to Central.",
                d.name, d.serial
            ),
        ),
        1 => (
            format!("{short} Poor Health"),
            network,
            "High",
            format!("{short} {} ({}) is in poor health.", d.name, d.serial),
        ),
        2 => (
            format!("{short} Fair Health"),
            network,
            "Medium",
            format!("{short} {} ({}) is in fair health.", d.name, d.serial),
        ),
        _ => (
            format!("{short} Rebooted"),
            "System",
            "Low",
            format!("{short} {} ({}) rebooted.", d.name, d.serial),
        ),
    };
    let kind_code = match d.kind {
        Kind::Ap => 1u8,
        Kind::Switch => 2,
        Kind::Gateway => 3,
    };
    let type_id = format!("{}{:02}", kind_code, code + 1);
    let key_raw = u128::from(hash(&[
        pop.seed,
        0xA1E8,
        u64::from(kind_code),
        u64::from(code),
    ])) << 64
        | u128::from(hash(&[
            pop.seed,
            0xA1E9,
            u64::from(kind_code),
            u64::from(code),
        ]));
    // The reboot was cleared ten minutes after it was raised.
    let cleared_at = if code == REBOOT {
        Some(created + 600)
    } else {
        cleared_at
    };
    let number = (u64::from(i) << 20) | (u64::from(begun & 0xFFFF) << 4) | u64::from(code);
    let site = d.site.unwrap_or(0);
    let (status, updated, updated_by, reason) = match cleared_at {
        Some(at) => (
            "Cleared",
            at,
            "system",
            if code == REBOOT {
                "Device back online"
            } else {
                "Condition resolved"
            },
        ),
        None => ("Active", created, "", ""),
    };
    AlertRecord {
        id: format!(
            "{}:{}",
            10_000_000_000 + (t.central_id % 90_000_000_000) as u64,
            10_000_000_000 + number
        ),
        key: ids::hyphenated(ids::as_uuid_v4(key_raw)),
        category,
        type_id,
        name,
        severity: SEVERITIES[usize::from(code)],
        priority,
        status,
        summary,
        created_at: glp_core::date::rfc3339_from_unix(created),
        updated_at: glp_core::date::rfc3339_from_unix(updated),
        updated_by,
        kind: "network-notifications/alerts",
        device_type,
        cleared_reason: reason,
        site_id: site_id(pop, t, site),
        site_name: site_name(pop, t, site),
        device_serial: d.serial,
        created,
    }
}

/// Every alert of tenant `t`, newest first (then by id): the server's default order.
pub(crate) fn alerts(pop: &Population, t: &Tenant) -> Vec<AlertRecord> {
    let (seed, g) = (pop.seed, pop.generation);
    let mut out = Vec::new();
    if t.sites == 0 {
        return out;
    }
    for i in 0..t.monitored {
        let (online, health) = device_state(seed, g, t.index, i);
        if let Some(code) = condition(online, health) {
            out.push(build(pop, t, i, code, onset(seed, g, t.index, i), None));
        }
        if g > 0 && flipped(seed, g - 1, t.index, i) != flipped(seed, g, t.index, i) {
            let (was_online, was) = device_state(seed, g - 1, t.index, i);
            if let Some(code) = condition(was_online, was) {
                let begun = onset(seed, g - 1, t.index, i);
                out.push(build(pop, t, i, code, begun, Some(generation_time(g) - 60)));
            }
        }
        if hash(&[seed, 0xA1EA, u64::from(t.index), u64::from(i)]) % 100 < 8 {
            out.push(build(pop, t, i, REBOOT, 0, None));
        }
    }
    out.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
    out
}

/// The open alerts of tenant `t` by severity code (`Critical`, `Major`, `Minor`, `Info`).
pub(crate) fn open_counts(pop: &Population, t: &Tenant) -> [u64; 4] {
    let mut n = [0u64; 4];
    if t.sites == 0 {
        return n;
    }
    for i in 0..t.monitored {
        let (online, health) = device_state(pop.seed, pop.generation, t.index, i);
        if let Some(code) = condition(online, health) {
            n[usize::from(code)] += 1;
        }
    }
    n
}
