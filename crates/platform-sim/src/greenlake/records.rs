//! GreenLake's devices and subscriptions of a workspace, generated from the population.
//!
//! The workspace's devices are its `device-inventory` devices in the same order, with the same
//! serial numbers, MAC addresses, models and part numbers; the site-assigned ones are assigned
//! to the Central application and hold one of the workspace's subscriptions (device `i` holds
//! subscription `i % subscriptions`), the unassigned ones neither. Each workspace has a few
//! subscriptions (none or one without devices, `2 + devices / 400` up to 12 otherwise) whose
//! `endTime` is spread around the fixed [`NOW`] (2026-12-01T00:00:00Z): about one in five ended
//! (`subscriptionStatus: ENDED`), one in five ends within 90 days, the rest later.

use serde_json::{Value, json};

use crate::ids;
use crate::population::{NOW, Population, Tenant, key, rfc3339};
use crate::records::{device, site_name};
use crate::rng::{base36, bij40, hash, mix64};

const DAY: i64 = 86_400;

/// A GreenLake workspace resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GlpResource {
    /// `devices/v1/devices`.
    Devices,
    /// `subscriptions/v1/subscriptions`.
    Subscriptions,
    /// `audit-log/v2beta1/logs` (see [`super::audit`]).
    AuditLogs,
}

impl GlpResource {
    /// Every one, in the order the truth lists them.
    pub(crate) const ALL: [GlpResource; 3] = [
        GlpResource::Devices,
        GlpResource::Subscriptions,
        GlpResource::AuditLogs,
    ];

    /// The name in statistics and in the truth (as the orchestrator names the resource).
    pub(crate) fn name(self) -> &'static str {
        match self {
            GlpResource::Devices => "glp/devices",
            GlpResource::Subscriptions => "glp/subscriptions",
            GlpResource::AuditLogs => "glp/audit-logs",
        }
    }

    /// Largest accepted `limit` (GreenLake's documented maxima).
    pub(crate) fn max_limit(self) -> u64 {
        match self {
            GlpResource::Devices => 2000,
            GlpResource::Subscriptions => 50,
            GlpResource::AuditLogs => 2000,
        }
    }

    /// Records of this resource in a workspace.
    pub(crate) fn count(self, pop: &Population, t: &Tenant) -> u32 {
        match self {
            GlpResource::Devices => t.devices,
            GlpResource::Subscriptions => subscription_count(t) + spare_count(pop, t),
            GlpResource::AuditLogs => super::audit::count(pop, t),
        }
    }

    /// Record `i` of a workspace.
    pub(crate) fn record(self, pop: &Population, t: &Tenant, i: u32) -> Value {
        match self {
            GlpResource::Devices => device_record(pop, t, i),
            GlpResource::Subscriptions => subscription_record(pop, t, i),
            GlpResource::AuditLogs => super::audit::record(pop, t, i),
        }
    }
}

/// The spare subscriptions of a workspace ([`SimConfig::spare_seats`](crate::SimConfig)): one
/// per kind when it has devices and spares are asked for.
fn spare_count(pop: &Population, t: &Tenant) -> u32 {
    if pop.spare_seats > 0 && t.devices > 0 {
        KINDS.len() as u32
    } else {
        0
    }
}

/// Subscriptions of a workspace: none or one without devices, else `2 + devices / 400` up to
/// 12.
pub(crate) fn subscription_count(t: &Tenant) -> u32 {
    if t.devices == 0 {
        t.index % 2
    } else {
        2 + (t.devices / 400).min(10)
    }
}

const REGIONS: &[&str] = &["us-west", "eu-central", "ap-northeast"];

fn region(t: &Tenant) -> &'static str {
    REGIONS[(t.index % REGIONS.len() as u32) as usize]
}

fn uuid(parts: &[u64]) -> String {
    let h = hash(parts);
    ids::hyphenated(ids::as_uuid_v4(
        (u128::from(h) << 64) | u128::from(mix64(h ^ 0x5555)),
    ))
}

fn subscription_id(pop: &Population, t: &Tenant, j: u32) -> String {
    uuid(&[pop.seed, 0x5B5, u64::from(t.index), u64::from(j)])
}

/// How many of the workspace's assigned devices hold subscription `j`.
fn linked(t: &Tenant, j: u32) -> u32 {
    let s = subscription_count(t);
    if s == 0 {
        return 0;
    }
    let m = t.monitored;
    m / s + u32::from(j < m % s)
}

fn device_record(pop: &Population, t: &Tenant, i: u32) -> Value {
    let d = device(pop, t, i);
    // The id follows the serial number (a replaced device is a new device).
    let sh = d
        .serial
        .bytes()
        .fold(hash(&[pop.seed, 0xD1D]), |a, b| mix64(a ^ u64::from(b)));
    let id = uuid(&[sh]);
    let region = region(t);
    let assigned = i < t.monitored;
    let subs = subscription_count(t);
    let subscription = if assigned && subs > 0 {
        let sid = subscription_id(pop, t, i % subs);
        json!([{ "id": sid, "resourceUri": format!("/subscriptions/v1/subscriptions/{sid}") }])
    } else {
        json!([])
    };
    // `device-management.json`: `application` is an object; a device assigned to no
    // application has none (left out, not null).
    let application = assigned.then(|| {
        // The service catalog's Central: a device's application is a service manager.
        let app = crate::catalog::central_id(pop.seed);
        json!({ "id": app, "resourceUri": format!("/service-catalog/v1/service-managers/{app}") })
    });
    let tags = match d.site {
        Some(s) => json!({ "site": site_name(pop, t, s) }),
        None => json!({}),
    };
    let created = t.created_at + (sh % (300 * DAY as u64)) as i64;
    let updated = (created + ((sh >> 20) % (400 * DAY as u64)) as i64).min(NOW);
    let mut record = json!({
        "id": id,
        "type": "devices/device",
        "generation": 1 + (sh >> 40) % 4,
        "resourceUri": format!("/devices/v1/devices/{id}"),
        "serialNumber": d.serial,
        "macAddress": d.mac,
        "deviceType": d.glp_type(),
        "model": d.model,
        "partNumber": d.part,
        "region": region,
        "assignedState": if assigned { "ASSIGNED_TO_SERVICE" } else { "UNASSIGNED" },
        "subscription": subscription,
        "tags": tags,
        "archived": false,
        "createdAt": rfc3339(created),
        "updatedAt": rfc3339(updated.max(created)),
        "x-sim-extra": { "generator": "platform-sim", "resource": "glp/devices", "index": i },
    });
    if let (Some(app), Some(m)) = (application, record.as_object_mut()) {
        m.insert("application".into(), app);
    }
    record
}

/// (subscriptionType, (Foundation tier, Advanced tier), SKU, description) by kind; the tiers
/// are values of `subscription-management.json`'s `tier` enum.
type Kind = (
    &'static str,
    (&'static str, &'static str),
    &'static str,
    &'static str,
);
const KINDS: &[Kind] = &[
    (
        "CENTRAL_AP",
        ("FOUNDATION_AP", "ADVANCED_AP"),
        "Q9Y59AAE",
        "Aruba Central AP Subscription",
    ),
    (
        "CENTRAL_SWITCH",
        ("FOUNDATION_SWITCH_6300", "ADVANCED_SWITCH_6300"),
        "R3J16AAE",
        "Aruba Central 6200/6300 Switch Subscription",
    ),
    (
        "CENTRAL_GW",
        ("FOUNDATION_90XX_SEC", "ADVANCE_90XX_SEC"),
        "R4H27AAE",
        "Aruba Central 9000 Gateway Subscription",
    ),
];

fn subscription_record(pop: &Population, t: &Tenant, j: u32) -> Value {
    let generated = subscription_count(t);
    if j >= generated {
        return spare_record(pop, t, j, (j - generated) as usize);
    }
    let h = hash(&[pop.seed, 0x5B7, u64::from(t.index), u64::from(j)]);
    let id = subscription_id(pop, t, j);
    let slot = (u64::from(t.index) << 20) | u64::from(j);
    let key_text = format!("PAY{}", base36(bij40(slot, key(pop.seed, 0x5BC)), 9));
    let (kind, (foundation, advanced), sku, description) = KINDS[(h % KINDS.len() as u64) as usize];
    let tier = if (h >> 4).is_multiple_of(3) {
        advanced
    } else {
        foundation
    };
    let years = [1i64, 3, 5][((h >> 8) % 3) as usize];
    // One in five ended, one in five ends within 90 days, the rest later.
    let end = match (u64::from(j) + (h >> 12)) % 5 {
        0 => NOW - (1 + (h >> 16) as i64 % 400) * DAY,
        1 => NOW + (1 + (h >> 16) as i64 % 89) * DAY,
        _ => NOW + (91 + (h >> 16) as i64 % 1500) * DAY,
    };
    let start = end - years * 365 * DAY;
    let used = linked(t, j);
    let quantity = used + 5 + ((h >> 24) % 20) as u32;
    let tags = if (h >> 28).is_multiple_of(2) {
        json!({})
    } else {
        json!({ "contract": format!("C-{}", (h >> 32) % 100_000) })
    };
    json!({
        "id": id,
        "type": "subscriptions/subscription",
        "generation": 1,
        "resourceUri": format!("/subscriptions/v1/subscriptions/{id}"),
        "key": key_text,
        "subscriptionType": kind,
        "subscriptionStatus": if end <= NOW { "ENDED" } else { "STARTED" },
        // Numbers in strings, as `subscription-management.json` types them.
        "quantity": quantity.to_string(),
        "availableQuantity": (quantity - used).to_string(),
        "sku": sku,
        "skuDescription": format!("{description}, {} {years} Year", if tier == advanced { "Advanced" } else { "Foundation" }),
        "tier": tier,
        "productType": "DEVICE",
        "isEval": (h >> 36).is_multiple_of(7),
        "startTime": rfc3339(start),
        "endTime": rfc3339(end),
        "tags": tags,
        "createdAt": rfc3339(start),
        "updatedAt": rfc3339(start.clamp(NOW - 30 * DAY, NOW)),
        "x-sim-extra": { "generator": "platform-sim", "resource": "glp/subscriptions", "index": j },
    })
}

/// Spare subscription `j` of a workspace, of kind `k`: `STARTED`, Foundation tier,
/// [`SimConfig::spare_seats`](crate::SimConfig) seats, none used, ending three years after
/// [`NOW`].
fn spare_record(pop: &Population, t: &Tenant, j: u32, k: usize) -> Value {
    let id = subscription_id(pop, t, j);
    let (kind, (tier, _), sku, description) = KINDS[k % KINDS.len()];
    let end = NOW + 3 * 365 * DAY;
    json!({
        "id": id,
        "type": "subscriptions/subscription",
        "generation": 1,
        "resourceUri": format!("/subscriptions/v1/subscriptions/{id}"),
        "key": format!("SPARE{}{}", t.index, j),
        "subscriptionType": kind,
        "subscriptionStatus": "STARTED",
        "quantity": pop.spare_seats.to_string(),
        "availableQuantity": pop.spare_seats.to_string(),
        "sku": sku,
        "skuDescription": format!("{description}, Foundation 3 Year"),
        "tier": tier,
        "productType": "DEVICE",
        "isEval": false,
        "startTime": rfc3339(NOW - 30 * DAY),
        "endTime": rfc3339(end),
        "tags": {},
        "createdAt": rfc3339(NOW - 30 * DAY),
        "updatedAt": rfc3339(NOW - 30 * DAY),
        "x-sim-extra": { "generator": "platform-sim", "resource": "glp/subscriptions", "index": j },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimConfig;

    #[test]
    fn devices_share_serials_with_the_inventory_and_subscriptions_vary() {
        let pop = Population::build(&SimConfig {
            tenants: 12,
            ..SimConfig::default()
        });
        let mut ended = 0;
        let mut soon = 0;
        for t in &pop.tenants {
            for i in 0..t.devices {
                let glp = GlpResource::Devices.record(&pop, t, i);
                let inv = crate::records::record_value(
                    &pop,
                    t,
                    crate::records::Resource::DeviceInventory,
                    i,
                );
                assert_eq!(glp["serialNumber"], inv["serialNumber"]);
            }
            for j in 0..subscription_count(t) {
                let s = GlpResource::Subscriptions.record(&pop, t, j);
                let end = s["endTime"].as_str().unwrap_or_default().to_owned();
                if end <= rfc3339(NOW) {
                    ended += 1;
                    assert_eq!(s["subscriptionStatus"], "ENDED");
                } else if end <= rfc3339(NOW + 90 * DAY) {
                    soon += 1;
                }
                let n = |k: &str| s[k].as_str().and_then(|v| v.parse::<u64>().ok());
                assert!(n("availableQuantity") <= n("quantity"));
            }
        }
        assert!(ended > 0 && soon > 0, "ended {ended}, soon {soon}");
    }
}
