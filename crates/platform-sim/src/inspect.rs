//! The simulator's own endpoints, for tests and scripts: `GET /_sim/stats`, `GET /_sim/truth`
//! and `GET /_sim/clusters` (unauthenticated, never delayed, limited or faulted).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use crate::errors::{Api, bad_request, json_response, not_found};
use crate::ids;
use crate::query::{BadParam, Params};
use crate::state::AppState;
use crate::truth;

/// One Central cluster the simulator routes (`GET /_sim/clusters`, [`Simulator::clusters`](crate::Simulator::clusters)).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClusterInfo {
    /// The cluster's name, as the vendor's SDK spells it (`US-WEST-4`).
    pub name: String,
    /// Its GreenLake region (`us-west`).
    pub region: String,
    /// Its API gateway on this simulator: `http://127.0.0.1:PORT/clusters/{name in lower case}`.
    pub base_url: String,
    /// Whether the simulated MSP is provisioned there (else every call gets 401).
    pub msp: bool,
}

/// `GET /_sim/stats`.
pub(crate) async fn stats(State(st): State<Arc<AppState>>) -> Response {
    json_response(StatusCode::OK, &st.snapshot())
}

/// `GET /_sim/truth[?records=true][&tenant=ID]`.
pub(crate) async fn truth(State(st): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let parsed = (|| -> Result<(bool, Option<String>), BadParam> {
        let p = Params::parse(query.as_deref(), &["records", "tenant"])?;
        let records = match p.get("records") {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(BadParam::new("records", "'records' must be true or false")),
        };
        Ok((records, p.get("tenant").map(str::to_string)))
    })();
    let (records, tenant) = match parsed {
        Ok(x) => x,
        Err(bad) => return bad_request(Api::Glp, &bad),
    };
    let only = match tenant {
        Some(ws) => match ids::parse_any(&ws).and_then(|id| st.pop.tenant(id)) {
            Some(t) => Some(t),
            None => return not_found(Api::Glp, &format!("no tenant with workspace id '{ws}'")),
        },
        None => None,
    };
    json_response(StatusCode::OK, &truth::build(&st, only, records))
}

/// Every public cluster the simulator routes: name, region, base URL, and whether the MSP is
/// provisioned there.
pub(crate) fn cluster_table(st: &AppState, base: &str) -> Vec<ClusterInfo> {
    crate::clusters::PUBLIC
        .iter()
        .map(|(name, region)| ClusterInfo {
            name: (*name).to_string(),
            region: (*region).to_string(),
            base_url: format!("{base}/clusters/{}", crate::clusters::slug(name)),
            msp: st.cfg.clusters.iter().any(|c| c == name),
        })
        .collect()
}

/// `GET /_sim/clusters`.
pub(crate) async fn clusters(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let table = cluster_table(&st, &format!("http://{host}"));
    json_response(StatusCode::OK, &serde_json::json!({ "clusters": table }))
}
