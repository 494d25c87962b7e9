use super::*;
use crate::config::SimConfig;
use crate::population::Population;
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

/// The tenant of `pop` with the most devices.
fn largest(pop: &Population) -> &crate::population::Tenant {
    pop.tenants
        .iter()
        .max_by_key(|t| t.devices)
        .expect("tenants")
}

#[test]
fn ids_are_unique_per_resource() {
    let pop = Population::build(&SimConfig::default());
    let t = largest(&pop);
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
    let t = largest(&pop);
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
