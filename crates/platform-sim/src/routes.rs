//! The route table: every endpoint the simulator serves, and the router built from it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};

use crate::errors::{Api, not_found};
use crate::pipeline::pipeline;
use crate::state::AppState;
use crate::{catalog, central, glp, greenlake, inspect, oauth};

/// Every path no route matches: 404, in Central's words under `/network-` and `/clusters/`.
async fn fallback(State(st): State<Arc<AppState>>, req: Request) -> Response {
    let path = req.uri().path();
    let api = if path.starts_with("/network-") || path.starts_with(crate::clusters::PREFIX) {
        st.central()
    } else {
        Api::Glp
    };
    not_found(
        api,
        &format!("No route for {} {}", req.method(), req.uri().path()),
    )
}

/// The router of a simulator with state `state`.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/authorization/v2/oauth2/{ws}/token", post(oauth::token))
        .route("/workspaces/v1/msp-tenants", get(glp::msp_tenants))
        .route(
            "/service-catalog/v1/service-manager-provisions",
            get(catalog::service_manager_provisions),
        )
        .route(
            "/service-catalog/v1/service-managers",
            get(catalog::service_managers),
        )
        .route("/devices/v1/devices", get(greenlake::devices))
        .route(
            "/subscriptions/v1/subscriptions",
            get(greenlake::subscriptions),
        )
        .route("/network-msp/v1/list-tenants", get(central::list_tenants))
        .route(
            "/network-msp/v1/device-inventory",
            get(central::msp_device_inventory),
        )
        .route(
            "/clusters/{cluster}/network-msp/v1/device-inventory",
            get(central::msp_device_inventory),
        )
        .route(
            "/network-monitoring/v1/{resource}",
            get(central::monitoring),
        )
        .route(
            "/clusters/{cluster}/network-msp/v1/list-tenants",
            get(central::list_tenants),
        )
        .route(
            "/clusters/{cluster}/network-monitoring/v1/{resource}",
            get(central::monitoring),
        )
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), pipeline));
    Router::new()
        .route("/_sim/stats", get(inspect::stats))
        .route("/_sim/truth", get(inspect::truth))
        .route("/_sim/clusters", get(inspect::clusters))
        .merge(api)
        .with_state(state)
}
