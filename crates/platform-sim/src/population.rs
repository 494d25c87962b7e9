//! The simulated population: the MSP, its demo credentials and its tenants.
//!
//! Everything is a pure function of the seed. Only a small summary per tenant is kept in memory
//! (ids, name, counts, health aggregates: about 150 bytes); device, client and site records are
//! generated on demand by [`crate::records`].

use std::collections::HashMap;

use crate::config::SimConfig;
use crate::ids;
use crate::records::{Health, device_state, site_degraded};
use crate::rng::{hash, rng};

/// Names with an apostrophe (at least one always appears when there are 4 or more tenants).
const APOSTROPHE: &[&str] = &[
    "O'Brien & Sons",
    "Chez L'Ami Louis",
    "Rock 'n' Roll Cafés",
    "Marty's Bike Shop",
];
/// Names with accented Latin letters.
const ACCENTED: &[&str] = &[
    "Café Müller",
    "Bäckerei Schäfer",
    "Ñandú Telecomunicaciones",
    "São Paulo Logística",
    "Łódź Sieci",
    "Crème Brûlée SARL",
    "Ørsted Byggeri",
    "Đà Nẵng Retail",
    "Šumava Servis Brno",
    "Straße 42 GmbH",
    "Ångström Labs",
];
/// Names in CJK scripts.
const CJK: &[&str] = &[
    "東京ネットワーク株式会社",
    "北京数据中心",
    "서울 클라우드",
    "大阪ロジスティクス",
    "台北科技有限公司",
];
/// Names with emoji (one with a zero-width-joiner sequence).
const EMOJI: &[&str] = &[
    "🚀 Rocket Labs",
    "Pizza 🍕 Palace",
    "🌈 Rainbow Clinic",
    "Coffee ☕ Corner",
    "Family 👨‍👩‍👧 Dental",
];
/// Other scripts and characters that need URL or filter escaping.
const OTHER: &[&str] = &[
    "Москва Сети",
    "Αθήνα Ξενοδοχεία",
    "مركز دبي التجاري",
    "תל אביב טק",
    "मुंबई मार्ट",
    "Acme Corp",
    "A+B Consulting",
    "50% Off Stores",
    "Foo/Bar Ltd",
    "Quote \"Unquote\" Inc",
    "Comma, Semicolon; Co",
    "Ampersand & Equals = Partners",
    "Hash #1 Bakery",
    "Question? Answers!",
    "Back\\slash Studio",
    "Less <than> More Ltd",
    "Northwind Traders",
    "Contoso Pharmacy",
];

/// Who created tenant workspaces (the `createdBy` field).
pub(crate) const CREATORS: &[&str] = &[
    "msp-admin@example.com",
    "onboarding-bot@example.com",
    "ops.team@example.net",
];

/// 2020-01-01T00:00:00Z.
const EPOCH_BASE: i64 = 1_577_836_800;
/// The simulator's fixed "now", 2026-12-01T00:00:00Z: subscription end times are spread around
/// it (some ended, some ending within 90 days, most later), whatever the wall clock says.
pub(crate) const NOW: i64 = 1_796_083_200;
/// The position given to the MSP workspace's own inventory (GreenLake devices and
/// subscriptions with the MSP token): beyond every tenant, so its serial numbers are unique too.
pub(crate) const MSP_OWN_INDEX: u32 = 0x000F_FFFF;
/// Devices in the MSP workspace's own inventory.
const MSP_OWN_DEVICES: u32 = 6;
/// Span of tenant creation times: about five years.
const CREATION_SPAN: i64 = 5 * 365 * 86_400;

/// The fields clients do not know that both tenant listings (GreenLake's msp-tenants and
/// Central's list-tenants) add to a tenant's item, under `x-sim-extra`.
#[derive(Debug, serde::Serialize)]
pub(crate) struct ItemExtra {
    generator: &'static str,
    index: u32,
}

impl ItemExtra {
    /// The extra fields of `tenant`'s item.
    pub(crate) fn of(tenant: &Tenant) -> Self {
        Self::at(tenant.index)
    }

    /// The extra fields of the tenant at position `index`.
    pub(crate) fn at(index: u32) -> Self {
        ItemExtra {
            generator: "platform-sim",
            index,
        }
    }
}

/// One tenant (a customer workspace managed by the MSP).
#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    /// Position in the population (and in msp-tenants order).
    pub(crate) index: u32,
    /// GLP workspace id.
    pub(crate) workspace_id: u128,
    /// Central customer id: deliberately different from the workspace id.
    pub(crate) central_id: u128,
    /// Workspace name (= Central tenant name).
    pub(crate) name: Box<str>,
    /// Creation time, epoch seconds.
    pub(crate) created_at: i64,
    /// Last update time, epoch seconds.
    pub(crate) updated_at: i64,
    /// Index into [`CREATORS`].
    pub(crate) created_by: u8,
    /// Workspace resource generation.
    pub(crate) generation: u32,
    /// Inventory owned by the MSP (else by the customer).
    pub(crate) msp_owned: bool,
    /// Devices in the inventory (device-inventory total).
    pub(crate) devices: u32,
    /// Devices assigned to a site and monitored (`devices` total); the rest are unassigned.
    pub(crate) monitored: u32,
    /// Access points among the monitored devices.
    pub(crate) aps: u32,
    /// Switches among the monitored devices.
    pub(crate) switches: u32,
    /// Gateways among the monitored devices.
    pub(crate) gateways: u32,
    /// Wireless clients per access point.
    pub(crate) clients_per_ap: u32,
    /// Sites.
    pub(crate) sites: u32,
    /// Monitored devices by health: good, fair, poor.
    pub(crate) health: [u32; 3],
    /// Monitored devices that are offline (all of them count as poor).
    pub(crate) offline: u32,
    /// Sites where at least 20% of the devices are in poor health.
    pub(crate) degraded_sites: u32,
    /// The Central cluster the tenant lives on (a position in [`SimConfig::clusters`]), or
    /// `None`: on no cluster.
    pub(crate) cluster: Option<u8>,
}

impl Tenant {
    /// Wireless clients.
    pub(crate) fn clients(&self) -> u32 {
        self.aps * self.clients_per_ap
    }

    /// Alerts: total, critical (offline devices), major (online, poor health), minor (fair health).
    pub(crate) fn alerts(&self) -> [u32; 4] {
        let critical = self.offline;
        let major = self.health[2] - self.offline;
        let minor = self.health[1];
        [critical + major + minor, critical, major, minor]
    }
}

/// The whole simulated world.
#[derive(Debug)]
pub(crate) struct Population {
    /// The seed everything derives from.
    pub(crate) seed: u64,
    /// The population's generation ([`SimConfig::generation`]).
    pub(crate) generation: u32,
    /// The MSP workspace id.
    pub(crate) msp_workspace_id: u128,
    /// Demo client id.
    pub(crate) client_id: String,
    /// Demo client secret: 32 lowercase hex digits, or with [`SimConfig::hostile_secret`]
    /// characters that need form-encoding.
    pub(crate) client_secret: String,
    /// All tenants, in msp-tenants order (by creation time).
    pub(crate) tenants: Vec<Tenant>,
    /// Tenant position by workspace id.
    by_workspace: HashMap<u128, u32>,
    /// Central list-tenants default order (`alerts DESC`, then name).
    pub(crate) central_order: Vec<u32>,
    /// The MSP workspace's own small inventory, as a tenant-shaped summary (what GreenLake's
    /// devices and subscriptions APIs serve to the MSP token).
    pub(crate) msp_own: Tenant,
    /// [`SimConfig::spare_seats`].
    pub(crate) spare_seats: u32,
}

impl Population {
    /// Builds the population described by `config` (already validated).
    pub(crate) fn build(config: &SimConfig) -> Population {
        let seed = config.seed;
        let n = config.tenants;
        let mut r = rng(&[seed, 0x4D5350]);
        let msp_workspace_id = ids::as_uuid_v4(r.u128(..));
        let client_id = ids::hyphenated(ids::as_uuid_v4(r.u128(..)));
        let alnum = |r: &mut fastrand::Rng, len: usize| -> String {
            (0..len).map(|_| r.alphanumeric()).collect()
        };
        let client_secret = if config.hostile_secret {
            // `+`, `/`, `&`, `=`, `%2B`, a space, `:` and `~`: a client that does not form-encode
            // the secret (body or HTTP Basic) sends something else and gets 401.
            format!("Sim-{}+/&=%2B x:~{}", alnum(&mut r, 10), alnum(&mut r, 8))
        } else {
            // Shaped like a GreenLake API client secret: 32 lowercase hex digits, which read the
            // same form-encoded or not (so clients that skip the encoding work, as on GreenLake).
            let mut sr = rng(&[seed, 0x534543]);
            format!("{:032x}", sr.u128(..))
        };

        let names = tenant_names(seed, n);
        let counts = device_counts(seed, n, config.max_devices);

        let mut tenants = Vec::with_capacity(n);
        let mut by_workspace = HashMap::with_capacity(n);
        let slot = CREATION_SPAN / (n as i64).max(1);
        for (i, (name, devices)) in names.into_iter().zip(counts).enumerate() {
            let index = i as u32;
            let mut tr = rng(&[seed, 0x7E4A47, i as u64]);
            let mut workspace_id = ids::as_uuid_v4(tr.u128(..));
            while workspace_id == msp_workspace_id || by_workspace.contains_key(&workspace_id) {
                workspace_id = ids::as_uuid_v4(tr.u128(..));
            }
            let central_id = tr.u128(..);
            let created_at = EPOCH_BASE + slot * i as i64 + tr.i64(0..slot.max(1));
            let updated_at = created_at + tr.i64(0..200 * 86_400);
            let mut t = Tenant {
                index,
                workspace_id,
                central_id,
                name: name.into_boxed_str(),
                created_at,
                updated_at,
                created_by: tr.u8(0..CREATORS.len() as u8),
                generation: tr.u32(1..=5),
                msp_owned: tr.u8(0..10) < 7,
                devices,
                monitored: 0,
                aps: 0,
                switches: 0,
                gateways: 0,
                clients_per_ap: tr.u32(0..=4),
                sites: 0,
                health: [0; 3],
                offline: 0,
                degraded_sites: 0,
                cluster: (i < n - config.tenants_on_no_cluster.min(n))
                    .then(|| (i % config.clusters.len().max(1)) as u8),
            };
            fill_layout(seed, config.generation, &mut t);
            by_workspace.insert(workspace_id, index);
            tenants.push(t);
        }

        let mut central_order: Vec<u32> = (0..tenants.len() as u32).collect();
        central_order.sort_by(|&a, &b| {
            let (ta, tb) = (&tenants[a as usize], &tenants[b as usize]);
            tb.alerts()[0]
                .cmp(&ta.alerts()[0])
                .then_with(|| ta.name.cmp(&tb.name))
        });

        let mut msp_own = Tenant {
            index: MSP_OWN_INDEX,
            workspace_id: msp_workspace_id,
            central_id: 0,
            name: "MSP workspace".into(),
            created_at: EPOCH_BASE,
            updated_at: EPOCH_BASE,
            created_by: 0,
            generation: 1,
            msp_owned: true,
            devices: MSP_OWN_DEVICES,
            monitored: 0,
            aps: 0,
            switches: 0,
            gateways: 0,
            clients_per_ap: 0,
            sites: 0,
            health: [0; 3],
            offline: 0,
            degraded_sites: 0,
            cluster: None,
        };
        fill_layout(seed, config.generation, &mut msp_own);

        Population {
            msp_own,
            spare_seats: config.spare_seats,
            seed,
            generation: config.generation,
            msp_workspace_id,
            client_id,
            client_secret,
            tenants,
            by_workspace,
            central_order,
        }
    }

    /// The tenant with this workspace id, if any.
    pub(crate) fn tenant(&self, workspace_id: u128) -> Option<&Tenant> {
        self.by_workspace
            .get(&workspace_id)
            .map(|&i| &self.tenants[i as usize])
    }
}

/// Splits a tenant's devices into types and sites and computes its health aggregates.
fn fill_layout(seed: u64, generation: u32, t: &mut Tenant) {
    let d = t.devices;
    let unassigned = d / 16;
    let m = d - unassigned;
    t.monitored = m;
    t.gateways = m / 20;
    t.switches = m * 3 / 10;
    t.aps = m - t.gateways - t.switches;
    t.sites = if m == 0 { 0 } else { 1 + m / 30 };
    let mut poor = vec![0u32; t.sites as usize];
    for i in 0..m {
        let (online, health) = device_state(seed, generation, t.index, i);
        match health {
            Health::Good => t.health[0] += 1,
            Health::Fair => t.health[1] += 1,
            Health::Poor => {
                t.health[2] += 1;
                poor[(i % t.sites) as usize] += 1;
            }
        }
        if !online {
            t.offline += 1;
        }
    }
    let sites = t.sites;
    t.degraded_sites = poor
        .iter()
        .enumerate()
        .filter(|&(s, &p)| site_degraded(m / sites + u32::from((s as u32) < m % sites), p))
        .count() as u32;
    // Each generation adds 2% of the devices to the inventory, unassigned (after the layout,
    // so the devices already there keep their places).
    t.devices = d + d * generation.min(1000) / 50;
}

/// Unique unicode tenant names. With 4 or more tenants, at least one has an apostrophe, one
/// accented letters, one CJK and one emoji.
fn tenant_names(seed: u64, n: usize) -> Vec<String> {
    let mut r = rng(&[seed, 0x4E414D45]);
    let mut pools: Vec<Vec<&str>> = [APOSTROPHE, ACCENTED, CJK, EMOJI, OTHER]
        .iter()
        .map(|p| p.to_vec())
        .collect();
    for p in &mut pools {
        r.shuffle(p);
    }
    let mut base: Vec<&str> = Vec::new();
    for p in pools.iter_mut().take(4) {
        if let Some(first) = p.pop() {
            base.push(first);
        }
    }
    let mut rest: Vec<&str> = pools.into_iter().flatten().collect();
    r.shuffle(&mut rest);
    base.extend(rest);

    let mut seen = std::collections::HashSet::with_capacity(n);
    let mut names = Vec::with_capacity(n);
    for i in 0..n {
        let stem = base[i % base.len()];
        let round = i / base.len();
        let mut name = if round == 0 {
            stem.to_string()
        } else {
            format!("{stem} {}", round + 1)
        };
        while !seen.insert(name.clone()) {
            name.push('+');
        }
        names.push(name);
    }
    r.shuffle(&mut names);
    names
}

/// Device counts: one tenant with `max_devices`, several empty ones, one with exactly 1000 (a
/// page boundary), one with a single device, and the rest log-normal around a median of 100.
fn device_counts(seed: u64, n: usize, max_devices: usize) -> Vec<u32> {
    let max = max_devices as u32;
    let mut r = rng(&[seed, 0xC0DE]);
    let mut order: Vec<usize> = (0..n).collect();
    r.shuffle(&mut order);
    let empty = if n >= 2 { (n / 8).max(1) } else { 0 };
    let mut counts = vec![0u32; n];
    for (pos, &i) in order.iter().enumerate() {
        counts[i] = if pos == 0 {
            max
        } else if pos <= empty {
            0
        } else if pos == empty + 1 {
            max.min(1000)
        } else if pos == empty + 2 {
            max.min(1)
        } else {
            let mut tr = rng(&[seed, 0xC0DE, i as u64]);
            let u1 = 1.0 - tr.f64();
            let u2 = tr.f64();
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            let v = (100f64.ln() + z).exp().round();
            (v as u32).clamp(1.min(max), max)
        };
    }
    counts
}

/// Formats epoch seconds as RFC 3339 UTC (`2024-05-01T12:00:00Z`): the project's one date
/// formatter.
pub(crate) use glp_core::date::rfc3339_from_unix as rfc3339;

/// A stable 64-bit key for a tenant-scoped bijection.
pub(crate) fn key(seed: u64, purpose: u64) -> u64 {
    hash(&[seed, purpose])
}

#[cfg(test)]
mod tests;
