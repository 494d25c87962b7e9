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
    let (aps, inventory) = (Some(Resource::Aps), Some(Resource::DeviceInventory));
    // (the filter, the list it is for, what the problem says)
    for (filter, resource, says) in [
        ("status in (UP, 'DOWN')", None, "status in ('UP')"),
        ("status = 'UP'", None, "write `status eq ...`"),
        ("status ne 'UP'", None, "not an operator"),
        ("status EQ 'UP'", None, "lower case"),
        ("status eq 'UP' or status eq 'DOWN'", None, "`and` only"),
        ("not status eq 'UP'", None, "`and` only"),
        ("status eq 'UP", None, "no closing '"),
        ("status in 'UP'", None, "in parentheses"),
        ("status in ('UP' 'DOWN')", None, "commas"),
        ("status eq", None, "needs a value"),
        ("status eq 'UP' status eq 'DOWN'", None, "joined with `and`"),
        ("(status eq 'UP'", None, "closing `)`"),
        ("Status eq 'UP'", aps, "case-sensitive: `status`"),
        ("colour eq 'red'", aps, "its fields are siteId"),
        (
            "status eq 'UP'",
            inventory,
            "cannot be filtered on in device-inventory",
        ),
        (
            "timestamp gt 2022-07-30T19:38:16Z",
            aps,
            "cannot be filtered",
        ),
    ] {
        let problem = problem(filter, resource);
        assert!(problem.contains(says), "{filter}: {problem}");
    }
}
