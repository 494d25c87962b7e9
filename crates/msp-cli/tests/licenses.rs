//! Issue 21 (deliver 4): `licenses` against the simulator, compared with its truth: the MSP
//! workspace's own subscriptions and every tenant's per tier, devices without a subscription,
//! subscriptions ending within `--within`, the burndown by month; live and from the latest
//! snapshot (`--db`); file safety and formats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use support::{Finished, cli, sim, temp_dir, texts};

/// The simulator's fixed now: its subscription end times are spread around it.
const NOW: &str = "2026-12-01T00:00:00Z";
/// NOW + 90 days.
const HORIZON: &str = "2027-03-01T00:00:00Z";
const TENANTS: usize = 8;

async fn output(cmd: test_support::Cli) -> Finished {
    cmd.output().await
}

type TierKey = (String, String);
/// (subscriptions, quantity, available, assigned, ended) per (workspace id, tier).
type Tiers = BTreeMap<TierKey, (u64, u64, u64, u64, u64)>;

fn n(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.trim().parse().unwrap(),
        other => other.as_u64().unwrap(),
    }
}

fn live(s: &Value) -> bool {
    s["subscriptionStatus"] != "ENDED" && s["endTime"].as_str().unwrap() > NOW
}

/// What the report must say, from the truth's records: its tiers, unsubscribed serials,
/// ending subscription ids and expiring quantity per month.
struct Expected {
    tiers: Tiers,
    unsubscribed: BTreeSet<String>,
    ending: BTreeSet<String>,
    months: BTreeMap<String, u64>,
}

fn expected(truth: &Value, with_msp: bool) -> Expected {
    let mut workspaces: Vec<(String, Vec<Value>, Vec<Value>)> = truth["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let records = &t["records"];
            (
                t["workspace_id"].as_str().unwrap().to_owned(),
                records["glp/subscriptions"].as_array().unwrap().clone(),
                records["glp/devices"].as_array().unwrap().clone(),
            )
        })
        .collect();
    if with_msp {
        workspaces.push((
            truth["msp_workspace_id"].as_str().unwrap().to_owned(),
            truth["msp_records"]["glp/subscriptions"]
                .as_array()
                .unwrap()
                .clone(),
            Vec::new(),
        ));
    }
    let mut e = Expected {
        tiers: BTreeMap::new(),
        unsubscribed: BTreeSet::new(),
        ending: BTreeSet::new(),
        months: BTreeMap::new(),
    };
    for (id, subscriptions, devices) in &workspaces {
        for s in subscriptions {
            let row = e
                .tiers
                .entry((id.clone(), s["tier"].as_str().unwrap().to_owned()))
                .or_default();
            let (q, a) = (n(&s["quantity"]), n(&s["availableQuantity"]));
            if live(s) {
                row.0 += 1;
                row.1 += q;
                row.2 += a;
                row.3 += q - a;
                let end = s["endTime"].as_str().unwrap();
                if end <= HORIZON {
                    e.ending.insert(s["id"].as_str().unwrap().to_owned());
                }
                *e.months.entry(end[..7].to_owned()).or_default() += q;
            } else {
                row.4 += q;
            }
        }
        for d in devices {
            if d["subscription"].as_array().unwrap().is_empty() {
                e.unsubscribed
                    .insert(d["serialNumber"].as_str().unwrap().to_owned());
            }
        }
    }
    e
}

/// The tier rows of a JSON report per (workspace id, tier), the MSP workspace's own only
/// `with_msp`.
fn tiers(report: &Value, with_msp: bool) -> Tiers {
    report["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| with_msp || r["msp"] != true)
        .map(|r| {
            let key = (
                r["tenant_id"].as_str().unwrap().to_owned(),
                r["tier"].as_str().unwrap().to_owned(),
            );
            let counts = [
                "subscriptions",
                "quantity",
                "available",
                "assigned",
                "ended",
            ]
            .map(|field| n(&r[field]));
            (key, counts.into())
        })
        .collect()
}

fn check(report: &Value, e: &Expected, with_msp: bool) {
    assert_eq!(report["now"], NOW);
    assert_eq!(report["within_days"], 90);
    assert_eq!(tiers(report, true), e.tiers);
    assert_eq!(
        report["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["msp"] == true),
        with_msp
    );
    let unsubscribed: BTreeSet<String> = texts(report, "unsubscribed", "serial_number")
        .into_iter()
        .collect();
    assert!(!e.unsubscribed.is_empty());
    assert_eq!(unsubscribed, e.unsubscribed);
    let ending = texts(report, "ending", "end_time");
    assert!(ending.windows(2).all(|w| w[0] <= w[1]), "soonest first");
    let ending: BTreeSet<String> = texts(report, "ending", "subscription_id")
        .into_iter()
        .collect();
    assert!(!e.ending.is_empty());
    assert_eq!(ending, e.ending);
    let burndown = report["burndown"].as_array().unwrap();
    assert_eq!(burndown.len(), 12);
    assert_eq!(burndown[0]["month"], "2026-12");
    assert_eq!(burndown[11]["month"], "2027-11");
    let mut expiring = 0;
    for m in burndown {
        let month = m["month"].as_str().unwrap();
        let want = e.months.get(month).copied().unwrap_or(0);
        assert_eq!(n(&m["expiring"]), want, "{month}");
        expiring += want;
    }
    assert!(expiring > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_live_and_from_the_store_agree_with_the_simulator_s_truth() {
    let sim = sim(TENANTS).await;
    let truth = serde_json::to_value(sim.truth_with_records()).unwrap();
    let run = output(cli(&sim).args(["licenses", "-q", "--format", "json", "--now", NOW])).await;
    run.assert_code(0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    check(&report, &expected(&truth, true), true);

    // The table shows every part; CSV has one header and a section column.
    let table = output(cli(&sim).args(["licenses", "-q", "--now", NOW])).await;
    table.assert_code(0);
    for part in [
        "Subscriptions per tenant and tier",
        "Devices without a subscription",
        "Subscriptions ending within 90 days",
        "Licences expiring per month",
        "(MSP)",
    ] {
        assert!(table.stdout.contains(part), "{part}: {}", table.stdout);
    }
    let dir = temp_dir("licenses");
    let csv = dir.path().join("licences.csv");
    let written = output(
        cli(&sim)
            .args(["licenses", "-q", "--now", NOW, "--months", "24", "-o"])
            .arg(&csv),
    )
    .await;
    written.assert_code(0);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("section,tenant_id,tenant_name,"), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("burndown,")).count(),
        24
    );
    // No overwrite without --overwrite: refused before any request, the file kept.
    let again = output(
        cli(&sim)
            .args(["licenses", "-q", "--now", NOW, "-o"])
            .arg(&csv),
    )
    .await;
    again.assert_code(2);
    assert!(again.stderr.contains("--overwrite"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), text);
    output(
        cli(&sim)
            .args([
                "licenses",
                "-q",
                "--now",
                NOW,
                "--overwrite",
                "--months",
                "12",
                "-o",
            ])
            .arg(&csv),
    )
    .await
    .assert_code(0);
    assert_ne!(std::fs::read_to_string(&csv).unwrap(), text);
    // Formats other than table, csv and json, and bounds, are usage errors.
    for args in [
        &["--format", "jsonl"][..],
        &["--months", "61"],
        &["--months", "11"],
        &["--within", "0d"],
        &["--within", "3m"],
        &["--now", "yesterday"],
    ] {
        let refused = output(cli(&sim).arg("licenses").args(args)).await;
        refused.assert_code(2);
    }
    // The help and the refusal name only the formats licenses writes; an --output extension
    // of another format is named as the reason.
    let yaml = output(cli(&sim).args(["licenses", "--format", "yaml"])).await;
    yaml.assert_code(2);
    assert!(
        yaml.stderr.contains("[possible values: table, csv, json]"),
        "{}",
        yaml.stderr
    );
    let by_extension = output(
        cli(&sim)
            .args(["licenses", "-q", "-o"])
            .arg(dir.path().join("report.yaml")),
    )
    .await;
    by_extension.assert_code(2);
    assert!(
        by_extension
            .stderr
            .contains("not yaml (from the --output file's extension)"),
        "{}",
        by_extension.stderr
    );
    assert!(!dir.path().join("report.yaml").exists());

    // --db: the latest complete run must hold both resources; it says what to run.
    let db = dir.path().join("inventory.sqlite");
    output(
        cli(&sim)
            .args(["snapshot", "-q", "glp/devices", "--db"])
            .arg(&db),
    )
    .await
    .assert_code(0);
    let lacking = output(cli(&sim).args(["licenses", "--db"]).arg(&db)).await;
    lacking.assert_code(2);
    assert!(
        lacking
            .stderr
            .contains("snapshot glp/subscriptions glp/devices"),
        "{}",
        lacking.stderr
    );
    output(
        cli(&sim)
            .args(["snapshot", "-q", "glp/subscriptions", "glp/devices", "--db"])
            .arg(&db),
    )
    .await
    .assert_code(0);
    let stored = output(
        cli(&sim)
            .args(["licenses", "--format", "json", "--now", NOW, "--db"])
            .arg(&db),
    )
    .await;
    stored.assert_code(0);
    let report: Value = serde_json::from_str(&stored.stdout).unwrap();
    check(&report, &expected(&truth, false), false);

    // The selection flags choose among the stored tenants too.
    let id = truth["tenants"][0]["workspace_id"].as_str().unwrap();
    let one = output(
        cli(&sim)
            .args([
                "licenses",
                "--format",
                "json",
                "--now",
                NOW,
                "--include-id",
                id,
            ])
            .arg("--db")
            .arg(&db),
    )
    .await;
    one.assert_code(0);
    let report: Value = serde_json::from_str(&one.stdout).unwrap();
    let ids: BTreeSet<&str> = ["tiers", "unsubscribed"]
        .iter()
        .flat_map(|part| report[part].as_array().unwrap().iter())
        .map(|r| r["tenant_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, BTreeSet::from([id]));
}

/// With server errors and no retry, some tenants fail: the report holds only the tenants read
/// whole (each exactly as the truth has it), names the others on stderr, and exits 3. (The
/// faults are random: a run whose tenant listing fails reports nothing and exits 1.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_not_read_whole_are_left_out_and_the_exit_code_says_so() {
    let sim = support::sim_with(platform_sim::SimConfig {
        tenants: TENANTS,
        fail_rate: 0.3,
        ..platform_sim::SimConfig::default()
    })
    .await;
    let mut truth = serde_json::to_value(sim.truth_with_records()).unwrap();
    let run = output(cli(&sim).args([
        "licenses",
        "-q",
        "--format",
        "json",
        "--now",
        NOW,
        "--retries",
        "1",
    ]))
    .await;
    let code = run.code.unwrap();
    // 1: the listing of the tenants failed before any tenant ran (nothing to report).
    assert!(matches!(code, 0 | 1 | 3), "{}", run.stderr);
    if code == 3 {
        assert!(
            run.stderr.contains("left out") || run.stderr.contains("could not be read"),
            "{}",
            run.stderr
        );
    }
    if run.stdout.is_empty() {
        // The token request or the listing failed before any report.
        assert_eq!(code, 1, "{}", run.stderr);
        return;
    }
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let present: BTreeSet<String> = ["tiers", "unsubscribed"]
        .iter()
        .flat_map(|part| report[part].as_array().unwrap().iter())
        .filter(|r| r["msp"] != true)
        .map(|r| r["tenant_id"].as_str().unwrap().to_owned())
        .collect();
    truth["tenants"]
        .as_array_mut()
        .unwrap()
        .retain(|t| present.contains(t["workspace_id"].as_str().unwrap()));
    let e = expected(&truth, false);
    assert_eq!(tiers(&report, false), e.tiers);
    let unsubscribed: BTreeSet<String> = texts(&report, "unsubscribed", "serial_number")
        .into_iter()
        .collect();
    assert_eq!(unsubscribed, e.unsubscribed);
}
