//! [`CentralClient`] (MSP-level calls) and [`TenantClient`] (one tenant's calls).

use glp_core::{Scope, WorkspaceId};
use glp_transport::{Api, ApiClient};
use serde_json::Value;

use crate::endpoint::{Endpoint, Paging};
use crate::{
    AccessPoint, Alert, CentralTenant, Client, Device, Gateway, ListRequest, Resource, SiteHealth,
    Switch,
};

/// The request of [`CentralClient::list_tenants`]: Central's MSP tenant list
/// (`network-msp/v1/list-tenants`, at most 100 per page, MSP token).
pub type ListTenantsRequest = ListRequest<CentralTenant>;

/// A client of one Central API gateway. Cheap to clone; clones share the connection pool, the
/// token provider and the rate limiter of the underlying [`ApiClient`].
///
/// MSP-level calls ([`list_tenants`](Self::list_tenants)) carry the MSP token
/// ([`Scope::Msp`]); [`tenant`](Self::tenant) gives a [`TenantClient`] whose calls carry that
/// tenant's token ([`Scope::Tenant`]).
#[derive(Clone, Debug)]
pub struct CentralClient {
    api: ApiClient,
}

glp_transport::client_handle!(CentralClient, Api::Central, "a Central API gateway");

impl CentralClient {
    /// Central's MSP tenant list, with the MSP token: `limit` 1..=100 (default 100), optional
    /// `filter` (e.g. `tenantName eq 'Acme'`) and `sort` (e.g. `tenantName asc`).
    ///
    /// A tenant's [`tenant_id`](CentralTenant::tenant_id) is **not** proven to be its GreenLake
    /// workspace id: resolve the tenant by name through GreenLake before calling
    /// [`tenant`](Self::tenant) (see [`CentralTenant`]).
    pub fn list_tenants(&self) -> ListTenantsRequest {
        ListRequest::new(self.api.clone(), Scope::Msp, Endpoint::list_tenants())
    }

    /// Central's MSP-wide device inventory (`network-msp/v1/device-inventory`, MSP token, up to
    /// 1,000 a page): the devices of every tenant on this cluster without a token exchange.
    /// Items are as the server sends them; the simulator adds the tenant's `tenantId` and
    /// `tenantName` to each (no public source shows the live attribution fields).
    pub fn msp_device_inventory(&self) -> ListRequest<Value> {
        ListRequest::new(
            self.api.clone(),
            Scope::Msp,
            Endpoint::msp_device_inventory(),
        )
    }

    /// The calls of one tenant, identified by its **GreenLake workspace id**; they carry that
    /// tenant's token (`Scope::Tenant(id)`).
    pub fn tenant(&self, id: WorkspaceId) -> TenantClient {
        TenantClient {
            api: self.api.clone(),
            id,
        }
    }
}

/// The calls of one tenant: every request carries the token of `Scope::Tenant(tenant_id)`.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct TenantClient {
    api: ApiClient,
    id: WorkspaceId,
}

glp_transport::tenant_handle!(TenantClient);

/// The typed lists of [`TenantClient`], one method a [`Resource`]: `name -> Item = Resource;`
/// makes `pub fn name(&self) -> ListRequest<Item>` with the documentation written above it.
macro_rules! resource_lists {
    ($($(#[$doc:meta])* $name:ident -> $item:ty = $resource:ident;)*) => {
        impl TenantClient {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> ListRequest<$item> {
                    self.list(Endpoint::resource(Resource::$resource))
                }
            )*
        }
    };
}

resource_lists! {
    /// Every device of the tenant's inventory, monitored or not (`device-inventory`, up to 1000
    /// per page); narrow with
    /// [`site_assigned`](ListRequest::site_assigned).
    device_inventory -> Device = DeviceInventory;
    /// Access points (`aps`, up to 1000 per page).
    aps -> AccessPoint = Aps;
    /// Switches (`switches`, up to 1000 per page).
    switches -> Switch = Switches;
    /// Gateways (`gateways`, up to 100 per page).
    gateways -> Gateway = Gateways;
    /// Wired and wireless clients (`clients`, up to 1000 per page); narrow with
    /// `.param("site-id", ..)`, `.param("site-name", ..)` or `.param("serial-number", ..)`.
    clients -> Client = Clients;
    /// Every site with its health (`sites-health`, up to 100 per page, paged by `offset`).
    /// There is no `network-monitoring/v1/sites` list.
    sites_health -> SiteHealth = SitesHealth;
    /// Monitored devices (`devices`, up to 1000 per page).
    devices -> Device = Devices;
    /// The tenant's alerts, open and cleared (`network-notifications/v1/alerts`, up to 100
    /// per page, paged by a `next` cursor). Narrow with [`filter`](ListRequest::filter) on
    /// `siteId`, `typeId`, `status` (`Active`, `Deferred`, `Cleared`), `category` or
    /// `deviceType` (`eq`, `in`, joined by `and`), order with [`sort`](ListRequest::sort) on
    /// `createdAt` (the server's default), `severity`, `status`, `name` or `priority`.
    alerts -> Alert = Alerts;
}

impl TenantClient {
    pub(crate) fn list<T>(&self, endpoint: Endpoint) -> ListRequest<T> {
        ListRequest::new(self.api.clone(), Scope::Tenant(self.id), endpoint)
    }

    /// A known resource with its items as raw JSON, exactly as received.
    pub fn resource(&self, resource: Resource) -> ListRequest<Value> {
        self.list(Endpoint::resource(resource))
    }

    /// Any other paginated `network-monitoring` list, with raw JSON items, so that no endpoint
    /// this crate has not typed is out of reach.
    ///
    /// `path` may be given with or without the `network-monitoring/` prefix and version:
    /// `network-monitoring/v1alpha1/aps`, `v1alpha1/aps`, `aps/SN123/radios` and
    /// `sites-health` all work (a version in the path replaces the default `v1`;
    /// [`version`](ListRequest::version) replaces it again). Paths of known resources get
    /// their page-size maximum and paging; other paths default to 100 per page and accept up
    /// to 1000. `sites-health` and `sites-device-health` are paged by offset.
    ///
    /// Refused (reported as [`ApiError::InvalidRequest`](glp_transport::ApiError::InvalidRequest) by the first call, nothing sent): a
    /// URL, a query string (use [`param`](ListRequest::param)), `.` or `..` segments, empty
    /// segments, characters other than letters, digits, `-`, `_`, `.` and `~`, and paths of
    /// other APIs (`network-msp/...`).
    pub fn monitoring(&self, path: &str) -> ListRequest<Value> {
        self.list_or_refuse(Endpoint::monitoring(path))
    }

    /// Any list of a Central API family ([`CENTRAL_FAMILIES`](crate::CENTRAL_FAMILIES)) by
    /// its full path, `<family>/<version>/<list>` (e.g. `network-config/v1alpha1/sites`), with
    /// raw JSON items and the given paging (the spec's: see
    /// [`central_get_paths`](crate::central_get_paths)); 100 per page by default, up to 1000.
    /// A path that fails [`glp_transport::check_path`], names another family or no version is
    /// refused like [`monitoring`](Self::monitoring)'s.
    pub fn list_path(&self, path: &str, paging: Paging) -> ListRequest<Value> {
        self.list_or_refuse(Endpoint::family_path(path, paging))
    }

    fn list_or_refuse(&self, endpoint: Result<Endpoint, String>) -> ListRequest<Value> {
        match endpoint {
            Ok(endpoint) => self.list(endpoint),
            Err(reason) => self.list(Endpoint::refused()).refuse(reason),
        }
    }
}
