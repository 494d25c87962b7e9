//! Issue 22, onboarding: one manifest of 20 customer workspaces (15 that exist, 5 new), every
//! tenant's access points assigned to Central and licensed, and the NOC's notification rule in
//! every tenant (`tenants = ["*"]`). After an apply the simulator's truth is the manifest (the
//! new workspaces made, their rule skipped: no Central yet) and the exit code 0; a second apply
//! makes no write at all; and with 10% of the writes failing after they took effect there is
//! no duplicate and the end state is the same.

use std::collections::{BTreeMap, BTreeSet};

use glp_msp_e2e::{Sim, Stats};
use serde_json::Value;

use crate::common::{ASSIGN_ALL_APS, NOC_RULE, apply_again, run_exit, served, start_device_writes};

const EXISTING: usize = 15;
const RULE: &str = "NOC critical";

/// The manifest: every simulated workspace, 5 new ones, then the devices and the rule for all;
/// and the names of the new ones.
fn manifest(sim: &Sim) -> (String, Vec<String>) {
    let existing = sim.truth().unwrap().workspaces;
    assert_eq!(existing.len(), EXISTING);
    let new: Vec<String> = (1..=5).map(|i| format!("New customer {i}")).collect();
    let names = existing.iter().map(|w| w.workspace_name.clone());
    let mut toml: String = names
        .chain(new.iter().cloned())
        .map(|n| format!("[[tenants]]\nworkspaceName = {}\n\n", Value::from(n)))
        .collect();
    toml.push_str(ASSIGN_ALL_APS);
    toml.push_str(NOC_RULE);
    (toml, new)
}

/// Write requests served, every API (creates, updates, deletes).
fn writes(stats: &Stats) -> u64 {
    stats
        .requests
        .keys()
        .filter(|ep| {
            ["-create", "-update", "-delete"]
                .iter()
                .any(|w| ep.ends_with(w))
        })
        .map(|ep| served(stats, ep))
        .sum()
}

/// The truth is the manifest: each workspace once; in each workspace that existed, the rule
/// once and every access point on Central in us-west, holding a subscription (the one the plan
/// picked, for those it licensed: `licensed`, by device id); in the new ones, no rule.
fn assert_desired(sim: &Sim, new: &[String], app: &str, licensed: &BTreeMap<String, String>) {
    let truth = sim.truth().unwrap();
    assert_eq!(truth.workspaces.len(), EXISTING + new.len(), "no duplicate");
    let names: BTreeSet<&str> = truth
        .workspaces
        .iter()
        .map(|w| w.workspace_name.as_str())
        .collect();
    assert_eq!(names.len(), truth.workspaces.len(), "each name once");
    assert!(new.iter().all(|n| names.contains(n.as_str())));
    assert_eq!(truth.notification_rules.len(), EXISTING);
    for (tenant, rules) in &truth.notification_rules {
        assert_eq!(rules.len(), 1, "no duplicate in {tenant}: {rules:?}");
        assert_eq!(rules[0]["name"], RULE);
    }
    let mut aps = 0;
    for (tenant, devices) in &truth.devices {
        for d in devices.iter().filter(|d| d["deviceType"] == "AP") {
            assert_eq!(d["application"], app, "{tenant}: {d}");
            assert_eq!(d["region"], "us-west", "{tenant}: {d}");
            let held = d["subscription"].as_array().unwrap();
            match licensed.get(d["id"].as_str().unwrap()) {
                Some(picked) => assert_eq!(held, &[Value::from(picked.as_str())], "{d}"),
                None => assert!(!held.is_empty(), "{tenant}: {d}"),
            }
            aps += 1;
        }
    }
    assert!(aps > 50, "only {aps} access points");
}

fn onboarding(name: &str, fault: &str) {
    let (bins, wd, sim) = start_device_writes(name, (15, 20), fault);
    let (toml, new) = manifest(&sim);
    std::fs::write(wd.run("onboarding.toml"), toml).unwrap();
    let scenario = (&bins, &wd, &sim);
    let plan = ["plan", "onboarding.toml", "--out", "plan.json"];
    let plan = run_exit("plan", scenario, &plan, 0);
    assert!(
        plan.stdout.contains("Plan: 5 to create, 0 to update"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains(&format!("Rules: {EXISTING} to create, 0 to update")),
        "{}",
        plan.stdout
    );
    assert_eq!(writes(&sim.stats().unwrap()), 0, "plan writes nothing");
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(wd.run("plan.json")).unwrap()).unwrap();
    let devices = saved["deviceActions"].as_array().unwrap();
    let app = devices
        .iter()
        .find_map(|a| a["application_id"].as_str())
        .unwrap()
        .to_owned();
    let licensed: BTreeMap<String, String> = devices
        .iter()
        .filter(|a| a["action"] == "license")
        .flat_map(|a| {
            let picked = a["subscription_id"].as_str().unwrap().to_owned();
            a["devices"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |d| (d["id"].as_str().unwrap().to_owned(), picked.clone()))
        })
        .collect();
    assert!(!licensed.is_empty(), "{}", plan.stdout);
    let batches: u64 = devices
        .iter()
        .filter_map(|a| a["devices"].as_array())
        .map(|d| d.len().div_ceil(5) as u64)
        .sum();

    let apply = ["apply", "plan.json", "--yes", "--db", "store.sqlite"];
    let first = run_exit("apply", scenario, &apply, 0);
    let stats = sim.stats().unwrap();
    assert_eq!(served(&stats, "msp-tenants-create"), 5, "one POST each");
    assert_eq!(
        served(&stats, "notification-rules-create"),
        EXISTING as u64,
        "one POST each"
    );
    assert_eq!(served(&stats, "devices-update"), batches, "each batch once");
    // Each lost answer was re-read (an action of several batches may lose more than one).
    let lost = first.stdout.matches("[answer lost, re-read]").count() as u64;
    assert!(lost <= stats.failed_after_apply, "{}", first.stdout);
    assert_eq!(lost > 0, stats.failed_after_apply > 0, "{}", first.stdout);
    if fault != "0" {
        assert!(lost > 0, "faults were injected: {}", first.stdout);
    }
    assert_desired(&sim, &new, &app, &licensed);

    // Again: the new workspaces exist now, with no Central and no tenant token yet: their rule
    // and their devices are skipped, which is no failure; nothing else to do, not one write.
    let second = apply_again(scenario, "onboarding.toml", &[], &[]);
    assert_eq!(writes(&sim.stats().unwrap()), writes(&stats), "no write");
    for n in &new {
        let line = format!(". skipped rule '{RULE}' in '{n}' (");
        assert!(second.stdout.contains(&line), "{line}\n{}", second.stdout);
    }
    let skipped = "rule 'NOC critical': skipped: no Central for this tenant (provision Central, \
                   then apply again)";
    assert_eq!(
        second.stdout.matches(skipped).count(),
        new.len(),
        "{}",
        second.stdout
    );
    assert!(
        second.stdout.contains(&format!(
            "Rules: 0 to create, 0 to update, 0 to delete, {EXISTING} unchanged, 5 skipped (no \
             Central), 0 cannot be done."
        )),
        "{}",
        second.stdout
    );
    assert!(
        second.stdout.contains(&format!(
            "Devices: 0 to assign (0 devices), 0 to license (0 devices), {} unchanged, 5 \
             skipped, 0 cannot be done.",
            2 * EXISTING
        )),
        "{}",
        second.stdout
    );
    assert_desired(&sim, &new, &app, &licensed);
}

#[test]
fn twenty_tenants_onboarded_in_one_apply_then_nothing_to_write() {
    onboarding("apply-onboarding", "0");
}

#[test]
fn writes_lost_after_they_took_effect_make_no_duplicate_and_the_same_end_state() {
    onboarding("apply-onboarding-faults", "0.1");
}
