//! Issue 22, notification rules: a manifest of one Central rule for every tenant, applied
//! against the simulator while 10% of the writes fail after they took effect: every tenant
//! ends with the rule exactly once, as the manifest says, each POST sent once, and a second
//! apply writes nothing. A tenant with no Central is skipped under a glob (exit 0) and fails
//! the apply when named (exit 3); a saved plan whose rules someone else changed is refused;
//! `[[delete_notification_rules]]` is held back without `--allow-delete` (exit 3) and deletes
//! each rule once with it, every answer lost, the rule's before recorded.

use serde_json::json;

use glp_msp_e2e::{Bins, Finished, Sim, Workdir};

use crate::common::{
    NOC_RULE, apply_again, apply_stale_plan, change_rows, run_exit, served, start,
};

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

    apply_again(scenario, "rules.toml", &[], &[]);
    let again = sim.stats().unwrap();
    for ep in ["notification-rules-create", "notification-rules-update"] {
        assert_eq!(served(&again, ep), served(&stats, ep), "{ep}: no write");
    }
    assert_eq!(
        sim.truth().unwrap().notification_rules,
        truth.notification_rules
    );

    let rows = change_rows(scenario, &[]);
    assert_eq!(rows.len(), TENANTS, "each rule created is recorded");
    assert!(
        rows.iter()
            .all(|r| r["action"] == "rule_create" && r["status"] == "done")
    );
}

/// A scenario started with `sim_args` whose tenants were each given [`NOC_RULE`] (no
/// description: someone else may set one, which the manifest leaves alone) by an apply of
/// `rules.toml` (exit 0): the scenario, and that apply.
fn start_with_rule(name: &str, sim_args: &[&str]) -> ((Bins, Workdir, Sim), Finished) {
    let (bins, wd, sim) = start(name, sim_args);
    std::fs::write(wd.run("rules.toml"), NOC_RULE).unwrap();
    let apply = ["apply", "rules.toml", "--yes", "--db", "store.sqlite"];
    let applied = run_exit("apply", (&bins, &wd, &sim), &apply, 0);
    ((bins, wd, sim), applied)
}

/// Rule write requests served (create, update, delete).
fn rule_writes(sim: &glp_msp_e2e::Sim) -> u64 {
    let stats = sim.stats().unwrap();
    ["create", "update", "delete"]
        .iter()
        .map(|w| served(&stats, &format!("notification-rules-{w}")))
        .sum()
}

#[test]
fn a_tenant_without_central_is_skipped_under_a_glob_and_fails_the_apply_when_named() {
    let sim_args = ["--tenants", "3", "--tenants-on-no-cluster", "1"];
    let ((bins, wd, sim), all) = start_with_rule("apply-rules-no-central", &sim_args);
    let scenario = (&bins, &wd, &sim);
    let unplaced = sim.truth().unwrap().tenants[2].name.clone();
    assert!(
        all.stdout.contains(&format!(
            "skipped skip    '{unplaced}' ({}): rule 'NOC critical': skipped: no Central for \
             this tenant (provision Central, then apply again)",
            sim.truth().unwrap().tenants[2].workspace_id
        )),
        "{}",
        all.stdout
    );
    assert!(
        all.stdout
            .contains("Rules: 2 to create, 0 to update, 0 to delete, 0 unchanged, 1 skipped"),
        "{}",
        all.stdout
    );
    assert_eq!(sim.truth().unwrap().notification_rules.len(), 2);
    // Recorded as skipped (with what wrote nothing: --all).
    let rows = change_rows(scenario, &["--all"]);
    assert!(
        rows.iter()
            .any(|r| r["action"] == "skip" && r["status"] == "skipped"),
        "{rows:?}"
    );

    let named = NOC_RULE.replace(
        r#"tenants = ["*"]"#,
        &format!("tenants = [{}]", serde_json::Value::from(unplaced.as_str())),
    );
    std::fs::write(wd.run("named.toml"), named).unwrap();
    let apply = ["apply", "named.toml", "--yes", "--db", "store.sqlite"];
    let named = run_exit("apply-named", scenario, &apply, 3);
    assert!(
        named.stdout.contains("! cannot  rule 'NOC critical' in '")
            && named.stdout.contains("no Central cluster of the run"),
        "{}",
        named.stdout
    );
}

#[test]
fn a_saved_plan_whose_rules_someone_else_changed_is_refused_and_writes_nothing() {
    let ((bins, wd, sim), _) = start_with_rule("apply-rules-drift", &["--tenants", "3"]);
    let scenario = (&bins, &wd, &sim);
    let plan = ["plan", "rules.toml", "--out", "plan.json"];
    let plan = run_exit("plan", scenario, &plan, 0);
    assert!(plan.stdout.contains("3 unchanged"), "{}", plan.stdout);

    // Someone else gives the rule of one tenant a description, a field this manifest leaves
    // alone: still nothing to do there, but not the state the plan saw.
    let tenant = sim.truth().unwrap().tenants[1].name.clone();
    let other = NOC_RULE.replace(
        r#"tenants = ["*"]"#,
        &format!(
            "tenants = [{}]\ndescription = \"set by hand\"",
            serde_json::Value::from(tenant.as_str())
        ),
    );
    std::fs::write(wd.run("other.toml"), other).unwrap();
    let apply = ["apply", "other.toml", "--yes", "--db", "store.sqlite"];
    run_exit("apply-other", scenario, &apply, 0);

    let before = rule_writes(&sim);
    let stale = apply_stale_plan(scenario, &["changed since plan.json was planned"]);
    let lines: Vec<&str> = stale
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("rules in '"))
        .collect();
    assert_eq!(
        lines,
        [format!(
            "  rules in '{tenant}': its rules changed since the plan (nothing 'NOC critical')"
        )],
        "{}",
        stale.stderr
    );
    assert_eq!(rule_writes(&sim), before, "nothing written");
}

#[test]
fn a_rule_is_deleted_only_when_allowed_once_each_though_every_answer_is_lost() {
    let sim_args = ["--tenants", "6", "--fault-write-after-apply", "1"];
    let ((bins, wd, sim), _) = start_with_rule("apply-rules-delete", &sim_args);
    let scenario = (&bins, &wd, &sim);
    let made = sim.truth().unwrap().notification_rules;
    assert_eq!(made.len(), 6);
    std::fs::write(
        wd.run("delete.toml"),
        "[[delete_notification_rules]]\ntenants = [\"*\"]\nname = \"NOC critical\"\n",
    )
    .unwrap();

    // Without --allow-delete: held back, said why, exit 3 as for [[delete_tenants]].
    let plan = run_exit("plan-held", scenario, &["plan", "delete.toml"], 0);
    assert_eq!(
        plan.stdout.matches("needs --allow-delete").count(),
        6,
        "{}",
        plan.stdout
    );
    let apply = ["apply", "delete.toml", "--yes", "--db", "store.sqlite"];
    run_exit("apply-held", scenario, &apply, 3);
    assert_eq!(
        sim.truth().unwrap().notification_rules,
        made,
        "none deleted"
    );

    let allowed = [
        "apply",
        "delete.toml",
        "--yes",
        "--allow-delete",
        "--db",
        "store.sqlite",
    ];
    let deleted = run_exit("apply-delete", scenario, &allowed, 0);
    assert_eq!(
        deleted
            .stdout
            .matches("- delete  rule 'NOC critical' in '")
            .count(),
        6,
        "{}",
        deleted.stdout
    );
    assert!(sim.truth().unwrap().notification_rules.is_empty());
    assert_eq!(
        deleted.stdout.matches("[answer lost, re-read]").count(),
        6,
        "every answer lost: {}",
        deleted.stdout
    );
    assert_eq!(
        served(&sim.stats().unwrap(), "notification-rules-delete"),
        6,
        "one DELETE each, a lost answer re-read, not re-sent: {}",
        deleted.stdout
    );
    apply_again(scenario, "delete.toml", &["--allow-delete"], &[]);

    let rows = change_rows(scenario, &[]);
    let gone: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["action"] == "rule_delete" && r["status"] == "done")
        .collect();
    assert_eq!(gone.len(), 6, "{rows:?}");
    for r in gone {
        let before: serde_json::Value =
            serde_json::from_str(r["before"].as_str().unwrap()).unwrap();
        assert_eq!(before["fields"]["name"], "NOC critical", "{r}");
        assert!(before["fields"]["destination"].is_object(), "{r}");
    }
}
