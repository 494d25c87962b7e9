//! `[[device_assignments]]` planned as a pure function of what a tenant's devices and
//! subscriptions read, and the entry's checks.

use serde_json::json;

use super::test_data::{self, assert_writes, tenant};
use super::*;

fn entry() -> DeviceEntry {
    DeviceEntry {
        tenants: vec!["Acme*".into()],
        device_types: vec!["AP".into()],
        application: Some("Central".into()),
        region: Some("us-west".into()),
        subscription_tier: Some("FOUNDATION_AP".into()),
        ..DeviceEntry::default()
    }
}

fn device(n: u8, kind: &str, app: Option<&str>, region: &str, subs: &[&str]) -> SeenDevice {
    test_data::device(n, kind, app, Some(region), subs)
}

fn sub(id: &str, tier: &str, status: &str, available: &str, end: &str) -> SeenSubscription {
    SeenSubscription::of(&json!({"id": id, "key": format!("KEY-{id}"), "tier": tier,
        "subscriptionStatus": status, "availableQuantity": available, "endTime": end}))
    .expect("a subscription")
}

#[test]
fn devices_not_yet_so_are_assigned_and_licensed_with_the_subscription_ending_last() {
    let devices = vec![
        device(1, "AP", Some("app-1"), "us-west", &["s-found"]),
        device(2, "AP", Some("app-1"), "eu-central", &[]),
        device(3, "AP", None, "us-west", &["s-adv"]),
        device(4, "SWITCH", None, "us-west", &[]),
    ];
    let subs = vec![
        sub(
            "s-found",
            "FOUNDATION_AP",
            "STARTED",
            "1",
            "2027-01-01T00:00:00Z",
        ),
        sub(
            "s-long",
            "FOUNDATION_AP",
            "STARTED",
            "10",
            "2029-01-01T00:00:00Z",
        ),
        sub(
            "s-ended",
            "FOUNDATION_AP",
            "ENDED",
            "50",
            "2030-01-01T00:00:00Z",
        ),
        sub(
            "s-adv",
            "ADVANCED_AP",
            "STARTED",
            "9",
            "2029-01-01T00:00:00Z",
        ),
    ];
    let app: Resolved = Ok("app-1".into());
    let actions = plan_devices(&entry(), &tenant(), Some(&app), &devices, &subs);
    let [assign, license] = actions.as_slice() else {
        panic!("{actions:?}")
    };
    let selected = "the switch is not selected";
    assert_writes(assign, "assign", &["dev-2", "dev-3"], selected);
    assert_eq!(assign.describe(), "assign 2 devices to Central/us-west");
    let DeviceAction::License {
        subscription_id, ..
    } = license
    else {
        panic!("{license:?}")
    };
    assert_eq!(
        subscription_id, "s-long",
        "STARTED, enough seats, ending last"
    );
    assert_writes(license, "license", &["dev-2", "dev-3"], selected);
    assert!(assign.writes() && license.writes());

    // Once so: nothing to do, twice.
    let done = vec![
        device(1, "AP", Some("app-1"), "us-west", &["s-found"]),
        device(2, "AP", Some("app-1"), "us-west", &["s-long"]),
    ];
    let again = plan_devices(&entry(), &tenant(), Some(&app), &done, &subs);
    assert_eq!(
        again.iter().map(DeviceAction::kind).collect::<Vec<_>>(),
        ["nothing", "nothing"]
    );
    assert_ne!(
        again[0],
        plan_devices(&entry(), &tenant(), Some(&app), &devices, &subs)[0]
    );
}

#[test]
fn what_cannot_be_done_says_why() {
    let devices = vec![
        device(1, "AP", None, "us-west", &[]),
        device(2, "AP", None, "us-west", &[]),
    ];
    let app: Resolved = Err("'Central' is not provisioned in region us-west".into());
    let subs = vec![sub(
        "s-1",
        "FOUNDATION_AP",
        "STARTED",
        "1",
        "2029-01-01T00:00:00Z",
    )];
    let actions = plan_devices(&entry(), &tenant(), Some(&app), &devices, &subs);
    let whys: Vec<String> = actions
        .iter()
        .map(|a| match a {
            DeviceAction::Cannot { why, .. } => why.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(whys[0], "'Central' is not provisioned in region us-west");
    assert!(
        whys[1].contains("no STARTED subscription of tier FOUNDATION_AP has 2 seats available (the most: KEY-s-1 with 1)"),
        "{}",
        whys[1]
    );
    let none = plan_devices(&entry(), &tenant(), Some(&app), &devices, &[]);
    assert!(format!("{:?}", none[1]).contains("the tenant has no STARTED subscription"));
}

#[test]
fn entries_are_checked() {
    assert!(entry().problems().is_empty());
    let bad = DeviceEntry {
        tenants: vec![],
        device_types: vec![],
        application: Some("Central".into()),
        ..DeviceEntry::default()
    };
    let problems = bad.problems().join("; ");
    for want in [
        "'tenants' must list",
        "give 'device_types'",
        "'application' and 'region' go together",
    ] {
        assert!(problems.contains(want), "{problems}");
    }
    let manifest = Manifest {
        device_assignments: vec![bad],
        ..Manifest::default()
    };
    let err = manifest.check().expect_err("refused");
    assert!(
        err.to_string().contains("[[device_assignments]] #1"),
        "{err}"
    );
    assert!(!manifest.is_empty());
}
