//! Devices one by one, found by serial, MAC or name, and each tenant's latest outcome.

use serde_json::json;

use super::*;

fn with_mac(serial: &str, status: &str, mac: &str) -> String {
    let mut item: serde_json::Value =
        serde_json::from_str(&device(serial, status, "1.0")).expect("json");
    item["macAddress"] = json!(mac);
    item.to_string()
}

#[test]
fn devices_are_read_from_each_tenants_latest_complete_entry_offline_first() {
    each_store!(|store| {
        run_with(store, &[("t1", vec![device("SN1", "ONLINE", "1.0")])]);
        let run = begin(store, "aps");
        write(
            store,
            run,
            "t1",
            "aps",
            &[
                device("SN1", "ONLINE", "1.0"),
                device("SN2", "OFFLINE", "1.0"),
            ],
        );
        write(
            store,
            run,
            "t1",
            "alerts",
            &[json!({"id": "a1", "serialNumber": "SN1"}).to_string()],
        );
        store
            .note_incomplete(run, "t2", "t2 Inc", "aps", Incomplete::Failed, "boom")
            .expect("note");
        store.end_run(run, RunStatus::Partial).expect("end");

        let rows = store.devices(None).expect("devices");
        let got: Vec<(&str, &str, Option<&str>)> = rows
            .iter()
            .map(|r| (r.tenant_id.as_str(), r.serial.as_str(), r.status.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("t1", "SN2", Some("OFFLINE")),
                ("t1", "SN1", Some("ONLINE"))
            ]
        );
        assert_eq!(rows[0].name.as_deref(), Some("AP-SN2"));
        assert_eq!(rows[0].run_id, run);
        assert!(store.devices(Some("t2 Inc")).expect("none").is_empty());
        assert_eq!(store.devices(Some("t1 Inc")).expect("by name").len(), 2);

        let outcomes = store.tenant_outcomes().expect("outcomes");
        let got: Vec<(&str, &str, Option<&str>)> = outcomes
            .iter()
            .map(|o| (o.tenant_id.as_str(), o.outcome(), o.error.as_deref()))
            .collect();
        assert_eq!(got, [("t1", "ok", None), ("t2", "failed", Some("boom"))]);
        assert_eq!(outcomes[0].resources_ok, 2);
    });
}

#[test]
fn a_device_is_found_by_serial_mac_in_any_form_or_part_of_its_name() {
    each_store!(|store| {
        run_with(
            store,
            &[
                ("t1", vec![with_mac("SN1", "ONLINE", "AA:BB:CC:00:11:22")]),
                ("t2", vec![with_mac("SN2", "ONLINE", "aabb.cc00.1133")]),
            ],
        );
        let serials = |text: &str| -> Vec<String> {
            store
                .find_devices(text)
                .expect("find")
                .into_iter()
                .map(|r| format!("{}/{}", r.tenant_id, r.serial))
                .collect()
        };
        assert_eq!(serials("sn2"), ["t2/SN2"]);
        assert_eq!(serials("aa-bb-cc-00-11-22"), ["t1/SN1"]);
        assert_eq!(serials("AABBCC001133"), ["t2/SN2"]);
        assert_eq!(serials("ap-sn"), ["t1/SN1", "t2/SN2"]);
        assert!(serials("nothing").is_empty());
        assert_eq!(normalize_mac("AA:bb-CC.dd ee"), "aabbccddee");
    });
}
