//! `[[subscriptions]]` planned as a pure function of the keys a workspace lists, and the
//! entries' checks (keys shown masked in every problem).

use glp_workspaces::SubscriptionKey;

use super::*;

fn keys(keys: &[&str]) -> Vec<SubscriptionKey> {
    keys.iter()
        .map(|k| SubscriptionKey::new(*k).expect("a key"))
        .collect()
}

#[test]
fn only_the_keys_not_listed_are_added_and_shown_masked() {
    let entry = SubscriptionEntry {
        keys: keys(&["BAASOAAg95", "KEY0000002"]),
        tenants: None,
    };
    let listed = vec!["baasoaag95".to_owned(), "OTHER".to_owned()];
    let a = plan_subscription(&entry, SubscriptionWorkspace::msp(), &listed);
    assert!(a.writes());
    assert_eq!(a.kind(), "add");
    assert_eq!(a.describe(), "add 1 subscription (****0002)");
    assert_eq!(a.workspace().scope(), glp_core::Scope::Msp);
    let SubscriptionAction::Add {
        keys: to_add,
        state,
        ..
    } = &a
    else {
        panic!("{a:?}");
    };
    assert_eq!(to_add, &keys(&["KEY0000002"]));
    // The state is the listing's, in any order and case.
    let reordered = vec!["other".to_owned(), "BAASOAAG95".to_owned()];
    let b = plan_subscription(&entry, SubscriptionWorkspace::msp(), &reordered);
    assert!(matches!(&b, SubscriptionAction::Add { state: s, .. } if s == state));
    assert!(!format!("{a:?}").contains("KEY0000002"), "{a:?}");

    let all = vec!["BAASOAAg95".to_owned(), "KEY0000002".to_owned()];
    let n = plan_subscription(&entry, SubscriptionWorkspace::msp(), &all);
    assert_eq!(n.kind(), "nothing");
    assert_eq!(n.describe(), "2 subscriptions already present");
}

#[test]
fn entries_are_checked_and_a_key_belongs_to_one_entry() {
    let good = SubscriptionEntry {
        keys: keys(&["BAASOAAg95"]),
        tenants: Some(vec!["Acme*".into()]),
    };
    assert!(good.problems().is_empty());
    let blank = SubscriptionEntry {
        keys: Vec::new(),
        tenants: Some(vec![" ".into()]),
    };
    assert_eq!(blank.problems().len(), 2, "{:?}", blank.problems());
    let parsed: Result<SubscriptionEntry, _> =
        serde_json::from_str(r#"{"keys": ["BAD KEY SECRET"], "tenant": "x"}"#);
    assert!(parsed.is_err());
    let m = Manifest {
        subscriptions: vec![
            good.clone(),
            SubscriptionEntry {
                keys: keys(&["baasoaag95"]),
                tenants: None,
            },
        ],
        ..Manifest::default()
    };
    let err = m.check().expect_err("a key twice").to_string();
    assert!(err.contains("#1 and #2 both name key ****ag95"), "{err}");
    assert!(
        !err.contains("baasoaag95") && !err.contains("BAASOAAg95"),
        "{err}"
    );
    assert!(!m.is_empty());
    let bad_key = SubscriptionEntry {
        keys: vec![serde_json::from_str("\"SECRET KEY 1234\"").expect("json string")],
        tenants: None,
    };
    let problems = bad_key.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(!problems[0].contains("SECRET"), "{problems:?}");
}
