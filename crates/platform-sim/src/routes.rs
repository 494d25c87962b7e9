//! The route table: every endpoint the simulator serves, named once. Each API route carries its
//! [`Endpoint`] class into the [`pipeline`] layered on it, so statistics, budgets and faults
//! read the class from the route that matched; Central's routes are served at the root and
//! again under `/clusters/{cluster}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{MethodRouter, delete, get, patch, post, put};

use crate::budgets::Own;
use crate::errors::{Api, not_found};
use crate::greenlake::GlpResource;
use crate::pipeline::{Endpoint, pipeline};
use crate::records::Resource;
use crate::state::AppState;
use crate::{catalog, central, clusters, greenlake, inspect, oauth};

type Route = MethodRouter<Arc<AppState>>;

/// `route`, served through the pipeline as `ep`.
fn serve(st: &Arc<AppState>, ep: Endpoint, route: Route) -> Route {
    route.layer(from_fn_with_state((st.clone(), ep), pipeline))
}

/// GreenLake's endpoints.
fn greenlake_routes(st: &Arc<AppState>) -> Router<Arc<AppState>> {
    let glp = |name| Endpoint::new(name, Api::Glp);
    let resource = |r: GlpResource| glp(r.name());
    let mut routes = Router::new()
        .route(
            "/authorization/v2/oauth2/{ws}/token",
            serve(st, glp("token").own(Own::Token), post(oauth::token)),
        )
        .route(
            "/workspaces/v1/msp-tenants",
            serve(
                st,
                glp("msp-tenants").own(Own::MspTenants),
                get(greenlake::msp_tenants),
            )
            .merge(serve(
                st,
                glp("msp-tenants-create").own(Own::TenantWrites),
                post(greenlake::create_tenant),
            )),
        )
        .route(
            "/workspaces/v1/msp-tenants/{tenant}",
            serve(
                st,
                glp("msp-tenants-update").own(Own::TenantWrites),
                put(greenlake::update_tenant),
            )
            .merge(serve(
                st,
                glp("msp-tenants-delete").own(Own::TenantWrites),
                delete(greenlake::delete_tenant),
            )),
        )
        .route(
            "/service-catalog/v1/service-manager-provisions",
            serve(
                st,
                glp("service-manager-provisions"),
                get(catalog::service_manager_provisions),
            ),
        )
        .route(
            "/service-catalog/v1/service-managers",
            serve(st, glp("service-managers"), get(catalog::service_managers)),
        );
    // The devices list and its write (its own budget per workspace), and the operations the
    // write starts.
    let devices = GlpResource::Devices;
    let list = serve(
        st,
        resource(devices).own(Own::Devices),
        greenlake::list(devices),
    );
    let write = glp("devices-update").own(Own::DeviceWrites);
    let operation = get(greenlake::read_operation::<greenlake::DeviceOperation>);
    routes = routes
        .route(
            "/devices/v1/devices",
            list.merge(serve(st, write, patch(greenlake::patch_devices))),
        )
        .route(
            "/devices/v1/async-operations/{id}",
            serve(st, glp("devices-operation"), operation),
        );
    let subscriptions = GlpResource::Subscriptions;
    let add = glp("subscriptions-add").own(Own::SubscriptionWrites);
    routes = routes
        .route(
            "/subscriptions/v1/subscriptions",
            serve(
                st,
                resource(subscriptions).own(Own::Subscriptions),
                greenlake::list(subscriptions),
            )
            .merge(serve(st, add, post(greenlake::add_subscriptions))),
        )
        .route(
            "/subscriptions/v1/async-operations/{id}",
            serve(
                st,
                glp("subscriptions-operation"),
                get(greenlake::read_operation::<greenlake::SubscriptionOperation>),
            ),
        );
    let audit = GlpResource::AuditLogs;
    routes.route(
        "/audit-log/v2beta1/logs",
        serve(st, resource(audit), greenlake::list(audit)),
    )
}

/// Central's endpoints, the same on every cluster.
fn central_routes(st: &Arc<AppState>) -> Router<Arc<AppState>> {
    let central = |name| Endpoint::new(name, st.central());
    let mut routes = Router::new()
        .route(
            "/network-msp/v1/list-tenants",
            serve(st, central("list-tenants"), get(central::list_tenants)),
        )
        .route(
            "/network-msp/v1/device-inventory",
            serve(
                st,
                central("msp-device-inventory"),
                get(central::msp_device_inventory),
            ),
        )
        .route(
            "/network-notifications/v1/alerts",
            serve(st, central("alerts"), get(central::alerts)),
        )
        .route(
            "/network-notifications/v1/notification-rules",
            serve(st, central("notification-rules"), get(central::list_rules)).merge(serve(
                st,
                central("notification-rules-create"),
                post(central::create_rule),
            )),
        )
        .route(
            "/network-notifications/v1/notification-rules/{id}",
            serve(st, central("notification-rule"), get(central::read_rule))
                .merge(serve(
                    st,
                    central("notification-rules-update"),
                    patch(central::update_rule),
                ))
                .merge(serve(
                    st,
                    central("notification-rules-delete"),
                    delete(central::delete_rule),
                )),
        );
    for r in Resource::ALL {
        routes = routes.route(
            &format!("/network-monitoring/v1/{}", r.name()),
            serve(st, central(r.name()), central::monitoring(r)),
        );
    }
    // Any other resource: 404 (after the cluster's checks), not an API endpoint.
    routes.route(
        "/network-monitoring/v1/{resource}",
        serve(st, Endpoint::OTHER, get(central::unknown_resource)),
    )
}

/// Every path no route matches: 404, in Central's words under `/network-` and `/clusters/`.
async fn fallback(State(st): State<Arc<AppState>>, req: Request) -> Response {
    let path = req.uri().path();
    let api = if path.starts_with("/network-") || path.starts_with(clusters::PREFIX) {
        st.central()
    } else {
        Api::Glp
    };
    not_found(
        api,
        &format!("No route for {} {}", req.method(), req.uri().path()),
    )
}

/// The router of a simulator with state `st`.
pub(crate) fn router(st: Arc<AppState>) -> Router {
    let central = central_routes(&st);
    let api = greenlake_routes(&st)
        .merge(central.clone())
        .nest(clusters::ROUTE, central)
        .fallback(fallback.layer(from_fn_with_state((st.clone(), Endpoint::OTHER), pipeline)));
    Router::new()
        .route("/_sim/stats", get(inspect::stats))
        .route("/_sim/truth", get(inspect::truth))
        .route("/_sim/clusters", get(inspect::clusters))
        .merge(api)
        .with_state(st)
}
