//! Issue 22, subscriptions: keys added to the MSP's own workspace and to single tenants (by id)
//! through `POST subscriptions/v1/subscriptions`, five keys a request, each operation polled.
//! After apply the simulator's truth holds every key where the manifest put it; a second apply
//! writes nothing; the simulator's budget of 4 adds a minute per workspace is met with a wait
//! (a 429 slows the writes, never fails them), two tenants each at their own limit both
//! finish; and with 10% of the writes failing after they took effect, no request is sent twice
//! and the end state is the same. Keys never show whole in the plan or the report.

use std::collections::BTreeMap;

use crate::common::{apply_again, apply_stale_plan, changes, run_exit, served, served_with, start};

/// `n` keys starting with `prefix`.
fn keys(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i:04}")).collect()
}

fn quoted(keys: &[String]) -> String {
    let q: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
    q.join(", ")
}

/// Adds that were not refused by the budget.
fn posts(stats: &platform_sim::Stats) -> u64 {
    served(stats, "subscriptions-add") - served_with(stats, "subscriptions-add", "429")
}

fn scenario(name: &str, fault: &str, (msp, per_tenant): (usize, usize), extra: &[&str]) {
    let (msp_keys, a_keys, b_keys) = (
        keys("MSPKEY", msp),
        keys("TAKEY", per_tenant),
        keys("TBKEY", per_tenant),
    );
    let claimable = [&msp_keys[..], &a_keys[..], &b_keys[..]].concat().join(",");
    let mut args = vec![
        "--tenants",
        "20",
        "--glp-claimable-keys",
        &claimable,
        "--fault-write-after-apply",
        fault,
    ];
    args.extend(extra);
    let (bins, wd, sim) = start(name, &args);
    let truth = sim.truth().unwrap();
    let (a, b) = (
        &truth.tenants[3].workspace_id,
        &truth.tenants[11].workspace_id,
    );
    let manifest = format!(
        "[[subscriptions]]\nkeys = [{}]\n\n[[subscriptions]]\ntenants = [\"{a}\"]\nkeys = \
         [{}]\n\n[[subscriptions]]\ntenants = [\"{b}\"]\nkeys = [{}]\n",
        quoted(&msp_keys),
        quoted(&a_keys),
        quoted(&b_keys)
    );
    std::fs::write(wd.run("subs.toml"), manifest).unwrap();
    let scenario = (&bins, &wd, &sim);
    let plan = ["plan", "subs.toml", "--out", "plan.json"];
    let plan = run_exit("plan", scenario, &plan, 0);
    assert!(
        plan.stdout.contains(&format!(
            "Subscriptions: 3 to add ({} keys), 0 unchanged, 0 cannot be done.",
            msp + 2 * per_tenant
        )),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("****0001"), "{}", plan.stdout);
    let requests = (msp.div_ceil(5) + 2 * per_tenant.div_ceil(5)) as u64;

    let args = ["apply", "plan.json", "--yes", "--db", "store.sqlite"];
    let first = run_exit("apply", scenario, &args, 0);
    for out in [&plan.stdout, &plan.stderr, &first.stdout, &first.stderr] {
        assert!(!out.contains("MSPKEY0001"), "a key shown whole: {out}");
    }
    let stats = sim.stats().unwrap();
    assert_eq!(
        posts(&stats),
        requests,
        "each request sent once: {}",
        first.stdout
    );
    if msp > 20 {
        // Past the MSP workspace's four a minute: refused, waited for, sent again; done.
        assert!(
            served_with(&stats, "subscriptions-add", "429") >= 1,
            "{stats:?}"
        );
    }
    if stats.failed_after_apply > 0 {
        assert!(
            first.stdout.contains("[answer lost, re-read]"),
            "{}",
            first.stdout
        );
    }
    let truth = sim.truth().unwrap();
    let want: BTreeMap<String, Vec<String>> = [
        (truth.msp_workspace_id.clone(), msp_keys),
        (a.clone(), a_keys),
        (b.clone(), b_keys),
    ]
    .into_iter()
    .collect();
    assert_eq!(truth.subscriptions_added, want);

    let nothing = "Subscriptions: 0 to add (0 keys), 3 unchanged, 0 cannot be done.";
    apply_again(scenario, "subs.toml", &[], &[nothing]);
    assert_eq!(posts(&sim.stats().unwrap()), requests, "no write");
    assert_eq!(sim.truth().unwrap().subscriptions_added, want);

    // The saved plan is stale now: applying it writes nothing and names what moved.
    apply_stale_plan(scenario, &["[[subscriptions]] #1"]);

    let changes = changes(scenario, &["--format", "json"]);
    assert!(!changes.stdout.contains("MSPKEY0001"), "{}", changes.stdout);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&changes.stdout).unwrap();
    let added = rows
        .iter()
        .filter(|r| r["action"] == "add" && r["status"] == "done")
        .count();
    assert_eq!(added, 3, "each add recorded done");
}

#[test]
fn keys_added_where_the_manifest_says_within_each_workspace_s_budget_then_nothing_to_do() {
    // The MSP's 25 keys are five requests: with no rate-limit headers to read, the fifth in
    // the minute is refused once (429) and sent again after the wait; the tenants' four each
    // are at their own limit and go on meanwhile.
    scenario("apply-subscriptions", "0", (25, 20), &["--no-rate-headers"]);
}

#[test]
fn lost_answers_are_re_read_never_sent_twice_and_end_the_same() {
    scenario("apply-subscriptions-faults", "0.1", (10, 5), &[]);
}
