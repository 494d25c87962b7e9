//! The job module's tests: resource names, queries, collection.

use super::*;

#[test]
fn resource_specs_parse() {
    assert_eq!(
        "device-inventory".parse::<ResourceSpec>(),
        Ok(ResourceSpec::Known(Resource::DeviceInventory))
    );
    assert_eq!(
        "network-monitoring/v1alpha1/aps".parse::<ResourceSpec>(),
        Ok(ResourceSpec::Path("network-monitoring/v1alpha1/aps".into()))
    );
    for alerts in [
        "alerts",
        "network-notifications/v1/alerts",
        "/network-notifications/v1/alerts",
    ] {
        assert_eq!(
            alerts.parse::<ResourceSpec>(),
            Ok(ResourceSpec::Known(Resource::Alerts)),
            "{alerts}"
        );
    }
    let err = "bogus".parse::<ResourceSpec>().expect_err("unknown");
    assert!(
        err.contains("device-inventory") && err.contains("bogus"),
        "{err}"
    );
    for ok in [
        "v1alpha1/aps",
        "aps/SN1/radios",
        "network-monitoring/sites-health",
    ] {
        assert!(ok.parse::<ResourceSpec>().is_ok(), "{ok}");
    }
    for (bad, says) in [
        ("network-config/v1alpha1/wlan-ssids", "network-config API"),
        ("monitoring/v2/clients", "network-monitoring/v1/clients"),
        ("network-monitoring/v1/aps?status=ONLINE", "--param"),
        ("acces-points/x/..", "`..`"),
        ("swiches", "did you mean `switches`"),
        ("sites", "did you mean `sites-health`"),
        ("network-monitoring/v1/sites", "did you mean `sites-health`"),
        ("v1alpha1/Sites", "Site lists live under network-config"),
        ("network-monitoring/v1", "names no list"),
    ] {
        let err = bad.parse::<ResourceSpec>().expect_err(bad);
        assert!(err.contains(says), "{bad}: {err}");
    }
    assert_eq!(did_you_mean("device-inventroy"), Some("device-inventory"));
    assert_eq!(
        "glp/devices".parse::<ResourceSpec>(),
        Ok(ResourceSpec::GreenLake(GlpResource::Devices))
    );
    assert_eq!(
        "GLP/Subscriptions"
            .parse::<ResourceSpec>()
            .map(|r| r.name()),
        Ok("glp/subscriptions".to_owned())
    );
    let err = "glp/subscriptons"
        .parse::<ResourceSpec>()
        .expect_err("typo");
    assert!(err.contains("did you mean `glp/subscriptions`"), "{err}");
    let err = "glp/audit-log"
        .parse::<ResourceSpec>()
        .expect_err("unknown");
    assert!(err.contains("glp/devices, glp/subscriptions"), "{err}");
    assert!(
        "bogus"
            .parse::<ResourceSpec>()
            .expect_err("bogus")
            .contains("glp/devices")
    );
    assert_eq!(did_you_mean("xyz"), None);
    assert_eq!(did_you_mean("sites"), Some("sites-health"));
    assert_eq!(
        "sites-health".parse::<ResourceSpec>(),
        Ok(ResourceSpec::Known(Resource::SitesHealth))
    );
}

#[test]
fn queries_are_checked_whole() {
    let query = Query {
        filter: Some("x".repeat(257)),
        sort: Some(" ".into()),
        params: vec![("limit".into(), "5".into()), (String::new(), "v".into())],
    };
    assert_eq!(query.check().map_err(|p| p.len()), Err(4));
    assert!(Query::default().check().is_ok());
}

#[test]
fn a_time_ordered_resource_gets_the_time_clause_and_oldest_first() {
    let user = Query {
        filter: Some("category eq 'User Activity'".into()),
        ..Query::default()
    };
    let q = time_query(&user, GlpResource::AuditLogs, Some("2026-12-01T00:00:00Z"));
    assert_eq!(
        q.filter.as_deref(),
        Some("category eq 'User Activity' and createdAt ge '2026-12-01T00:00:00Z'")
    );
    assert_eq!(q.sort.as_deref(), Some("createdAt asc"));
    let q = time_query(&Query::default(), GlpResource::AuditLogs, None);
    assert_eq!((q.filter, q.sort.as_deref()), (None, Some("createdAt asc")));
    let sorted = Query {
        sort: Some("category asc".into()),
        ..Query::default()
    };
    let q = time_query(&sorted, GlpResource::AuditLogs, Some("x'y"));
    assert_eq!(q.filter.as_deref(), Some("createdAt ge 'x''y'"));
    assert_eq!(q.sort.as_deref(), Some("category asc"));
    // Inventories are not time-ordered.
    assert_eq!(time_query(&user, GlpResource::Devices, Some("t")), user);

    let id = glp_auth::WorkspaceId::parse("0a1b2c3d-4e5f-4a3b-8c2d-1e0f9a8b7c6d").expect("id");
    let (a, b) = (
        crate::TenantRef::from_workspace(id, "A"),
        crate::TenantRef {
            listed_id: "other".into(),
            ..crate::TenantRef::from_workspace(id, "B")
        },
    );
    let since = Since {
        all: Some("2026-11-01T00:00:00Z".into()),
        tenants: std::sync::Arc::new(
            [(a.listed_id.clone(), "2026-12-02T00:00:00Z".to_owned())].into(),
        ),
    };
    assert_eq!(since.of(&a), Some("2026-12-02T00:00:00Z"));
    assert_eq!(since.of(&b), Some("2026-11-01T00:00:00Z"));
    assert_eq!(Since::default().of(&a), None);
}
