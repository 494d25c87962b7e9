//! A typed, paginated client of HPE Aruba Networking Central's network APIs, for MSPs.
//!
//! - **Where**: [`CentralLocation`] — an explicit API gateway URL, or a cluster name resolved
//!   through the one table [`CLUSTERS`] ([`resolve_cluster`]; case-insensitive; an unknown name
//!   lists the known ones). An explicit URL always wins.
//! - **MSP level**: [`CentralClient::list_tenants`] (`network-msp/v1/list-tenants`, MSP token).
//! - **Tenant level**: [`CentralClient::tenant`] gives a [`TenantClient`] whose calls carry that
//!   tenant's token: [`device_inventory`](TenantClient::device_inventory),
//!   [`aps`](TenantClient::aps), [`switches`](TenantClient::switches),
//!   [`gateways`](TenantClient::gateways), [`clients`](TenantClient::clients),
//!   [`sites_health`](TenantClient::sites_health) (paged by offset),
//!   [`devices`](TenantClient::devices), [`alerts`](TenantClient::alerts)
//!   (`network-notifications/v1/alerts`) (typed), any of them as
//!   raw JSON ([`resource`](TenantClient::resource)), and any other `network-monitoring` list
//!   ([`monitoring`](TenantClient::monitoring)).
//! - **Tenant writes**: the tenant's notification rules
//!   ([`notification_rules`](TenantClient::notification_rules),
//!   [`notification_rule`](TenantClient::notification_rule),
//!   [`create_notification_rule`](TenantClient::create_notification_rule),
//!   [`update_notification_rule`](TenantClient::update_notification_rule),
//!   [`delete_notification_rule`](TenantClient::delete_notification_rule)), each write sent at
//!   most once ([`ApiError::OutcomeUnknown`] when its answer was lost).
//! - **Paging**: every list is a [`ListRequest`] — `limit` (checked against the endpoint's
//!   maximum before sending), `filter`, `sort`, `param`, `version` — read one [`Page`] at a time
//!   or as a lazy `Send + 'static` stream of items. The `next` [`Cursor`] is accepted as a number
//!   or a string and sent back as received; streams stop on a missing `next`, an empty page, or
//!   `total` items seen, and end with an error instead of looping if the server repeats a cursor.
//! - **Models** ([`Device`], [`AccessPoint`], [`Switch`], [`Gateway`], [`Client`], [`SiteHealth`],
//!   [`CentralTenant`]) type the common fields as `Option`s and keep every unknown field.
//!
//! Tokens come from any [`TokenProvider`](glp_core::TokenProvider): the project's GreenLake
//! providers (`glp_auth::msp_provider`: MSP token by client credentials, tenant tokens by RFC 8693
//! exchange), or your own. Requests are paced, retried and decoded by
//! [`glp_transport::ApiClient`]; errors are [`ApiError`], with hints on 401 (credential or wrong
//! Central cluster) and 403 (MSP token used on a tenant call, or another tenant's token).
//!
//! # Central's `tenantId` is not the GreenLake workspace id
//!
//! [`CentralTenant::tenant_id`] is Central's customer id. It is **not** proven to equal the
//! tenant's GreenLake workspace id, which is what [`CentralClient::tenant`] and the token
//! exchange need. Resolve each Central tenant to its workspace **by name** through GreenLake's
//! msp-tenants list (crate `glp-workspaces`) first; see [`CentralTenant`].
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use central_api::{CentralClient, CentralLocation, SiteAssignment};
//! use futures::TryStreamExt;
//! use glp_auth::{Scope, SecretString, StaticTokenProvider, TokenProvider, WorkspaceId};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tenant: WorkspaceId = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d".parse()?;
//! // Tokens you already have; any TokenProvider works (glp_auth::msp_provider fetches them).
//! let provider: Arc<dyn TokenProvider> = Arc::new(
//!     StaticTokenProvider::default()
//!         .with_scope(Scope::Msp, SecretString::from("msp-token"), Duration::from_secs(900))
//!         .with_scope(Scope::Tenant(tenant), SecretString::from("tenant-token"), Duration::from_secs(900)),
//! );
//! let base = CentralLocation::choose(None, Some("us-west-4"))?.base_url()?;
//! let central = CentralClient::from_provider(base, provider)?;
//!
//! let mut devices = central
//!     .tenant(tenant)
//!     .device_inventory()
//!     .site_assigned(SiteAssignment::Assigned)
//!     .stream();
//! while let Some(device) = devices.try_next().await? {
//!     println!("{:?} {:?}", device.common.serial_number, device.common.model);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The runnable version is `examples/tenant_devices.rs`.

mod alerts;
mod client;
mod cluster;
mod cursor;
mod endpoint;
mod filter;
mod lenient;
mod list;
mod models;
mod query;
mod resource;
mod rules;
mod spec_paths;
mod tenants;

pub use alerts::{Alert, SEVERITIES, severity_rank, status_is_open};
pub use client::{CentralClient, ListTenantsRequest, TenantClient};
pub use cluster::{
    CLUSTERS, CentralLocation, ClusterTable, LocationError, REGION_CLUSTERS, UnknownCluster,
    canonical_cluster, cluster_of_url, clusters_for_region, resolve_cluster,
};
pub use cursor::Cursor;
pub use endpoint::{GENERIC_DEFAULT_LIMIT, GENERIC_MAX_LIMIT, Paging};
pub use filter::{FilterProblem, check_filter, check_sort, filter_fields, sort_fields};
pub use glp_transport::{ApiError, QueryProblem};
pub use list::{DEFAULT_MAX_PAGES, ListRequest, MAX_EXPRESSION_CHARS, Page, SiteAssignment};
pub use models::{AccessPoint, Client, Device, DeviceFields, Gateway, SiteHealth, Switch};
pub use query::{RESERVED_PARAMS, check_query_expression, check_query_param};
pub use resource::{Resource, UnknownResource};
pub use rules::{
    AlertSource, Destination, MAX_RULE_DESCRIPTION, MAX_RULE_NAME, MAX_RULES_PAGE,
    NOTIFICATION_RULES_PATH, NotificationRule, RuleDestination, RuleSource, RuleSpec,
};
pub use spec_paths::{CENTRAL_FAMILIES, central_family, central_get_paths};
pub use tenants::{AlertCounts, CentralTenant, DeviceHealthStatus};

/// The README's example, compiled as a doctest so that it cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
