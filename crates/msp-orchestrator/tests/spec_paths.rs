//! The API-family table and the GET catalogs against HPE's published specs themselves, when
//! they are at hand: `GLP_MSP_SPECS_DIR` names a folder holding them (the `vendor/` folder of
//! nowireless4u/hpe-networking-mcp: `greenlake/*.json`, `central/**/*.json`). Without it the
//! test says it skipped (the specs are HPE's, not part of this repository, and CI has none).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use msp_orchestrator::{ApiHost, ApiPath};
use serde_json::Value;

/// The variable naming the specs' folder.
const SPECS_DIR_ENV: &str = "GLP_MSP_SPECS_DIR";

fn json_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
}

/// The host a spec's `servers` name: GreenLake's base URL, a Central cluster, or another.
fn host_of(spec: &Value) -> Option<ApiHost> {
    let servers = spec["servers"].as_array()?;
    let urls: Vec<&str> = servers.iter().filter_map(|s| s["url"].as_str()).collect();
    if urls
        .iter()
        .any(|u| u.contains("global.api.greenlake.hpe.com"))
    {
        Some(ApiHost::GreenLake)
    } else if urls
        .iter()
        .any(|u| u.contains(".api.central.arubanetworks.com"))
    {
        Some(ApiHost::Central)
    } else {
        None
    }
}

/// `template` with every `{parameter}` segment given a value.
fn filled(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "p1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_get_path_of_the_specs_maps_to_a_family_and_the_catalogs_hold_them_all() {
    let Some(dir) = std::env::var_os(SPECS_DIR_ENV) else {
        test_support::skip(
            "spec_paths::every_get_path_of_the_specs_maps_to_a_family",
            &format!("{SPECS_DIR_ENV} is not set (the folder of HPE's OpenAPI specs)"),
        );
        return;
    };
    let mut files = Vec::new();
    json_files(Path::new(&dir), &mut files);
    let (mut greenlake, mut central, mut regional) = (BTreeSet::new(), BTreeSet::new(), 0);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable spec");
        let spec: Value = serde_json::from_str(&text).expect("a JSON spec");
        let Some(paths) = spec["paths"].as_object() else {
            continue; // a manifest
        };
        let gets = paths
            .iter()
            .filter(|(_, ops)| ops.get("get").is_some())
            .map(|(p, _)| p.trim_matches('/').to_owned());
        match host_of(&spec) {
            Some(ApiHost::GreenLake) => greenlake.extend(gets),
            Some(ApiHost::Central) => central.extend(gets),
            None => {
                for get in gets {
                    let family = get.split('/').next().unwrap_or_default();
                    assert!(
                        glp_workspaces::REGIONAL_FAMILIES.contains(&family),
                        "{}: {get} is on no host the tables know",
                        file.display()
                    );
                    regional += 1;
                }
            }
        }
    }
    assert!(
        !greenlake.is_empty() && !central.is_empty(),
        "no spec found under {}",
        Path::new(&dir).display()
    );
    for (host, gets, catalog) in [
        (
            ApiHost::GreenLake,
            &greenlake,
            glp_workspaces::greenlake_get_paths(),
        ),
        (ApiHost::Central, &central, central_api::central_get_paths()),
    ] {
        for get in gets {
            let path = filled(get);
            let classified = ApiPath::classify(&path, false).expect("a GET of the specs");
            assert_eq!(classified.host, host, "{get}");
            let entry = catalog.find(&path).expect("in the catalog");
            assert_eq!(
                entry.template,
                get.as_str(),
                "{get} found as another template"
            );
        }
        let held: BTreeSet<String> = catalog
            .entries()
            .iter()
            .map(|e| e.template.to_owned())
            .collect();
        assert_eq!(
            &held, gets,
            "the {host} catalog differs from the specs' GET paths"
        );
    }
    eprintln!(
        "checked {} GreenLake and {} Central GET paths, {regional} on regional hosts",
        greenlake.len(),
        central.len()
    );
}
