//! The job module's tests: resource names, queries, collection.

use super::*;
use glp_transport::SpecPaging;

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
        (
            "network-config/v1alpha9/wlan-ssids",
            "network-config/v1alpha1/wlan-ssids",
        ),
        (
            "devices/v1/devices/x/y/z",
            "not a GET path of HPE's published GreenLake specs",
        ),
        ("compute-ops-mgmt/v1/servers", "regional hosts"),
        ("devices/v1/devices/%2e%2e", "only letters, digits"),
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
fn spec_paths_go_to_their_familys_host_with_the_specs_paging() {
    let api = |s: &str| match s.parse::<ResourceSpec>() {
        Ok(ResourceSpec::Api(a)) => (a.host, a.path, a.paging),
        other => panic!("{s}: {other:?}"),
    };
    assert_eq!(
        api("/devices/v1/devices/"),
        (
            ApiHost::GreenLake,
            "devices/v1/devices".into(),
            SpecPaging::Offset
        )
    );
    assert_eq!(
        api("devices/v1/devices/ABC123"),
        (
            ApiHost::GreenLake,
            "devices/v1/devices/ABC123".into(),
            SpecPaging::One
        )
    );
    for (path, paging) in [
        ("subscriptions/v1/subscriptions", SpecPaging::Offset),
        ("audit-log/v2beta1/logs", SpecPaging::Offset),
        ("locations/v1/locations", SpecPaging::Offset),
        ("workspaces/v1/msp-tenants", SpecPaging::Offset),
        ("wellness/v2/events", SpecPaging::Cursor),
    ] {
        assert_eq!(
            api(path),
            (ApiHost::GreenLake, path.into(), paging),
            "{path}"
        );
    }
    for (path, paging) in [
        ("network-config/v1alpha1/sites", SpecPaging::Offset),
        ("network-notifications/v1/alert-config", SpecPaging::Cursor),
        (
            "network-troubleshooting/v1/aps/SN1/http/async-operations/7",
            SpecPaging::One,
        ),
        ("network-config/v1alpha1/wlan-ssids", SpecPaging::One),
    ] {
        let (host, _, got) = api(path);
        assert_eq!((host, got), (ApiHost::Central, paging), "{path}");
    }
    // Monitoring paths stay what they were (any version), alerts stay typed.
    assert!(matches!(
        "network-monitoring/v1/aps".parse::<ResourceSpec>(),
        Ok(ResourceSpec::Path(_))
    ));
    assert!(
        ResourceSpec::Api(ApiPath::classify("tags/v1/tags", false).expect("tags")).is_greenlake()
    );
    // --unlisted: any path of a known family, paged as the family's lists.
    let err = ResourceSpec::parse_with("locations/v9/locations", false).expect_err("unlisted");
    assert!(
        err.contains("locations/v1/locations") && err.contains("--unlisted"),
        "{err}"
    );
    let taken = ResourceSpec::parse_with("locations/v9/locations", true).expect("taken");
    assert_eq!(taken.name(), "locations/v9/locations");
    assert!(matches!(
        ResourceSpec::parse_with("network-config/v9/x", true),
        Ok(ResourceSpec::Api(ApiPath {
            host: ApiHost::Central,
            paging: SpecPaging::Cursor,
            ..
        }))
    ));
    // Never past the traversal checks, nor to an unknown family.
    for bad in [
        "devices/../workspaces/v1/msp-tenants",
        "https://x/devices",
        "bogus/v1/x",
    ] {
        assert!(ResourceSpec::parse_with(bad, true).is_err(), "{bad}");
    }
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
