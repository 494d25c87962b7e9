//! Checking values: the cluster table and the Central plan.

use central_api::{ClusterTable, canonical_cluster};
use glp_auth::BaseUrl;
use msp_orchestrator::{CentralPlan, gateway_name};

/// The cluster table with the overrides `NAME=URL` of `entries`; problems are pushed.
pub(super) fn cluster_table(entries: &[String], problems: &mut Vec<String>) -> ClusterTable {
    let mut table = ClusterTable::public();
    for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let Some((name, url)) = entry.split_once('=') else {
            problems.push(format!(
                "--cluster-url {}: expected NAME=URL, e.g. EU-1=https://de1.api.central.arubanetworks.com",
                glp_auth::text::untrusted(entry)
            ));
            continue;
        };
        match BaseUrl::parse(url.trim()) {
            Err(e) => problems.push(format!("--cluster-url {}: {e}", name.trim())),
            Ok(url) => match table.clone().with_url(name, url) {
                Ok(t) => table = t,
                Err(e) => problems.push(format!("--cluster-url: {e}")),
            },
        }
    }
    table
}

/// The plan of `urls` (comma-separated) or else `clusters` (comma-separated names, or `auto`).
pub(super) fn central_plan(
    urls: Option<&str>,
    clusters: Option<&str>,
    table: &ClusterTable,
    problems: &mut Vec<String>,
) -> Option<CentralPlan> {
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let urls = urls.map(list).filter(|l| !l.is_empty());
    let clusters = clusters.map(list).filter(|l| !l.is_empty());
    let mut gateways: Vec<(String, BaseUrl)> = Vec::new();
    let mut add = |name: String, url: BaseUrl, problems: &mut Vec<String>| {
        if gateways.iter().any(|(n, u)| *n == name || *u == url) {
            problems.push(format!("the Central gateway {name} is given twice"));
        } else {
            gateways.push((name, url));
        }
    };
    if let Some(urls) = urls {
        for url in urls {
            match BaseUrl::parse(&url) {
                Ok(url) => add(gateway_name(&url, table), url, problems),
                Err(e) => problems.push(format!("the Central API gateway URL is not usable: {e}")),
            }
        }
    } else if let Some(names) = clusters {
        if names.iter().any(|n| n.eq_ignore_ascii_case("auto")) {
            if names.len() > 1 {
                problems.push(
                    "--central-cluster auto finds every cluster itself: give it alone, or \
                     name the clusters"
                        .into(),
                );
                return None;
            }
            return Some(CentralPlan::Auto);
        }
        for name in names {
            match table.url(&name) {
                Ok(url) => add(
                    canonical_cluster(&name).unwrap_or(&name).to_owned(),
                    url,
                    problems,
                ),
                Err(e) => problems.push(e.to_string()),
            }
        }
    } else {
        return None;
    }
    (!gateways.is_empty()).then_some(CentralPlan::Gateways(gateways))
}
