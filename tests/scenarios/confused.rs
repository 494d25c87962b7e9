//! What a confused server gets (issue 24, item 5), the real binary against the scripted fake
//! platform: a Central list that ignores its cursor, a resource that fails for one tenant
//! while the next one works, a Central check answered with JSON of another shape, and a
//! msp-tenants `total` that the listing does not deliver.

use glp_msp_e2e::Workdir;
use glp_msp_e2e::fake::{Fake, Platform, Recorded, Reply, Route, Setup, glp_error};
use serde_json::{Value, json};
use test_support::Finished;

use crate::common::{RUN_LIMIT, assert_exit, bins};

const APS: &str = "/network-monitoring/v1/aps";

/// `msp-orchestrator ARGS` against `fake` in `wd` (`args` split at whitespace), asserting its
/// exit code ([`assert_exit`]).
fn run(fake: &Fake, wd: &Workdir, args: &str, code: i32) -> Finished {
    let args: Vec<&str> = args.split_whitespace().collect();
    let out = fake
        .orchestrator(&bins(), &wd.run(""), &args)
        .timeout(RUN_LIMIT)
        .run();
    assert_exit(&out, code);
    out
}

/// Asserts that `out` said `text` on stderr.
fn assert_said(out: &Finished, text: &str) {
    assert!(out.stderr.contains(text), "{text}\n{}", out.stderr);
}

/// The JSON lines of the file `name` of `wd`.
fn lines(wd: &Workdir, name: &str) -> Vec<Value> {
    std::fs::read_to_string(wd.run(name))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// How many of `records` are of `resource` and `tenant`.
fn count(records: &[Value], resource: &str, tenant: &str) -> usize {
    records
        .iter()
        .filter(|r| r["resource"] == resource && r["tenant_id"] == tenant)
        .count()
}

/// The aps of tenant `i`: one access point, `AP-<i>`, on one page.
fn aps(req: &Recorded, p: &Platform) -> Option<Reply> {
    (req.path == APS).then(|| {
        let i = p.tenant_of(req).unwrap_or(99);
        Reply::json(
            200,
            json!({"items": [{"serialNumber": format!("AP-{i}")}], "count": 1, "total": 1,
                   "next": null}),
        )
    })
}

#[test]
fn a_resource_that_fails_for_a_tenant_does_not_stop_its_next_resource() {
    let fake = Fake::start(Setup::tenants(2));
    let first = fake.platform().setup().tenants[0].clone();
    fake.on(Route::DeviceInventory, |req, p| {
        (p.tenant_of(req) == Some(0))
            .then(|| glp_error(404, "HPE_GL_NOT_FOUND", "no inventory for this tenant"))
    });
    fake.on(Route::Other, aps);
    let wd = Workdir::new("confused-parts").unwrap();
    // Some failed: exit 3.
    let args = "collect device-inventory aps -q -o out.jsonl --report report.json";
    let out = run(&fake, &wd, args, 3);
    let records = lines(&wd, "out.jsonl");
    let of = |resource: &str, tenant: &str| count(&records, resource, tenant);
    assert_eq!(
        of("aps", &first.id),
        1,
        "aps ran after device-inventory failed"
    );
    assert_eq!(of("device-inventory", &first.id), 0);
    let second = &fake.platform().setup().tenants[1];
    assert_eq!(
        (of("aps", &second.id), of("device-inventory", &second.id)),
        (1, 3)
    );
    assert_said(
        &out,
        "resources: device-inventory failed [not_found] after 0 records, aps ok (1 record)",
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(wd.run("report.json")).unwrap()).unwrap();
    let failed = report["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tenant_id"] == first.id.as_str())
        .unwrap();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["resources"][0]["resource"], "device-inventory");
    assert_eq!(failed["resources"][0]["kind"], "not_found");
    assert_eq!(failed["resources"][1]["resource"], "aps");
    assert_eq!(failed["resources"][1]["status"], "ok");
    assert_eq!(failed["resources"][1]["records"], 1);

    // A snapshot keeps what completed: the failed tenant's aps are in the run.
    run(
        &fake,
        &wd,
        "snapshot device-inventory aps -q --db inv.sqlite",
        3,
    );
    let export = "export --db inv.sqlite --run 1 --format jsonl -o run.jsonl";
    run(&fake, &wd, export, 0);
    let stored = lines(&wd, "run.jsonl");
    let stored_of = |resource: &str| count(&stored, resource, &first.id);
    assert_eq!(
        (stored_of("aps"), stored_of("device-inventory")),
        (1, 0),
        "{stored:?}"
    );
}

#[test]
fn a_central_list_that_ignores_its_cursor_writes_no_record_twice() {
    let fake = Fake::start(Setup::tenants(1));
    // Every device-inventory answer is the first page, with a next page to follow.
    fake.on(Route::DeviceInventory, |req, p| {
        let t = &p.setup().tenants[p.tenant_of(req)?];
        let items: Vec<Value> = (0..2)
            .map(|k| glp_msp_e2e::fake::device_item(&t.serial(k), &t.name))
            .collect();
        Some(Reply::json(
            200,
            json!({"items": items, "count": 2, "total": 6, "next": 2}),
        ))
    });
    let wd = Workdir::new("confused-repeat").unwrap();
    let out = run(&fake, &wd, "collect -q -o out.jsonl", 3);
    let serials: Vec<String> = lines(&wd, "out.jsonl")
        .iter()
        .map(|r| r["data"]["serialNumber"].as_str().unwrap().to_owned())
        .collect();
    let mut once = serials.clone();
    once.dedup();
    assert_eq!(serials.len(), 2, "{serials:?}");
    assert_eq!(serials, once, "no record twice");
    assert_said(&out, "page 2 repeats page 1");
}

#[test]
fn a_central_check_answered_in_another_shape_says_it_could_not_decode_it() {
    let fake = Fake::start(Setup::tenants(1));
    fake.on(Route::ListTenants, |_, _| {
        Some(Reply::json(200, json!({"tenants": [], "total": 0})))
    });
    let wd = Workdir::new("confused-decode").unwrap();
    let out = run(&fake, &wd, "collect -q -o out.jsonl", 1);
    assert_said(
        &out,
        "could not decode the answer of GET /network-msp/v1/list-tenants",
    );
    assert!(!out.stderr.contains("--central-base-url"), "{}", out.stderr);
    assert_eq!(fake.platform().count(Route::Exchange), 0, "no tenant ran");
}

#[test]
fn a_tenant_total_the_listing_does_not_deliver_is_a_warning_with_both_numbers() {
    let fake = Fake::start(Setup::tenants(2));
    // Both tenants are listed, but the page says 5.
    fake.on(Route::MspTenants, |req, p| {
        let offset = req.query_pairs().get("offset").cloned().unwrap_or_default();
        let items: Vec<Value> = if offset == "0" {
            p.setup()
                .tenants
                .iter()
                .map(glp_msp_e2e::fake::msp_tenant_item)
                .collect()
        } else {
            Vec::new()
        };
        Some(Reply::json(
            200,
            json!({"offset": offset.parse::<u64>().ok(), "count": items.len(), "total": 5,
                   "items": items}),
        ))
    });
    let wd = Workdir::new("confused-total").unwrap();
    // A warning, not a failure: exit 0.
    let warning = "warning: msp-tenants said total 5 but delivered 2 items";
    assert_said(&run(&fake, &wd, "collect -q -o out.jsonl", 0), warning);
    assert_said(&run(&fake, &wd, "tenants", 0), warning);
}
