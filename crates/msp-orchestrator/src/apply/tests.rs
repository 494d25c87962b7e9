//! The plan as a pure function of a manifest and the tenants listed.

use glp_workspaces::{Address, Tenant, TenantSpec};
use serde_json::json;

use super::test_data::id;
use super::*;

fn listed(n: u8, name: &str, description: Option<&str>) -> Tenant {
    let mut t = Tenant::new(id(n), name);
    t.inventory_ownership = Some("MSP_OWNED_INVENTORY".into());
    t.extra.insert("description".into(), json!(description));
    t
}

fn spec(name: &str, description: &str) -> TenantSpec {
    TenantSpec {
        description: Some(description.into()),
        ..TenantSpec::named(name)
    }
}

fn kinds(plan: &Plan) -> Vec<&'static str> {
    plan.actions.iter().map(Action::kind).collect()
}

#[test]
fn each_entry_is_created_updated_left_or_refused() {
    let tenants = vec![
        listed(1, "Acme Corp", Some("Retail")),
        listed(2, "Globex", Some("Old words")),
        listed(3, "Twin", None),
        listed(4, "Twin", None),
        listed(5, "initech", None),
        listed(9, "Unrelated", None),
    ];
    let manifest = Manifest {
        tenants: vec![
            spec("Acme Corp", "Retail"),
            spec("Globex", "New words"),
            spec("Twin", "x"),
            spec("Initech", "y"),
            spec("Hooli", "z"),
        ],
        ..Manifest::default()
    };
    manifest.check().expect("valid");
    let plan = Plan::compute(&manifest, &tenants, false);
    assert_eq!(
        kinds(&plan),
        ["nothing", "update", "cannot", "cannot", "create"]
    );
    let Action::Update { changes, .. } = &plan.actions[1] else {
        panic!("update");
    };
    assert_eq!(
        changes,
        &[Change {
            field: "description".into(),
            before: json!("Old words"),
            after: json!("New words"),
        }]
    );
    let why = |i: usize| match &plan.actions[i] {
        Action::Cannot { why, .. } => why.clone(),
        other => panic!("{other:?}"),
    };
    assert!(why(2).contains("matches 2 workspaces"), "{}", why(2));
    assert!(why(3).contains("differs only in case"), "{}", why(3));
    assert_eq!(plan.writes(), 2);
    assert_eq!(
        plan.observed.len(),
        5,
        "the unrelated tenant is not part of the state"
    );
}

#[test]
fn fields_the_listing_does_not_show_are_not_compared_and_ownership_is_never_changed() {
    let mut bare = Tenant::new(id(1), "Acme Corp");
    bare.inventory_ownership = Some("MSP_OWNED_INVENTORY".into());
    let manifest = Manifest {
        tenants: vec![TenantSpec {
            email: Some("noc@acme.example".into()),
            address: Some(Address {
                country_code: "US".into(),
                ..Address::default()
            }),
            ..spec("Acme Corp", "Retail")
        }],
        ..Manifest::default()
    };
    let plan = Plan::compute(&manifest, std::slice::from_ref(&bare), false);
    match &plan.actions[0] {
        Action::Nothing { not_compared, .. } => {
            assert_eq!(not_compared, &["address", "description", "email"]);
        }
        other => panic!("{other:?}"),
    }
    let owned = Manifest {
        tenants: vec![TenantSpec {
            inventory_ownership: Some("CUSTOMER_OWNED_INVENTORY".into()),
            ..TenantSpec::named("Acme Corp")
        }],
        ..Manifest::default()
    };
    assert_eq!(kinds(&Plan::compute(&owned, &[bare], false)), ["cannot"]);
}

#[test]
fn deletion_only_when_named_and_allowed() {
    let tenants = vec![listed(1, "Old Customer", None), listed(2, "Keep", None)];
    let manifest = Manifest {
        delete_tenants: vec![
            DeleteTenant {
                workspace_name: Some("Old Customer".into()),
                id: None,
            },
            DeleteTenant {
                workspace_name: None,
                id: Some(id(7)),
            },
        ],
        ..Manifest::default()
    };
    assert_eq!(
        kinds(&Plan::compute(&manifest, &tenants, false)),
        ["cannot", "nothing"]
    );
    let allowed = Plan::compute(&manifest, &tenants, true);
    assert_eq!(kinds(&allowed), ["delete", "nothing"]);
    assert_eq!(allowed.actions[0].id(), Some(id(1)));
    // Leaving a tenant out of the manifest never deletes it.
    let empty = Plan::compute(&Manifest::default(), &tenants, true);
    assert!(empty.actions.is_empty());
}

#[test]
fn the_manifest_is_checked_whole() {
    let bad = Manifest {
        tenants: vec![
            spec("Acme", "a"),
            spec(" acme ", "b"),
            TenantSpec::named(""),
        ],
        delete_tenants: vec![
            DeleteTenant::default(),
            DeleteTenant {
                workspace_name: Some("ACME".into()),
                id: None,
            },
        ],
        ..Manifest::default()
    };
    let e = bad.check().expect_err("invalid").problems;
    assert_eq!(e.len(), 4, "{e:#?}");
    assert!(e[0].contains("#1 and #2 name the same workspace"), "{e:#?}");
}

#[test]
fn a_rule_deletion_names_one_rule_that_no_entry_also_wants() {
    let bad: Manifest = serde_json::from_value(serde_json::json!({
        "notification_rules": [{
            "tenants": ["*"], "name": "NOC",
            "destination": {"email": {"enabled": true, "emailIds": ["noc@msp.example"]}}
        }],
        "delete_notification_rules": [
            {"tenants": ["*"], "name": " noc "},
            {"tenants": [], "name": ""},
            {"tenants": ["Acme*"], "name": "Old"},
            {"tenants": ["*"], "name": "OLD"},
        ]
    }))
    .expect("shape");
    let e = bad.check().expect_err("invalid").problems;
    assert_eq!(
        e,
        [
            "[[delete_notification_rules]] #1: ' noc ' is also a [[notification_rules]] rule \
             that must exist",
            "[[delete_notification_rules]] #2: 'tenants' must list at least one non-blank \
             pattern (\"*\": all)",
            "[[delete_notification_rules]] #2: 'name' must be 1 to 128 characters, no control \
             character",
            "[[delete_notification_rules]] #4 and #3 name the same rule 'OLD' (give one entry \
             the tenants of both)",
        ]
    );
}

#[test]
fn drift_names_what_moved_and_the_plan_round_trips_as_json() {
    let tenants = vec![
        listed(1, "Acme Corp", Some("Retail")),
        listed(9, "Other", None),
    ];
    let manifest = Manifest {
        tenants: vec![spec("Acme Corp", "Retail, 41 sites"), spec("Hooli", "z")],
        ..Manifest::default()
    };
    let plan = Plan::compute(&manifest, &tenants, false);
    assert_eq!(plan.manifest_fingerprint, manifest.fingerprint());
    let text = serde_json::to_string(&plan).expect("json");
    let back: Plan = serde_json::from_str(&text).expect("plan");
    assert_eq!(back, plan);

    // An unrelated tenant changing is no drift.
    let mut moved = tenants.clone();
    moved[1].workspace_name = "Other 2".into();
    assert!(plan.drift(&moved).is_empty());
    // The planned tenant edited, and the tenant to create made by someone else, are.
    moved[0]
        .extra
        .insert("description".into(), json!("Retail, 41 sites"));
    moved.push(listed(3, "Hooli", None));
    let drift = plan.drift(&moved);
    assert_eq!(drift.len(), 2, "{drift:?}");
    assert!(drift[0].starts_with("changed: 'Acme Corp'") && drift[0].contains("description"));
    assert!(drift[1].starts_with("new: 'Hooli'"));
    assert_eq!(plan.recheck(&moved), drift);
}

#[test]
fn a_plan_whose_actions_its_manifest_does_not_give_is_refused() {
    let tenants = vec![listed(1, "Acme Corp", Some("Retail"))];
    let manifest = Manifest {
        tenants: vec![spec("Acme Corp", "Retail")],
        ..Manifest::default()
    };
    let plan = Plan::compute(&manifest, &tenants, false);
    assert!(plan.recheck(&tenants).is_empty());
    let mut edited = plan.clone();
    edited.actions = vec![Action::Delete {
        id: id(1),
        workspace_name: "Acme Corp".into(),
    }];
    let why = edited.recheck(&tenants);
    assert_eq!(why.len(), 1);
    assert!(why[0].contains("not what its manifest gives"), "{why:?}");
}

#[test]
fn a_rule_is_created_updated_left_or_refused_per_tenant() {
    use central_api::NotificationRule;
    let tenant = crate::TenantRef::from_workspace(id(1), "Acme Corp");
    let entry: RuleEntry = serde_json::from_value(json!({
        "tenants": ["Acme*"], "name": "NOC", "description": "to the NOC",
        "destination": {"email": {"enabled": true, "emailIds": ["noc@msp.example"]}}
    }))
    .expect("entry");
    // The rule's keys stand beside `tenants`, a misspelt one refused, and so it round-trips.
    let back = serde_json::to_value(&entry).expect("json");
    assert_eq!(
        serde_json::from_value::<RuleEntry>(back).ok(),
        Some(entry.clone())
    );
    for (bad, says) in [
        (
            json!({"tenants": ["*"], "name": "N", "colour": 1}),
            "unknown field `colour`",
        ),
        (json!({"name": "N"}), "missing field `tenants`"),
        (json!({"tenants": ["*"]}), "missing field `name`"),
    ] {
        let e = serde_json::from_value::<RuleEntry>(bad).expect_err("refused");
        assert!(e.to_string().contains(says), "{e}");
    }
    assert!(entry.selects(&tenant));
    assert!(!entry.selects(&crate::TenantRef::from_workspace(id(2), "Globex")));
    let read = |name: &str, fields: serde_json::Value| NotificationRule {
        id: format!("r-{name}"),
        name: name.into(),
        fields: fields.as_object().cloned().unwrap_or_default(),
    };
    let spec = entry.spec();
    assert_eq!(plan_rule(spec, &tenant, &[]).kind(), "create");
    // The server's own fields (and a webhook the manifest does not name) are left alone.
    let same = read(
        "NOC",
        json!({"type": "t", "description": "to the NOC", "destination": {
            "email": {"enabled": true, "emailIds": ["noc@msp.example"]},
            "webhook": {"enabled": false}}}),
    );
    assert_eq!(plan_rule(spec, &tenant, &[same]).kind(), "nothing");
    let old = read(
        "NOC",
        json!({"description": "old", "destination": {
        "email": {"enabled": true, "emailIds": ["noc@msp.example"]}}}),
    );
    match plan_rule(spec, &tenant, &[old]) {
        RuleAction::Update { changes, .. } => {
            assert_eq!(changes.len(), 1);
            assert_eq!(
                (changes[0].field.as_str(), &changes[0].after),
                ("description", &json!("to the NOC"))
            );
        }
        other => panic!("{other:?}"),
    }
    let shouted = read("noc", json!({}));
    assert_eq!(
        plan_rule(spec, &tenant, std::slice::from_ref(&shouted)).kind(),
        "cannot"
    );
    let twin = read("NOC", json!({}));
    assert_eq!(plan_rule(spec, &tenant, &[shouted, twin]).kind(), "cannot");
    let bad = Manifest {
        notification_rules: vec![
            entry.clone(),
            RuleEntry {
                tenants: Vec::new(),
                ..entry
            },
        ],
        ..Manifest::default()
    };
    assert_eq!(bad.check().expect_err("invalid").problems.len(), 2);
}

#[test]
fn only_a_pattern_without_glob_characters_names_a_tenant_exactly() {
    use super::manifest::named_exactly;
    let acme = crate::TenantRef::from_workspace(id(0xab), "Acme Corp");
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
    assert!(!named_exactly(&p(&["*"]), &acme));
    assert!(!named_exactly(&p(&["Acme*", "?cme Corp"]), &acme));
    assert!(
        named_exactly(&p(&["*", "acme corp"]), &acme),
        "a name, any case"
    );
    assert!(
        named_exactly(&p(&[&id(0xab).hyphenated()]), &acme),
        "its id"
    );
    assert!(!named_exactly(&p(&["Globex"]), &acme), "another tenant");
}
