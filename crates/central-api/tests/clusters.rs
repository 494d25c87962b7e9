//! The cluster table: every row of platform-api.md's Hosts table resolves to its gateway, names
//! match case-insensitively, an unknown name lists every known one, and an explicit URL wins.
#![allow(clippy::unwrap_used)]

use central_api::{CLUSTERS, CentralLocation, LocationError, resolve_cluster};

/// platform-api.md's Hosts table, spelled out independently of the crate's table.
const HOSTS: &[(&str, &str)] = &[
    ("EU-1", "de1.api.central.arubanetworks.com"),
    ("EU-Central2", "de2.api.central.arubanetworks.com"),
    ("EU-Central3", "de3.api.central.arubanetworks.com"),
    ("UK", "gb1.api.central.arubanetworks.com"),
    ("US-1", "us1.api.central.arubanetworks.com"),
    ("US-2", "us2.api.central.arubanetworks.com"),
    ("US-WEST-4", "us4.api.central.arubanetworks.com"),
    ("US-WEST-5", "us5.api.central.arubanetworks.com"),
    ("US-East1", "us6.api.central.arubanetworks.com"),
    ("Canada-1", "ca1.api.central.arubanetworks.com"),
    ("APAC-1", "in1.api.central.arubanetworks.com"),
    ("APAC-EAST1", "jp1.api.central.arubanetworks.com"),
    ("APAC-SOUTH1", "au1.api.central.arubanetworks.com"),
    ("UAE", "ae1.api.central.arubanetworks.com"),
    ("China", "cn1.api.central.arubanetworks.com.cn"),
    ("Internal", "internal.api.central.arubanetworks.com"),
];

#[test]
fn the_table_is_exactly_the_documented_one() {
    let table: Vec<(&str, String)> = CLUSTERS
        .iter()
        .map(|(name, url)| (*name, url.to_string()))
        .collect();
    let documented: Vec<(&str, String)> = HOSTS
        .iter()
        .map(|(name, host)| (*name, format!("https://{host}")))
        .collect();
    assert_eq!(table, documented);
}

#[test]
fn every_row_resolves_in_any_case() {
    for (name, host) in HOSTS {
        let want = format!("https://{host}");
        for spelling in [
            name.to_string(),
            name.to_lowercase(),
            name.to_uppercase(),
            format!("  {name} "),
            name.replace('-', "_"),
        ] {
            let base = resolve_cluster(&spelling)
                .unwrap_or_else(|e| panic!("{spelling:?} did not resolve: {e}"));
            assert_eq!(base.to_string(), want, "{spelling:?}");
            assert_eq!(base.host(), *host);
        }
    }
}

#[test]
fn separators_do_not_matter() {
    assert_eq!(
        resolve_cluster("us-east-1").unwrap().host(),
        "us6.api.central.arubanetworks.com"
    );
    assert_eq!(
        resolve_cluster("apac south 1").unwrap().host(),
        "au1.api.central.arubanetworks.com"
    );
}

#[test]
fn unknown_names_list_every_known_one() {
    let err = resolve_cluster("EU-2").unwrap_err();
    assert_eq!(err.given(), "EU-2");
    let message = err.to_string();
    for (name, _) in HOSTS {
        assert!(message.contains(name), "{name} missing from: {message}");
    }
    insta::assert_snapshot!(message);
    // The old EU host names are not cluster names.
    assert!(resolve_cluster("ge1").is_err());
    assert!(resolve_cluster("").is_err());
}

#[test]
fn an_explicit_url_always_wins() {
    let chosen =
        CentralLocation::choose(Some("https://apigw.example.net/central"), Some("US-1")).unwrap();
    assert!(matches!(chosen, CentralLocation::Url(_)));
    assert_eq!(
        chosen.base_url().unwrap().to_string(),
        "https://apigw.example.net/central"
    );
    // Even with an unknown cluster beside it: the cluster is not looked at.
    let chosen = CentralLocation::choose(Some("http://127.0.0.1:8080"), Some("Mars-1")).unwrap();
    assert_eq!(
        chosen.base_url().unwrap().to_string(),
        "http://127.0.0.1:8080"
    );
    // A blank URL counts as not given.
    let chosen = CentralLocation::choose(Some("  "), Some("uae")).unwrap();
    assert_eq!(chosen, CentralLocation::Cluster("UAE".into()));
    assert_eq!(
        chosen.base_url().unwrap().host(),
        "ae1.api.central.arubanetworks.com"
    );
    assert_eq!(
        chosen.to_string(),
        "UAE (https://ae1.api.central.arubanetworks.com)"
    );
}

#[test]
fn choose_explains_what_is_wrong() {
    let missing = CentralLocation::choose(None, Some("")).unwrap_err();
    assert_eq!(missing, LocationError::Missing);
    let text = missing.to_string();
    assert!(
        text.contains("CENTRAL_BASE_URL") && text.contains("US-WEST-4"),
        "{text}"
    );

    let invalid = CentralLocation::choose(Some("http://apigw.example.net"), None).unwrap_err();
    assert!(matches!(invalid, LocationError::InvalidUrl(_)), "{invalid}");
    assert!(invalid.to_string().contains("loopback"), "{invalid}");

    let unknown = CentralLocation::choose(None, Some("Mars-1")).unwrap_err();
    assert!(matches!(unknown, LocationError::UnknownCluster(_)));
    assert!(unknown.to_string().contains("APAC-SOUTH1"), "{unknown}");
}

#[test]
fn locations_parse_from_text() {
    let url: CentralLocation = "https://de1.api.central.arubanetworks.com".parse().unwrap();
    assert!(matches!(url, CentralLocation::Url(_)));
    let cluster: CentralLocation = "eu-central3".parse().unwrap();
    assert_eq!(cluster, CentralLocation::Cluster("EU-Central3".into()));
    assert!("nowhere".parse::<CentralLocation>().is_err());
}
