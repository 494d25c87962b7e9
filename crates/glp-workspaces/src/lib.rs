//! Typed, paginated client of the HPE GreenLake workspaces API for MSPs.
//!
//! [`WorkspacesClient`] lists the tenant workspaces an MSP manages
//! (`GET /workspaces/v1/msp-tenants`, with the MSP token): one [`TenantPage`] at a time, or every
//! [`Tenant`] as a stream that pages on the items actually received and can never loop forever
//! (see [`MspTenantsRequest`] for the exact stop rules and how to resume). Tenants keep every
//! field the server sends, known or not. [`WorkspacesClient::find_tenants_by_name`] finds tenants
//! by exact name.
//!
//! [`WorkspacesClient::create_tenant`], [`update_tenant`](WorkspacesClient::update_tenant) and
//! [`delete_tenant`](WorkspacesClient::delete_tenant) write customer workspaces
//! ([`TenantSpec`], checked before sending); each write is sent at most once, and a lost answer
//! is [`ApiError::OutcomeUnknown`], never a silent retry.
//! [`TenantResources::patch_devices`] assigns a tenant's devices to a service or sets their
//! subscriptions ([`DevicePatch`], at most five devices a call), and
//! [`TenantResources::wait_device_operation`] polls the asynchronous operation it started.
//! [`WorkspacesClient::add_subscriptions`] adds subscriptions to a workspace (the MSP's or a
//! tenant's) by [`SubscriptionKey`] (shown masked), at most five a call.
//!
//! [`WorkspacesClient::tenant`] lists a tenant's own GreenLake resources with its tenant token
//! ([`GlpResource`]: `devices/v1/devices`, `subscriptions/v1/subscriptions`,
//! `audit-log/v2beta1/logs`), through
//! [`OffsetListRequest`], the offset pager of GreenLake lists (`{offset, count, total, items}`;
//! msp-tenants fetches its pages through it too, then types its items and drops repeats), with
//! items as JSON values or, with
//! [`raw`](OffsetListRequest::raw), their text.
//!
//! Tokens come from any [`TokenProvider`](glp_core::TokenProvider) (the built-in
//! `glp_auth::msp_provider`, a fixed token, or your own); requests go through
//! [`glp_transport::ApiClient`]: paced, retried on 429/5xx with `Retry-After` honoured, one token
//! refresh on 401, and errors ([`ApiError`]) with troubleshooting hints.
//!
//! # Example
//!
//! ```no_run
//! use futures::TryStreamExt as _;
//! use glp_auth::{AuthOptions, Credentials, msp_provider};
//! use glp_workspaces::WorkspacesClient;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = Credentials::from_env()?;
//! let base = credentials.base_url.clone();
//! let provider = msp_provider(credentials, AuthOptions::default())?;
//! let client = WorkspacesClient::from_provider(base, provider)?;
//!
//! // Every tenant, page after page.
//! let mut tenants = client.msp_tenants().stream();
//! while let Some(tenant) = tenants.try_next().await? {
//!     println!("{} {}", tenant.id, tenant.workspace_name);
//! }
//!
//! // One page, filtered.
//! let page = client
//!     .msp_tenants()
//!     .filter("inventoryOwnership eq 'MSP_OWNED_INVENTORY'")
//!     .limit(50)
//!     .page()
//!     .await?;
//! println!("{} of {} MSP-owned", page.items.len(), page.total);
//!
//! // By exact name (quotes are escaped for you).
//! let found = client.find_tenants_by_name("O'Brien Ltd").await?;
//! println!("{} tenant(s) named O'Brien Ltd", found.len());
//! # Ok(())
//! # }
//! ```
//!
//! With a token provider of your own (a vault, a sidecar):
//!
//! ```
//! use std::sync::Arc;
//! use async_trait::async_trait;
//! use glp_auth::{AccessToken, AuthError, BaseUrl, Scope, TokenProvider};
//! use glp_workspaces::WorkspacesClient;
//!
//! #[derive(Debug)]
//! struct FromVault;
//!
//! #[async_trait]
//! impl TokenProvider for FromVault {
//!     async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
//!         Err(AuthError::provider(format!("no vault entry for {scope}"), None))
//!     }
//!     async fn invalidate(&self, _scope: &Scope, _rejected: &AccessToken) {}
//! }
//!
//! let base: BaseUrl = "https://global.api.greenlake.hpe.com".parse()?;
//! let client = WorkspacesClient::from_provider(base, Arc::new(FromVault))?;
//! # let _ = client;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The runnable version is `examples/list_tenants.rs`.

mod catalog;
mod client;
mod device_writes;
mod filter;
mod model;
mod odata;
mod resources;
pub mod shapes;
mod spec_paths;
mod subscription_writes;
mod tenant_writes;

pub use catalog::{PROVISIONS_PATH, Provision, SERVICE_MANAGERS_PATH, ServiceManager};
pub use client::{
    DEFAULT_MAX_PAGES, MAX_LIMIT, MSP_TENANTS_PATH, MspTenantsRequest, TenantResources,
    WorkspacesClient,
};
pub use device_writes::{
    DEVICE_OPERATIONS_PATH, DEVICES_PATCH_PATH, DeviceOperation, DevicePatch,
    MAX_DEVICES_PER_PATCH, MAX_OPERATION_POLLS, OperationStatus, operation_id,
};
pub use filter::{FilterProblem, check_filter};
pub use glp_transport::ApiError;
pub use model::{InvalidTenant, Tenant, TenantEntry, TenantPage};
pub use odata::{created_at_since, quote_odata};
pub use resources::{
    AUDIT_LOGS_PATH, DEFAULT_RESOURCE_MAX_PAGES, DEVICES_PATH, GlpResource, OffsetListRequest,
    OffsetPage, RESERVED_PARAMS, SUBSCRIPTIONS_PATH, UnknownGlpResource, check_query_param,
};
pub use spec_paths::{
    GENERIC_DEFAULT_LIMIT, GENERIC_MAX_LIMIT, GREENLAKE_FAMILIES, REGIONAL_FAMILIES,
    greenlake_get_paths, is_greenlake_family,
};
pub use subscription_writes::{
    MAX_KEY_CHARS, MAX_KEYS_PER_POST, SUBSCRIPTION_OPERATIONS_PATH, SUBSCRIPTIONS_POST_PATH,
    SubscriptionKey, subscription_operation_id,
};
pub use tenant_writes::{Address, MAX_NAME_CHARS, MAX_TEXT_CHARS, TenantSpec, WriteAnswer};
