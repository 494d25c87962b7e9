//! Issue 22, notification rules: a manifest of one Central rule for every tenant, applied
//! against the simulator while 10% of the writes fail after they took effect: every tenant
//! ends with the rule exactly once, as the manifest says, each POST sent once, and a second
//! apply writes nothing.

use serde_json::json;

use crate::common::{run_exit, served, start};

const TENANTS: usize = 20;

const MANIFEST: &str = r#"
[[notification_rules]]
tenants = ["*"]
name = "NOC critical"
description = "Critical alerts to the NOC"
enabled = true
sourceTypes = ["ALERTS"]
source = { alerts = { enabled = true, alertNames = ["AP Down", "Switch Down"], minAlertSeverity = "CRITICAL" } }
destination = { email = { enabled = true, emailIds = ["noc@msp.example"] } }
"#;

#[test]
fn a_rule_for_every_tenant_despite_lost_answers_then_nothing_to_do() {
    let tenants = TENANTS.to_string();
    let (bins, wd, sim) = start(
        "apply-rules",
        &["--tenants", &tenants, "--fault-write-after-apply", "0.1"],
    );
    std::fs::write(wd.run("rules.toml"), MANIFEST).unwrap();
    let scenario = (&bins, &wd, &sim);
    let plan = run_exit("plan", scenario, &["plan", "rules.toml"], 0);
    assert!(
        plan.stdout.contains(&format!(
            "Rules: {TENANTS} to create, 0 to update, 0 to delete, 0 unchanged"
        )),
        "{}",
        plan.stdout
    );

    let apply = ["apply", "rules.toml", "--yes", "--db", "store.sqlite"];
    let first = run_exit("apply", scenario, &apply, 0);
    let stats = sim.stats().unwrap();
    assert_eq!(
        served(&stats, "notification-rules-create"),
        TENANTS as u64,
        "one POST per tenant, never a second"
    );
    let lost = first.stdout.matches("[answer lost, re-read]").count() as u64;
    assert_eq!(lost, stats.failed_after_apply, "{}", first.stdout);
    let truth = sim.truth().unwrap();
    assert_eq!(truth.notification_rules.len(), TENANTS, "every tenant");
    for (tenant, rules) in &truth.notification_rules {
        assert_eq!(rules.len(), 1, "no duplicate in {tenant}: {rules:?}");
        let r = &rules[0];
        assert_eq!(r["name"], "NOC critical");
        assert_eq!(r["description"], "Critical alerts to the NOC");
        assert_eq!(
            r["source"]["alerts"]["alertNames"],
            json!(["AP Down", "Switch Down"])
        );
        assert_eq!(
            r["destination"]["email"]["emailIds"],
            json!(["noc@msp.example"])
        );
    }

    let second = run_exit("apply-again", scenario, &apply, 0);
    assert!(second.stdout.contains("0 writes sent"), "{}", second.stdout);
    let again = sim.stats().unwrap();
    for ep in ["notification-rules-create", "notification-rules-update"] {
        assert_eq!(served(&again, ep), served(&stats, ep), "{ep}: no write");
    }
    assert_eq!(
        sim.truth().unwrap().notification_rules,
        truth.notification_rules
    );

    let changes = run_exit(
        "changes",
        scenario,
        &["changes", "--db", "store.sqlite", "--format", "json"],
        0,
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&changes.stdout).unwrap();
    assert_eq!(rows.len(), TENANTS, "each rule created is recorded");
    assert!(
        rows.iter()
            .all(|r| r["action"] == "rule_create" && r["status"] == "done")
    );
}
