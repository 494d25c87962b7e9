//! [`WorkspacesClient`] and the [`MspTenantsRequest`] builder.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use futures::stream::{self, BoxStream};
use futures::{StreamExt as _, TryStreamExt as _};
use glp_core::{Scope, WorkspaceId};
use glp_transport::{Api, ApiClient, ApiError, Pager};

use crate::model::{Tenant, TenantEntry, TenantPage, tenant_page};
use crate::odata::workspace_name_eq;
use crate::resources::{GlpResource, OffsetListRequest, OffsetPage};
use serde_json::Value;

/// The msp-tenants path, relative to the GreenLake base URL.
pub const MSP_TENANTS_PATH: &str = "workspaces/v1/msp-tenants";

/// How many pages one msp-tenants stream reads at most, by default (3,000,000 tenants at the
/// largest page size): a listing that never ends is an error, not a hang.
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// The largest `limit` msp-tenants accepts (documented), also the default page size.
pub const MAX_LIMIT: u32 = 300;

/// A client of GreenLake's workspaces API, called with the MSP token ([`Scope::Msp`]).
///
/// Cheap to clone: clones share the [`ApiClient`] (connections, token provider, rate limiter,
/// retry policy).
#[derive(Debug, Clone)]
pub struct WorkspacesClient {
    api: ApiClient,
}

glp_transport::client_handle!(WorkspacesClient, Api::GreenLake, "the GreenLake base URL");

impl WorkspacesClient {
    /// A request for the tenants the MSP manages: `GET workspaces/v1/msp-tenants`.
    ///
    /// Starts at offset 0 with pages of [`MAX_LIMIT`] and no filter; finish it with
    /// [`page`](MspTenantsRequest::page), [`stream`](MspTenantsRequest::stream) or
    /// [`pages`](MspTenantsRequest::pages).
    pub fn msp_tenants(&self) -> MspTenantsRequest {
        MspTenantsRequest {
            api: self.api.clone(),
            offset: 0,
            limit: MAX_LIMIT,
            filter: None,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// The workspace's service-manager provisions (`service-catalog/v1/service-manager-provisions`,
    /// every page), e.g. to find the GreenLake regions where Central is provisioned.
    pub async fn service_manager_provisions(&self) -> Result<Vec<crate::Provision>, ApiError> {
        crate::catalog::provisions(&self.api).await
    }

    /// The service managers of the catalog (`service-catalog/v1/service-managers`, every page):
    /// the names of the ids a [`Provision`](crate::Provision) carries.
    pub async fn service_managers(&self) -> Result<Vec<crate::ServiceManager>, ApiError> {
        crate::catalog::service_managers(&self.api).await
    }

    /// A request for a GreenLake workspace resource (`devices/v1/devices`,
    /// `subscriptions/v1/subscriptions`) with the token of `scope`: [`Scope::Tenant`] lists
    /// that tenant's records, [`Scope::Msp`] the MSP workspace's own. Items are JSON values;
    /// [`raw`](OffsetListRequest::raw) keeps their text.
    pub fn resource(&self, resource: GlpResource, scope: Scope) -> OffsetListRequest<Value> {
        OffsetListRequest::new(self.api.clone(), scope, resource)
    }

    /// The GreenLake resources of one tenant, listed with its tenant token.
    pub fn tenant(&self, id: WorkspaceId) -> TenantResources {
        TenantResources {
            api: self.api.clone(),
            id,
        }
    }

    /// Every tenant named exactly `name` (usually none or one; GreenLake does not require names
    /// to be unique).
    ///
    /// Sends the filter `workspaceName eq '<name>'` (quotes doubled, see
    /// [`quote_odata`](crate::quote_odata)) and reads every page. The answer is then checked for
    /// exact equality, so a server whose `eq` ignores case cannot return a near-namesake.
    pub async fn find_tenants_by_name(&self, name: &str) -> Result<Vec<Tenant>, ApiError> {
        let tenants: Vec<Tenant> = self
            .msp_tenants()
            .filter(workspace_name_eq(name))
            .stream()
            .try_collect()
            .await?;
        Ok(tenants
            .into_iter()
            .filter(|t| t.workspace_name == name)
            .collect())
    }
}

/// The GreenLake resources of one tenant ([`WorkspacesClient::tenant`]): every request carries
/// the tenant's token ([`Scope::Tenant`]), exchanged on first use by the token provider.
#[derive(Debug, Clone)]
pub struct TenantResources {
    api: ApiClient,
    id: WorkspaceId,
}

glp_transport::tenant_handle!(TenantResources);

impl TenantResources {
    /// A request for one of the tenant's resources.
    pub fn resource(&self, resource: GlpResource) -> OffsetListRequest<Value> {
        OffsetListRequest::new(self.api.clone(), Scope::Tenant(self.id), resource)
    }

    /// Any offset-paged GreenLake list of the tenant by its path below the base URL (e.g.
    /// `locations/v1/locations`), raw JSON items: the page-size maximum of a [`GlpResource`]
    /// when `path` is one's, else [`GENERIC_DEFAULT_LIMIT`](crate::GENERIC_DEFAULT_LIMIT) per
    /// page by default and up to [`GENERIC_MAX_LIMIT`](crate::GENERIC_MAX_LIMIT). The path is
    /// sent as given: check it first with [`glp_transport::check_path`] (and
    /// [`greenlake_get_paths`](crate::greenlake_get_paths) for a path of the specs).
    pub fn list_path(&self, path: &str) -> OffsetListRequest<Value> {
        let path = path.trim_matches('/');
        let (max, default) = match path.parse::<GlpResource>() {
            Ok(r) => (r.max_limit(), r.max_limit()),
            Err(_) => (crate::GENERIC_MAX_LIMIT, crate::GENERIC_DEFAULT_LIMIT),
        };
        OffsetListRequest::for_path(self.api.clone(), Scope::Tenant(self.id), path, max)
            .limit(default)
    }

    /// The tenant's devices: `GET devices/v1/devices`.
    pub fn devices(&self) -> OffsetListRequest<Value> {
        self.resource(GlpResource::Devices)
    }

    /// The tenant's subscriptions: `GET subscriptions/v1/subscriptions`.
    pub fn subscriptions(&self) -> OffsetListRequest<Value> {
        self.resource(GlpResource::Subscriptions)
    }
}

/// What an [`MspTenantsRequest::entries`] stream has delivered, to compare with the listing's
/// `total` at its end.
#[derive(Default)]
struct Count {
    delivered: u64,
    total: Option<u64>,
    failed: bool,
}

/// What a [`MspTenantsRequest::pages`] stream has yielded, to leave repeats out: its check runs
/// on every non-empty page, after the pager has taken the next offset from it.
struct Seen {
    pager: Pager,
    /// Every tenant yielded so far (one id per tenant: the listing is held as ids anyway by
    /// whoever runs it).
    ids: HashSet<WorkspaceId>,
    /// Invalid entries seen so far, by their id as sent.
    invalid: HashSet<String>,
    pages: u64,
    max_total: u64,
}

impl Seen {
    /// Removes the tenants already yielded from `page`, and fails if the page brought nothing
    /// new or the listing has more pages than its `total` allows.
    fn check(&mut self, page: &mut TenantPage) -> Result<(), ApiError> {
        self.pages += 1;
        let before = page.received();
        page.items.retain(|t| self.ids.insert(t.id));
        page.invalid
            .retain(|t| self.invalid.insert(format!("{}\n{}", t.listed_id, t.name)));
        let repeated = before - page.received();
        if repeated > 0 {
            tracing::warn!(
                offset = page.offset,
                repeated,
                "msp-tenants listed tenants already listed; each runs once"
            );
        }
        if page.received() == 0 {
            return Err(self.pager.protocol(format!(
                "the page at offset {} brought only tenants already listed ({before} of them); \
                 the server repeats itself, stopping so as not to list forever",
                page.offset
            )));
        }
        self.max_total = self.max_total.max(page.total);
        if self.pages > self.max_total {
            return Err(self.pager.protocol(format!(
                "{} pages for a listing whose total is at most {}; every page brings at least \
                 one new tenant, so the server is not paging as documented: stopping",
                self.pages, self.max_total
            )));
        }
        Ok(())
    }
}

/// A request for `msp-tenants`: one [`page`](Self::page), or every page as a stream.
///
/// `offset` and `limit` are always sent (the server's default `limit` is undocumented);
/// `filter` only when set.
///
/// # How streams page
/// The next request's offset is the previous offset **plus the number of items received**
/// (the server may return fewer than `limit`; the documentation's "pages to skip" reading of
/// `offset` is not what working clients do). A stream stops after a page that
/// - is empty (so a server whose `total` never stops growing cannot loop forever), or
/// - satisfies `offset + count >= total` (the server's own signal), or
/// - brings the items seen to `total`.
///
/// A tenant already yielded is left out of later pages (it runs once). A page that brings only
/// tenants already yielded, more pages than `total` allows, or more pages than the
/// [`max_pages`](MspTenantsRequest::max_pages) cap, ends the stream with an [`ApiError::Protocol`] error naming the endpoint: a server that repeats
/// a page with a large `total` cannot make it list forever. More tenants than `total` is only a
/// warning in the log. An entry that does not decode (an id that is not a workspace id) does not
/// cost its page: [`entries`](MspTenantsRequest::entries) reports it with the reason.
///
/// A page whose echoed `offset` differs from the one requested ends the stream with an
/// [`ApiError::Decode`] error (not transient) instead of its items: continuing would risk
/// listing tenants twice or skipping some, silently.
///
/// # Resuming
/// After an error, a new request with [`offset`](Self::offset) set to where the failed one
/// stopped continues the listing: the starting offset plus the items received so far, or
/// [`TenantPage::next_offset`] of the last page received.
#[derive(Debug, Clone)]
#[must_use]
pub struct MspTenantsRequest {
    api: ApiClient,
    offset: u64,
    limit: u32,
    filter: Option<String>,
    max_pages: u64,
}

impl MspTenantsRequest {
    /// Items per page, 1 to [`MAX_LIMIT`] (default [`MAX_LIMIT`]). A value outside that range
    /// makes the request fail with [`ApiError::InvalidRequest`] before anything is sent.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// The most pages one stream reads (default [`DEFAULT_MAX_PAGES`], at least 1): a listing
    /// that goes on beyond it ends with an [`ApiError::Protocol`] error naming the endpoint.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// The number of tenants to skip (default 0): where the page, or a stream, starts.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// An OData-like filter, sent as is, e.g. `inventoryOwnership eq 'MSP_OWNED_INVENTORY'`.
    /// Quote string values with [`quote_odata`](crate::quote_odata).
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// The offset this request starts at.
    pub fn starting_offset(&self) -> u64 {
        self.offset
    }

    /// Fetches the one page at this request's offset.
    pub async fn page(&self) -> Result<TenantPage, ApiError> {
        let list = self.list();
        let fetched = list.fetch(self.offset).await?;
        typed(&list, fetched)
    }

    /// The GreenLake offset list this request reads: the one offset pager of GreenLake lists
    /// fetches msp-tenants pages too; this request then types the items, and its stream removes
    /// the repeats (see the type's documentation).
    fn list(&self) -> OffsetListRequest<Value> {
        let list = OffsetListRequest::<Value>::for_path(
            self.api.clone(),
            Scope::Msp,
            MSP_TENANTS_PATH,
            MAX_LIMIT,
        )
        .limit(self.limit)
        .offset(self.offset)
        .page_cap(self.max_pages, "MspTenantsRequest::max_pages");
        match &self.filter {
            Some(filter) => list.filter(filter.clone()),
            None => list,
        }
    }

    /// Every tenant from this request's offset on, page after page, fetched lazily as the stream
    /// is read. See the type's documentation for the stop rules. An error ends the stream after
    /// the tenants already yielded. Entries that are not valid tenants are left out (with a
    /// warning in the log); [`entries`](Self::entries) yields them too.
    ///
    /// The stream is `Send + 'static` and `Unpin`: read it with `StreamExt::next` or
    /// `TryStreamExt::try_next`, or move it into `tokio::spawn`.
    pub fn stream(self) -> BoxStream<'static, Result<Tenant, ApiError>> {
        self.pages()
            .map_ok(|page| {
                for bad in &page.invalid {
                    tracing::warn!(
                        id = %glp_core::text::untrusted(&bad.listed_id),
                        name = %glp_core::text::untrusted(&bad.name),
                        reason = %glp_core::text::untrusted(&bad.reason),
                        "msp-tenants entry left out"
                    );
                }
                stream::iter(page.items.into_iter().map(Ok))
            })
            .try_flatten()
            .boxed()
    }

    /// Like [`stream`](Self::stream), with the entries that are not valid tenants too (as
    /// [`TenantEntry::Invalid`], with the reason), so that a caller can report them; and,
    /// for a listing from offset 0 that ends without an error having delivered another number
    /// of entries than its last `total` (an empty page before it, or more than it), a last
    /// [`TenantEntry::TotalMismatch`] with both numbers.
    pub fn entries(self) -> BoxStream<'static, Result<TenantEntry, ApiError>> {
        let whole = self.offset == 0;
        let count = Arc::new(Mutex::new(Count::default()));
        let counted = count.clone();
        let entries = self
            .pages()
            .map(move |page| {
                let mut count = counted.lock().unwrap_or_else(PoisonError::into_inner);
                let page = match page {
                    Ok(page) => page,
                    Err(e) => {
                        count.failed = true;
                        return Err(e);
                    }
                };
                count.delivered = count.delivered.saturating_add(page.received());
                count.total = Some(page.total);
                let valid = page.items.into_iter().map(TenantEntry::Tenant);
                let invalid = page.invalid.into_iter().map(TenantEntry::Invalid);
                Ok(stream::iter(valid.chain(invalid).map(Ok)))
            })
            .try_flatten();
        let end = stream::once(async move {
            let count = count.lock().unwrap_or_else(PoisonError::into_inner);
            match count.total {
                Some(total) if whole && !count.failed && total != count.delivered => {
                    Some(Ok(TenantEntry::TotalMismatch {
                        total,
                        delivered: count.delivered,
                    }))
                }
                _ => None,
            }
        })
        .filter_map(std::future::ready);
        entries.chain(end).boxed()
    }

    /// Like [`stream`](Self::stream), page by page (each with its offset, count and total).
    /// A tenant already yielded by an earlier page of this stream is removed from later pages
    /// (it runs once); a page that brings only tenants already yielded ends the stream with an
    /// [`ApiError::Protocol`] error, and so do more pages than `total` allows (every page must
    /// bring at least one new tenant, so `total` tenants fit in `total` pages).
    pub fn pages(self) -> BoxStream<'static, Result<TenantPage, ApiError>> {
        let list = Arc::new(self.list());
        let pager = list.pager();
        let mut seen = Seen {
            pager: pager.clone(),
            ids: HashSet::new(),
            invalid: HashSet::new(),
            pages: 0,
            max_total: 0,
        };
        pager.walk(
            self.offset,
            move |offset| {
                let list = list.clone();
                async move { typed(&list, list.page_at(offset).await?) }
            },
            move |_: &u64, page: &mut TenantPage| {
                // The next offset counts every entry received, repeats included.
                let next = (!page.is_last()).then(|| page.next_offset());
                seen.check(page)?;
                Ok(next)
            },
        )
    }
}

/// An msp-tenants page from the GreenLake page `fetched` of `list`: its items typed (those that
/// are no tenant kept apart), its `total` required.
fn typed(
    list: &OffsetListRequest<Value>,
    fetched: OffsetPage<Value>,
) -> Result<TenantPage, ApiError> {
    let Some(total) = fetched.total else {
        return Err(list.decode_error(
            "the page has no `total`: msp-tenants always sends one".into(),
            format!("offset {}, {} items", fetched.offset, fetched.items.len()),
        ));
    };
    let page = tenant_page(fetched.offset, fetched.count, total, fetched.items);
    tracing::debug!(
        offset = page.offset,
        count = page.count,
        total = page.total,
        items = page.items.len(),
        "msp-tenants page"
    );
    Ok(page)
}
