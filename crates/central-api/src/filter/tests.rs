//! The filter grammar: the specification's examples pass, mistakes get what to write.

use super::*;

fn problem(filter: &str, resource: Option<Resource>) -> String {
    match check_filter(filter, resource) {
        Ok(()) => panic!("{filter} was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_spec_examples_are_accepted() {
    for (filter, resource) in [
        (
            "siteId eq '12345' and deployment in ('Standalone', 'Virtual Controller')",
            Some(Resource::Aps),
        ),
        (
            "tunnelType in ('Port-based', 'Overlay') and clientConnectionType eq 'Wired'",
            Some(Resource::Clients),
        ),
        (
            "siteName in ('site1', 'site2')",
            Some(Resource::SitesHealth),
        ),
        ("status eq 'OFFLINE'", Some(Resource::Devices)),
        ("isProvisioned eq true", Some(Resource::DeviceInventory)),
        (
            "timestamp gt 2022-07-30T19:38:16Z and timestamp lt 2022-08-01T20:28:52Z",
            None,
        ),
        (
            "('field' eq 'INCLUDE_INACTIVE_APP' and 'terms' in ('True')) and ('field' eq \
             'LIST_VIEW_TAB' and 'terms' in ('APPLICATIONS'))",
            None,
        ),
        ("deviceName eq 'O''Brien''s AP'", Some(Resource::Aps)),
        ("speed eq 1000", None),
    ] {
        assert_eq!(check_filter(filter, resource), Ok(()), "{filter}");
    }
}

#[test]
fn mistakes_are_named_with_what_to_write() {
    assert_eq!(
        problem("status eq OFFLINE", Some(Resource::Aps)),
        "string values need single quotes: status eq 'OFFLINE'"
    );
    assert_eq!(
        problem("status eq \"OFFLINE\"", None),
        "string values take single quotes, not double: status eq 'OFFLINE'"
    );
    assert!(problem("status in (UP, 'DOWN')", None).contains("status in ('UP')"));
    assert!(problem("status = 'UP'", None).contains("write `status eq ...`"));
    assert!(problem("status ne 'UP'", None).contains("not an operator"));
    assert!(problem("status EQ 'UP'", None).contains("lower case"));
    assert!(problem("status eq 'UP' or status eq 'DOWN'", None).contains("`and` only"));
    assert!(problem("not status eq 'UP'", None).contains("`and` only"));
    assert!(problem("status eq 'UP", None).contains("no closing '"));
    assert!(problem("status in 'UP'", None).contains("in parentheses"));
    assert!(problem("status in ('UP' 'DOWN')", None).contains("commas"));
    assert!(problem("status eq", None).contains("needs a value"));
    assert!(problem("status eq 'UP' status eq 'DOWN'", None).contains("joined with `and`"));
    assert!(problem("(status eq 'UP'", None).contains("closing `)`"));
    assert!(problem("Status eq 'UP'", Some(Resource::Aps)).contains("case-sensitive: `status`"));
    assert!(problem("colour eq 'red'", Some(Resource::Aps)).contains("its fields are siteId"));
    assert!(
        problem("status eq 'UP'", Some(Resource::DeviceInventory))
            .contains("cannot be filtered on in device-inventory")
    );
    assert!(
        problem("timestamp gt 2022-07-30T19:38:16Z", Some(Resource::Aps))
            .contains("cannot be filtered")
    );
}
