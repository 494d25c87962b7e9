//! `[[device_unassignments]]` planned as a pure function of what a tenant's devices and
//! subscriptions read: unlicense before unassign, held back without `--allow-delete`, and the
//! entry's checks (a selection both assigned and unassigned is refused).

use serde_json::json;

use super::test_data::{self, assert_writes, tenant};
use super::*;

fn entry() -> UnassignEntry {
    UnassignEntry {
        tenants: vec!["Acme*".into()],
        device_types: vec!["ap".into()],
        unlicense: true,
        unassign: true,
        ..UnassignEntry::default()
    }
}

fn device(n: u8, kind: &str, app: Option<&str>, subs: &[&str]) -> SeenDevice {
    test_data::device(n, kind, app, app.map(|_| "us-west"), subs)
}

fn subs() -> Vec<SeenSubscription> {
    vec![
        SeenSubscription::of(
            &json!({"id": "s-1", "key": "KEY-1", "tier": "FOUNDATION_AP",
            "subscriptionStatus": "STARTED", "availableQuantity": "3"}),
        )
        .expect("a subscription"),
    ]
}

fn name(id: &str) -> Option<String> {
    (id == "app-1").then(|| "Central".to_owned())
}

#[test]
fn selected_devices_are_unlicensed_then_unassigned_when_allowed() {
    let devices = vec![
        device(1, "AP", Some("app-1"), &["s-1"]),
        device(2, "AP", Some("app-1"), &[]),
        device(3, "AP", None, &["s-9"]),
        device(4, "SWITCH", Some("app-1"), &["s-1"]),
        device(5, "AP", None, &[]),
    ];
    let actions = plan_unassign(&entry(), &tenant(), true, &devices, &subs(), name);
    let [unlicense, unassign] = actions.as_slice() else {
        panic!("{actions:?}")
    };
    let selected = "the switch is not selected";
    assert_writes(unlicense, "unlicense", &["dev-1", "dev-3"], selected);
    assert_eq!(
        unlicense.describe(),
        "unlicense 2 devices (subscriptions KEY-1, s-9)",
        "a key the subscriptions do not list reads as its id"
    );
    assert_writes(unassign, "unassign", &["dev-1", "dev-2"], selected);
    assert_eq!(
        unassign.describe(),
        "unassign 2 devices from Central/us-west"
    );
    assert!(unlicense.writes() && unassign.writes());

    // Once so: nothing to do, twice; without leave, nothing either.
    let done = vec![
        device(1, "AP", None, &[]),
        device(4, "SWITCH", None, &["s-1"]),
    ];
    for allow in [true, false] {
        let again = plan_unassign(&entry(), &tenant(), allow, &done, &subs(), name);
        assert_eq!(
            again.iter().map(DeviceAction::kind).collect::<Vec<_>>(),
            ["nothing", "nothing"]
        );
        assert_eq!(again[0].describe(), "1 device hold no subscription");
    }
}

#[test]
fn without_allow_delete_each_removal_is_planned_and_held_back_with_why() {
    let devices = vec![device(1, "AP", Some("app-2"), &["s-1"])];
    let actions = plan_unassign(&entry(), &tenant(), false, &devices, &subs(), name);
    let held: Vec<(String, String)> = actions
        .iter()
        .map(|a| match a {
            DeviceAction::Cannot { what, why, .. } => (what.clone(), why.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        held,
        [
            (
                "unlicense 1 device (subscription KEY-1)".to_owned(),
                HELD_BACK.to_owned()
            ),
            (
                "unassign 1 device from app-2/us-west".to_owned(),
                HELD_BACK.to_owned()
            ),
        ]
    );
    assert!(actions.iter().all(|a| !a.writes()));
    let allowed = plan_unassign(&entry(), &tenant(), true, &devices, &subs(), name);
    assert_ne!(
        format!("{:?}", allowed[0]),
        format!("{:?}", actions[0]),
        "the leave is part of the plan"
    );
}

#[test]
fn entries_are_checked_and_a_selection_both_assigned_and_unassigned_is_refused() {
    assert!(entry().problems().is_empty());
    let neither = UnassignEntry {
        unlicense: false,
        unassign: false,
        ..entry()
    };
    assert!(
        neither
            .problems()
            .join("; ")
            .contains("give 'unlicense = true'"),
        "{:?}",
        neither.problems()
    );
    let none = UnassignEntry {
        device_types: Vec::new(),
        ..entry()
    };
    assert!(none.problems().join("; ").contains("give 'device_types'"));

    let assignment = |tenants: &[&str], types: &[&str]| DeviceEntry {
        tenants: tenants.iter().map(|t| (*t).to_owned()).collect(),
        device_types: types.iter().map(|t| (*t).to_owned()).collect(),
        subscription_tier: Some("FOUNDATION_AP".into()),
        ..DeviceEntry::default()
    };
    for (tenants, types, overlaps) in [
        (&["Acme Corp"][..], &["AP"][..], true),
        (&["*"][..], &["AP"][..], true),
        (&["Acme*"][..], &["SWITCH"][..], false),
        (&["Globex"][..], &["AP"][..], false),
    ] {
        assert_eq!(
            entry().overlaps(&assignment(tenants, types)),
            overlaps,
            "{tenants:?} {types:?}"
        );
    }
    let manifest = Manifest {
        device_assignments: vec![assignment(&["*"], &["AP"])],
        device_unassignments: vec![entry(), neither],
        ..Manifest::default()
    };
    let err = manifest.check().expect_err("refused").to_string();
    assert!(
        err.contains("[[device_unassignments]] #1 and [[device_assignments]] #1 select the same"),
        "{err}"
    );
    assert!(err.contains("[[device_unassignments]] #2: give"), "{err}");
    let alone = Manifest {
        device_unassignments: vec![entry()],
        ..Manifest::default()
    };
    assert!(alone.check().is_ok() && !alone.is_empty());
}
