//! The per-request pipeline of every API path (not `/_sim`): latency, rate limits, faults and
//! statistics, around the handler.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::budgets::Own;
use crate::errors::Api;
use crate::faults::{self, Fault};
use crate::limits::{Bucket, Decision, Says, add_allow_headers, request_key, too_many};
use crate::state::AppState;
use crate::stats::Outcome;
use crate::tokens::Subject;

/// What an endpoint is, for statistics, limits and faults: the class its route carries (see
/// `routes`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint {
    /// Its name in the statistics.
    pub(crate) name: &'static str,
    /// Its API (rate budget, error shape); `None`: no API endpoint, never limited or faulted.
    pub(crate) api: Option<Api>,
    /// The budget of its own it draws from first.
    pub(crate) own: Option<Own>,
}

impl Endpoint {
    /// Any path that is not an API endpoint: counted, delayed, never limited or faulted.
    pub(crate) const OTHER: Endpoint = Endpoint {
        name: "other",
        api: None,
        own: None,
    };

    /// An endpoint of `api` named `name`, drawing from its API's budget only.
    pub(crate) fn new(name: &'static str, api: Api) -> Self {
        Endpoint {
            name,
            api: Some(api),
            own: None,
        }
    }

    /// The same, drawing from `own` first.
    pub(crate) fn own(self, own: Own) -> Self {
        Endpoint {
            own: Some(own),
            ..self
        }
    }
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

/// The answer of a failure or a drop rolled for `ep`, counted as served; `None` when the
/// request goes on (no fault, or one applied to the body later).
fn inject(st: &AppState, ep: &Endpoint, fault: Fault) -> Option<Response> {
    match fault {
        Fault::Fail(status) => {
            st.stats.record(ep.name, Outcome::Status(status.as_u16()));
            Some(faults::failure(ep.api.unwrap_or(Api::Glp), status))
        }
        Fault::Drop => {
            st.stats.record(ep.name, Outcome::Dropped);
            Some(faults::dropped())
        }
        Fault::None | Fault::Malformed => None,
    }
}

/// The middleware of a route of class `ep`: serves `req` through latency, budgets and faults,
/// and counts its outcome.
pub(crate) async fn pipeline(
    State((st, ep)): State<(Arc<AppState>, Endpoint)>,
    req: Request,
    next: Next,
) -> Response {
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
    // A retry is known by the request itself (a token request by its URL, which names the
    // workspace: one request per workspace is in flight at a time). A request whose 429 would
    // not say when to come back is not judged.
    let request = cfg.retry_headers.then(|| {
        let target = req.uri().path_and_query().map_or("", |p| p.as_str());
        request_key(req.method().as_str(), target, req.headers())
    });
    if let Some(api) = ep.api {
        let own = workspace_bucket(&st, &ep, req.headers());
        for bucket in own
            .as_deref()
            .into_iter()
            .chain(st.budgets.shared(api, ep.own))
        {
            match bucket.acquire(request, Instant::now()) {
                Decision::Allow { remaining, reset } => {
                    // The narrowest budget's headers: the one a client must respect.
                    allow.get_or_insert((api, bucket.limit(), remaining, reset));
                }
                Decision::Limited { retry_after, early } => {
                    if early {
                        st.stats.early_request();
                    }
                    st.stats.record(ep.name, Outcome::Status(429));
                    let says = Says {
                        rate: cfg.rate_headers,
                        retry: cfg.retry_headers,
                        reset: bucket.reset_value(retry_after),
                    };
                    return too_many(api, bucket.limit(), retry_after, says);
                }
            }
        }
    }

    let token = ep.own == Some(Own::Token);
    let fault = match ep.api {
        Some(_) if !token || cfg.faults_on_token_endpoint => faults::roll(cfg),
        _ => Fault::None,
    };
    if let Fault::Fail(_) = fault {
        st.stats.injected_failure();
    }
    if let Some(resp) = inject(&st, &ep, fault) {
        return resp;
    }

    let write = req.method() != Method::GET && req.method() != Method::HEAD;
    let mut resp = next.run(req).await;
    if write && !token && ep.api.is_some() && resp.status().is_success() {
        let after = faults::roll_after_apply(cfg);
        if after != Fault::None {
            st.stats.failed_after_apply();
        }
        if let Some(resp) = inject(&st, &ep, after) {
            return resp;
        }
    }
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
