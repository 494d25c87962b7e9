//! The typed models decode realistic pages (`tests/fixtures/*.json`): common fields typed
//! (numbers in strings and strings in numbers tolerated, nulls and missing fields read as
//! `None`), every unknown field kept in `extra`, and nothing lost on a round trip.
#![allow(clippy::unwrap_used)]

mod support;

use central_api::{AccessPoint, CentralTenant, Client, Device, Gateway, SiteHealth, Switch};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes the items of a fixture page as `T`, and checks the round trip: re-encoding loses
/// no non-null field of the original, keeps every field the model does not type unchanged, and
/// decodes back to the same model.
fn decode<T>(name: &str) -> Vec<T>
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let page = support::fixture(name);
    let originals = page["items"].as_array().unwrap().clone();
    let models: Vec<T> = serde_json::from_value(Value::Array(originals.clone())).unwrap();
    for (original, model) in originals.iter().zip(&models) {
        let encoded = serde_json::to_value(model).unwrap();
        let encoded = encoded.as_object().unwrap();
        for (key, value) in original.as_object().unwrap() {
            if value.is_null() {
                assert!(
                    !encoded.contains_key(key),
                    "{name}: null {key} written back"
                );
                continue;
            }
            let back = encoded
                .get(key)
                .unwrap_or_else(|| panic!("{name}: {key} lost in the round trip"));
            // Typed fields may change representation (24833497 -> "24833497"); the rest may not.
            if value.is_object() || value.is_array() {
                assert_eq!(back, value, "{name}: {key} changed");
            }
        }
        assert_eq!(
            encoded.len(),
            original
                .as_object()
                .unwrap()
                .values()
                .filter(|v| !v.is_null())
                .count(),
            "{name}: fields added in the round trip"
        );
        let again: T = serde_json::from_value(Value::Object(encoded.clone())).unwrap();
        assert_eq!(&again, model, "{name}: the round trip changed the model");
    }
    models
}

#[test]
fn device_inventory() {
    let devices: Vec<Device> = decode("device-inventory.json");
    assert_eq!(devices[0].firmware(), Some("10.7.2.1_93186"));
    assert_eq!(devices[0].extra["isProvisioned"], "YES");
    assert_eq!(devices[2].common.site_id, None, "unassigned device");
    insta::assert_debug_snapshot!(devices);
}

#[test]
fn aps() {
    let aps: Vec<AccessPoint> = decode("aps.json");
    assert_eq!(aps[1].client_count, Some(0), "count in a string");
    assert_eq!(aps[1].firmware(), Some("10.7.2.1_93186"), "firmwareVersion");
    assert!(aps[0].extra["radios"].is_array());
    insta::assert_debug_snapshot!(aps);
}

#[test]
fn switches() {
    let switches: Vec<Switch> = decode("switches.json");
    assert_eq!(switches[0].uptime_in_millis, Some(8_640_000_000));
    assert_eq!(switches[1].firmware(), None);
    insta::assert_debug_snapshot!(switches);
}

#[test]
fn gateways() {
    let gateways: Vec<Gateway> = decode("gateways.json");
    assert_eq!(
        gateways[0].common.site_id.as_deref(),
        Some("24833497"),
        "number id"
    );
    assert_eq!(
        gateways[0].uptime_in_millis,
        Some(360_000_000),
        "string count"
    );
    insta::assert_debug_snapshot!(gateways);
}

#[test]
fn clients() {
    let clients: Vec<Client> = decode("clients.json");
    assert_eq!(clients[0].vlan_id.as_deref(), Some("100"));
    assert_eq!(clients[1].client_type.as_deref(), Some("Wired"));
    assert_eq!(clients[1].hardware_address(), Some("00:1b:a9:7e:22:f0"));
    insta::assert_debug_snapshot!(clients);
}

#[test]
fn sites_health() {
    let sites: Vec<SiteHealth> = decode("sites-health.json");
    assert_eq!(sites[0].key(), Some("48424357225234432"));
    assert_eq!(sites[0].display_name(), Some("Berlin HQ"));
    assert_eq!(sites[1].key(), Some("24833497"));
    assert_eq!(sites[1].display_name(), Some("München Filiale"));
    assert!(sites[0].address.as_ref().unwrap().is_object());
    assert!(sites[1].address.as_ref().unwrap().is_string());
    assert_eq!(
        (
            sites[0].device_count(),
            sites[0].client_count(),
            sites[0].alert_count()
        ),
        (Some(42), Some(311), Some(3))
    );
    // A count the server sent as a string is not a count.
    assert_eq!(
        (sites[1].device_count(), sites[1].client_count()),
        (None, None)
    );
    insta::assert_debug_snapshot!(sites);
}

#[test]
fn list_tenants() {
    let tenants: Vec<CentralTenant> = decode("list-tenants.json");
    assert_eq!(tenants[1].tenant_id, "50012345", "numeric id read as text");
    assert_eq!(tenants[1].total_sites, Some(0));
    assert_eq!(tenants[1].last_updated_time, Some(1_752_130_000));
    assert_eq!(tenants[0].alerts.as_ref().unwrap().extra["info"], 12);
    insta::assert_debug_snapshot!(tenants);
}
