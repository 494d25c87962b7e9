//! Issue 22, device assignments: every tenant's access points assigned to Central in us-west
//! and licensed with a Foundation AP subscription, through `PATCH devices/v1/devices` in
//! batches of five, each operation polled. After apply the simulator's truth is the manifest;
//! a second apply writes nothing; and with 10% of the writes failing after they took effect,
//! no batch is sent twice and the end state is the same.

use serde_json::Value;

use crate::common::{ASSIGN_ALL_APS, devices_settled, run_exit, served, start_device_writes};

const TENANTS: usize = 20;

/// What a saved plan asks: the device actions, and the batches (of at most 5) they send.
fn planned(path: &std::path::Path) -> (Vec<Value>, u64) {
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let actions = plan["deviceActions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let batches = actions
        .iter()
        .filter_map(|a| a["devices"].as_array())
        .map(|d| d.len().div_ceil(5) as u64)
        .sum();
    (actions, batches)
}

/// Every access point of every tenant the plan wrote to reads as the manifest asks.
fn assert_as_asked(truth: &platform_sim::Truth, actions: &[Value]) {
    let mut checked = 0;
    for a in actions.iter().filter(|a| a["action"] == "assign") {
        let tenant = a["tenant"]["id"].as_str().unwrap();
        let app = &a["application_id"];
        let licence = actions
            .iter()
            .find(|l| l["action"] == "license" && l["tenant"]["id"] == tenant);
        let devices = &truth.devices[tenant];
        for d in devices.iter().filter(|d| d["deviceType"] == "AP") {
            assert_eq!(&d["application"], app, "{tenant}: {d}");
            assert_eq!(d["region"], "us-west", "{tenant}: {d}");
            if let Some(l) = licence {
                let relicensed = l["devices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["id"] == d["id"]);
                if relicensed {
                    assert_eq!(
                        d["subscription"],
                        serde_json::json!([l["subscription_id"]]),
                        "{tenant}: {d}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} access points checked");
}

fn scenario(name: &str, fault: &str) {
    let (bins, wd, sim) = start_device_writes(name, (TENANTS, 30), fault);
    std::fs::write(wd.run("devices.toml"), ASSIGN_ALL_APS).unwrap();
    let scenario = (&bins, &wd, &sim);
    let plan = ["plan", "devices.toml", "--out", "plan.json"];
    let plan = run_exit("plan", scenario, &plan, 0);
    assert!(plan.stdout.contains("0 cannot be done."), "{}", plan.stdout);
    let (actions, batches) = planned(&wd.run("plan.json"));
    assert!(batches > 20, "{}", plan.stdout);

    let args = ["apply", "plan.json", "--yes", "--db", "store.sqlite"];
    let first = run_exit("apply", scenario, &args, 0);
    let stats = sim.stats().unwrap();
    assert_eq!(
        served(&stats, "devices-update"),
        batches,
        "each batch sent once: {}",
        first.stdout
    );
    if fault != "0" {
        assert!(stats.failed_after_apply > 0, "faults were injected");
        assert!(
            first.stdout.contains("[answer lost, re-read]"),
            "{}",
            first.stdout
        );
    }
    let truth = sim.truth().unwrap();
    assert_as_asked(&truth, &actions);

    let nothing = "Devices: 0 to assign (0 devices), 0 to license (0 devices)";
    let rows = devices_settled(scenario, ("devices.toml", &[], &[nothing]), &truth);
    assert_eq!(
        served(&sim.stats().unwrap(), "devices-update"),
        batches,
        "no write"
    );
    let writing = actions
        .iter()
        .filter(|a| a["action"] == "assign" || a["action"] == "license")
        .count();
    assert_eq!(
        rows.iter()
            .filter(
                |r| (r["action"] == "assign" || r["action"] == "license") && r["status"] == "done"
            )
            .count(),
        writing,
        "each assignment and licence recorded done"
    );
}

#[test]
fn every_tenant_s_access_points_assigned_and_licensed_then_nothing_to_do() {
    scenario("apply-devices", "0");
}

#[test]
fn lost_answers_are_re_read_never_sent_twice_and_end_the_same() {
    scenario("apply-devices-faults", "0.1");
}
