//! The per-request pipeline of every API path (not `/_sim`): latency, rate limits, faults and
//! statistics, around the handler.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::budgets::Own;
use crate::errors::Api;
use crate::faults::{self, Fault};
use crate::greenlake::GlpResource;
use crate::limits::{Bucket, Decision, add_allow_headers, too_many};
use crate::records::Resource;
use crate::state::AppState;
use crate::stats::Outcome;
use crate::tokens::Subject;

/// What a request path is, for statistics, limits and faults.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint {
    /// Its name in the statistics.
    pub(crate) name: &'static str,
    /// Its API (rate budget, error shape); `None`: no API endpoint, never limited or faulted.
    pub(crate) api: Option<Api>,
    /// The budget of its own it draws from first.
    pub(crate) own: Option<Own>,
}

pub(crate) fn classify(path: &str, central: Api) -> Endpoint {
    // A cluster prefix (`/clusters/{slug}`) routes to a cluster; the endpoint is what follows.
    let path = crate::clusters::split(path).map_or(path, |(_, rest)| rest);
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (name, api, own) = match segs.as_slice() {
        ["authorization", "v2", "oauth2", _, "token"] => {
            ("token", Some(Api::Glp), Some(Own::Token))
        }
        ["workspaces", "v1", "msp-tenants"] => {
            ("msp-tenants", Some(Api::Glp), Some(Own::MspTenants))
        }
        ["service-catalog", "v1", "service-manager-provisions"] => {
            ("service-manager-provisions", Some(Api::Glp), None)
        }
        ["service-catalog", "v1", "service-managers"] => ("service-managers", Some(Api::Glp), None),
        ["devices", "v1", "devices"] => (
            GlpResource::Devices.name(),
            Some(Api::Glp),
            Some(Own::Devices),
        ),
        ["subscriptions", "v1", "subscriptions"] => (
            GlpResource::Subscriptions.name(),
            Some(Api::Glp),
            Some(Own::Subscriptions),
        ),
        ["network-msp", "v1", "list-tenants"] => ("list-tenants", Some(central), None),
        ["network-msp", "v1", "device-inventory"] => ("msp-device-inventory", Some(central), None),
        ["network-monitoring", "v1", r] if Resource::from_name(r).is_some() => (
            Resource::from_name(r).map_or("other", Resource::name),
            Some(central),
            None,
        ),
        _ => ("other", None, None),
    };
    Endpoint { name, api, own }
}

/// The per-workspace budget a request to `ep` draws from first, if its endpoint has one
/// configured and its token is live (without one the handler answers 401 anyway).
fn workspace_bucket(st: &AppState, ep: &Endpoint, headers: &HeaderMap) -> Option<Arc<Bucket>> {
    st.budgets.per_workspace(ep.own, || {
        Some(match st.authenticate(headers, Api::Glp).ok()? {
            Subject::Msp => u32::MAX,
            Subject::Tenant(i) => i,
        })
    })
}

/// The middleware: serves `req` through latency, budgets and faults, and counts its outcome.
pub(crate) async fn pipeline(
    State(st): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let arrived = Instant::now();
    let ep = classify(req.uri().path(), st.central());
    let _in_flight = st.stats.enter();

    let cfg = &st.cfg;
    let mut delay = cfg.latency;
    if !cfg.latency_jitter.is_zero() {
        delay += cfg.latency_jitter.mul_f64(fastrand::f64());
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    let mut allow = None;
    if let Some(api) = ep.api {
        let own = workspace_bucket(&st, &ep, req.headers());
        for bucket in own
            .as_deref()
            .into_iter()
            .chain(st.budgets.shared(api, ep.own))
        {
            match bucket.acquire(arrived, Instant::now(), cfg.early_retry_grace) {
                Decision::Allow { remaining, reset } => {
                    // The narrowest budget's headers: the one a client must respect.
                    allow.get_or_insert((api, bucket.limit(), remaining, reset));
                }
                Decision::Limited { retry_after, early } => {
                    if early {
                        st.stats.early_request();
                    }
                    st.stats.record(ep.name, Outcome::Status(429));
                    return too_many(api, bucket.limit(), retry_after, cfg.rate_headers);
                }
            }
        }
    }

    let token = ep.own == Some(Own::Token);
    let fault = match ep.api {
        Some(_) if !token || cfg.faults_on_token_endpoint => faults::roll(cfg),
        _ => Fault::None,
    };
    match fault {
        Fault::Fail(status) => {
            st.stats.injected_failure();
            st.stats.record(ep.name, Outcome::Status(status.as_u16()));
            return faults::failure(ep.api.unwrap_or(Api::Glp), status);
        }
        Fault::Drop => {
            st.stats.record(ep.name, Outcome::Dropped);
            return faults::dropped();
        }
        Fault::None | Fault::Malformed => {}
    }

    let mut resp = next.run(req).await;
    if let Some((api, limit, remaining, reset)) = allow.filter(|_| cfg.rate_headers) {
        add_allow_headers(api, resp.headers_mut(), limit, remaining, reset);
    }
    if fault == Fault::Malformed && resp.status() == StatusCode::OK {
        st.stats.malformed_body();
        resp = faults::malform(resp).await;
    }
    st.stats
        .record(ep.name, Outcome::Status(resp.status().as_u16()));
    resp
}
