//! Issue 22, offboarding devices: the access points of five tenants assigned and licensed,
//! then unlicensed and unassigned by `[[device_unassignments]]` with `--allow-delete`: the
//! truth shows them on no application with no subscription and their seats back in the
//! subscriptions' `availableQuantity`. Without `--allow-delete` nothing is written; a second
//! apply writes nothing, the saved plan is refused as stale; with 10% of the writes failing after they took effect, no batch is
//! sent twice.

use serde_json::Value;

use crate::common::{
    ASSIGN_ALL_APS, assert_exit, devices_settled, run_exit, run_in, served, start_device_writes,
};

const UNASSIGN: &str = r#"
[[device_unassignments]]
tenants = ["*"]
device_types = ["AP"]
unlicense = true
unassign = true
"#;

/// The sum of `availableQuantity` over the subscriptions of `tenants` in the truth.
fn available(truth: &platform_sim::Truth, tenants: &[String]) -> u64 {
    tenants
        .iter()
        .flat_map(|t| truth.subscriptions.get(t).into_iter().flatten())
        .map(|s| {
            s["availableQuantity"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum()
}

fn scenario(name: &str, fault: &str) {
    let (bins, wd, sim) = start_device_writes(name, (8, 30), fault);
    let picked: Vec<(String, String)> = sim.truth().unwrap().tenants[..5]
        .iter()
        .map(|t| (t.workspace_id.clone(), t.name.clone()))
        .collect();
    let ids: Vec<String> = picked.iter().map(|(id, _)| id.clone()).collect();
    let names: Vec<String> = picked
        .iter()
        .map(|(_, n)| serde_json::to_string(n).unwrap())
        .collect();
    // The manifests for every tenant, narrowed to the five picked.
    let with = |m: &str| {
        let picked = format!("tenants = [{}]", names.join(", "));
        m.replace(r#"tenants = ["*"]"#, &picked)
    };
    std::fs::write(wd.run("assign.toml"), with(ASSIGN_ALL_APS)).unwrap();
    std::fs::write(wd.run("unassign.toml"), with(UNASSIGN)).unwrap();
    let apply = |label: &str, extra: &[&str]| {
        let mut args = vec!["apply", "--yes", "--db", "store.sqlite"];
        args.extend_from_slice(extra);
        run_in(label, (&bins, &wd, &sim), &args)
    };
    assert_exit(&apply("assign", &["assign.toml"]), 0);
    let assigned = sim.truth().unwrap();
    let writes = served(&sim.stats().unwrap(), "devices-update");

    // Without --allow-delete: planned, held back with why, nothing written.
    let held = apply("held", &["unassign.toml"]);
    assert_exit(&held, 3);
    assert!(
        held.stdout.contains("needs --allow-delete"),
        "{}",
        held.stdout
    );
    assert!(held.stdout.contains("unlicense "), "{}", held.stdout);
    assert!(held.stdout.contains("0 writes sent"), "{}", held.stdout);
    assert_eq!(served(&sim.stats().unwrap(), "devices-update"), writes);
    assert_eq!(sim.truth().unwrap().devices, assigned.devices);

    let plan = [
        "plan",
        "unassign.toml",
        "--allow-delete",
        "--out",
        "plan.json",
    ];
    let plan = run_exit("plan", (&bins, &wd, &sim), &plan, 0);
    assert!(plan.stdout.contains("0 cannot be done."), "{}", plan.stdout);
    for line in [
        "- unlicense unlicense ",
        "- unassign  unassign ",
        " to unlicense (",
    ] {
        assert!(plan.stdout.contains(line), "{line}: {}", plan.stdout);
    }
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(wd.run("plan.json")).unwrap()).unwrap();
    let actions = saved["deviceActions"].as_array().unwrap();
    let batches: u64 = actions
        .iter()
        .filter_map(|a| a["devices"].as_array())
        .map(|d| d.len().div_ceil(5) as u64)
        .sum();
    let seats: u64 = actions
        .iter()
        .filter(|a| a["action"] == "unlicense")
        .flat_map(|a| a["devices"].as_array().unwrap())
        .map(|d| d["subscriptions"].as_array().map_or(0, Vec::len) as u64)
        .sum();
    assert!(batches >= 10 && seats > 0, "{}", plan.stdout);

    let first = apply("unassign", &["plan.json"]);
    assert_exit(&first, 0);
    assert_eq!(
        served(&sim.stats().unwrap(), "devices-update") - writes,
        batches,
        "each batch sent once: {}",
        first.stdout
    );
    let truth = sim.truth().unwrap();
    let mut checked = 0;
    for id in &ids {
        for d in truth.devices[id].iter().filter(|d| d["deviceType"] == "AP") {
            assert!(
                d["application"].is_null() && d["region"].is_null(),
                "{id}: {d}"
            );
            assert_eq!(d["subscription"], serde_json::json!([]), "{id}: {d}");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} access points");
    assert_eq!(
        available(&truth, &ids),
        available(&assigned, &ids) + seats,
        "every seat returned"
    );

    let again = ("unassign.toml", &["--allow-delete"][..], &[][..]);
    let rows = devices_settled((&bins, &wd, &sim), again, &truth);
    let removals = rows
        .iter()
        .filter(|r| {
            (r["action"] == "unlicense" || r["action"] == "unassign") && r["status"] == "done"
        })
        .count();
    assert_eq!(
        removals,
        actions.iter().filter(|a| a["action"] != "nothing").count(),
        "each removal recorded done"
    );
}

#[test]
fn five_tenants_access_points_unlicensed_and_unassigned_only_with_allow_delete() {
    scenario("apply-unassign", "0");
}

#[test]
fn lost_removal_answers_are_re_read_never_sent_twice() {
    scenario("apply-unassign-faults", "0.1");
}
