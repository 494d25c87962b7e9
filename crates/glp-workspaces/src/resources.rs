//! GreenLake workspace resources (`devices/v1/devices`, `subscriptions/v1/subscriptions`) and
//! [`OffsetListRequest`], the offset pager they share.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;
use std::sync::Arc;

use futures::stream::{self, BoxStream};
use futures::{StreamExt as _, TryStreamExt as _};
use glp_core::Scope;
use glp_transport::{ApiClient, ApiError, Items, ListQuery, Paged, Pager};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The devices path, relative to the GreenLake base URL.
pub const DEVICES_PATH: &str = "devices/v1/devices";
/// The subscriptions path, relative to the GreenLake base URL.
pub const SUBSCRIPTIONS_PATH: &str = "subscriptions/v1/subscriptions";
/// The audit logs path, relative to the GreenLake base URL (`getAuditLogs`).
pub const AUDIT_LOGS_PATH: &str = "audit-log/v2beta1/logs";

/// A GreenLake resource of a workspace, listed with that workspace's token: with a tenant
/// token ([`Scope::Tenant`]) the tenant's own records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GlpResource {
    /// `devices/v1/devices`: every device of the workspace (GreenLake's inventory, with its
    /// application, assignment and subscriptions). `limit` up to 2,000; 160 GETs a minute per
    /// workspace.
    Devices,
    /// `subscriptions/v1/subscriptions`: the workspace's subscriptions (licences: key, SKU,
    /// quantity, start and end). `limit` up to 50; 60 GETs a minute per workspace.
    Subscriptions,
    /// `audit-log/v2beta1/logs`: the workspace's audit log (logins, device and subscription
    /// changes), each entry with its `id` and `createdAt`. `limit` up to 2,000; a listing
    /// holds at most 10,000 entries (`total` stops there and `remainingRecords` says more
    /// match): narrow it by time with [`created_at_since`](crate::created_at_since).
    AuditLogs,
}

impl GlpResource {
    /// Every resource, in a stable order.
    pub fn all() -> &'static [GlpResource] {
        &[
            GlpResource::Devices,
            GlpResource::Subscriptions,
            GlpResource::AuditLogs,
        ]
    }

    /// The name a user gives, saying which API it calls: `glp/devices`, `glp/subscriptions`.
    pub fn name(self) -> &'static str {
        match self {
            GlpResource::Devices => "glp/devices",
            GlpResource::Subscriptions => "glp/subscriptions",
            GlpResource::AuditLogs => "glp/audit-logs",
        }
    }

    /// The path below the GreenLake base URL.
    pub fn path(self) -> &'static str {
        match self {
            GlpResource::Devices => DEVICES_PATH,
            GlpResource::Subscriptions => SUBSCRIPTIONS_PATH,
            GlpResource::AuditLogs => AUDIT_LOGS_PATH,
        }
    }

    /// The largest `limit` the endpoint accepts (documented), also the default page size.
    pub fn max_limit(self) -> u32 {
        match self {
            GlpResource::Devices => 2000,
            GlpResource::Subscriptions => 50,
            GlpResource::AuditLogs => 2000,
        }
    }

    /// The field that orders the resource in time, for those whose items are events
    /// (`createdAt` of an audit log entry); `None` for inventories.
    pub fn time_field(self) -> Option<&'static str> {
        match self {
            GlpResource::AuditLogs => Some("createdAt"),
            GlpResource::Devices | GlpResource::Subscriptions => None,
        }
    }
}

impl fmt::Display for GlpResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no [`GlpResource`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown GreenLake resource `{given}`: use glp/devices, glp/subscriptions or glp/audit-logs"
)]
pub struct UnknownGlpResource {
    given: String,
}

impl FromStr for GlpResource {
    type Err = UnknownGlpResource;
    /// `glp/devices`, `glp/subscriptions` or `glp/audit-logs` (any case), or the API paths
    /// themselves.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_matches('/').to_ascii_lowercase();
        GlpResource::all()
            .iter()
            .copied()
            .find(|r| t == r.name() || t == r.path())
            .ok_or_else(|| UnknownGlpResource {
                given: s.chars().take(100).collect(),
            })
    }
}

/// How many pages one [`OffsetListRequest`] stream reads at most, by default: a listing that
/// never ends is an error naming the endpoint, not a hang.
pub const DEFAULT_RESOURCE_MAX_PAGES: u64 = glp_transport::DEFAULT_MAX_PAGES;

/// Query parameters an [`OffsetListRequest`] sets itself, each with its setter;
/// [`OffsetListRequest::param`] refuses them.
pub const RESERVED_PARAMS: &[(&str, &str)] = &[
    ("offset", "offset"),
    ("limit", "limit"),
    ("filter", "filter"),
    ("sort", "sort"),
];

/// Whether `key` may be given to [`OffsetListRequest::param`] (not empty, not one the
/// request sets itself).
pub fn check_query_param(key: &str) -> Result<(), glp_transport::QueryProblem> {
    glp_transport::check_param(key, RESERVED_PARAMS)
}

mod cursor;
mod offset_page;
pub use offset_page::OffsetPage;
pub(crate) use offset_page::is_last_page;

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct WirePage<T> {
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    total: Option<u64>,
    items: Items<T>,
}

/// A request for one GreenLake offset-paged list, read with [`page`](Self::page) or, lazily,
/// [`pages`](Self::pages) / [`stream`](Self::stream).
///
/// - `offset` and `limit` are always sent; `limit` defaults to the endpoint's maximum and a
///   value outside `1..=max` fails with [`ApiError::InvalidRequest`] before anything is sent.
/// - The next offset is the previous one plus the items received (a server that caps `limit`
///   is followed, not skipped).
/// - A stream stops after an empty page or one that reaches `total` (each page's own `total`:
///   a list that grows while it is read is followed to its new end, one that shrinks ends
///   sooner); a page whose echoed `offset` is not the one asked for ends it with an
///   [`ApiError::Decode`] error; after [`max_pages`](Self::max_pages) pages that still have
///   a successor, the last page's items are yielded and the stream ends with an
///   [`ApiError::Protocol`] error, so a hostile `total` cannot make it list forever. A page
///   that holds the same items as the page before it (a server that ignores `offset`) ends it
///   with an [`ApiError::Protocol`] error instead of its items. More items than `total` is a
///   warning in the log.
/// - GreenLake ignores query parameters it does not know (and answers with everything), so a
///   misspelt [`param`](Self::param) is not an error there: check what you send.
///
/// `T` is the item type: `serde_json::Value`, your own type, or, with [`raw`](Self::raw), the
/// item's JSON text.
pub struct OffsetListRequest<T> {
    api: ApiClient,
    scope: Scope,
    path: Arc<str>,
    max_limit: u32,
    limit: u32,
    offset: u64,
    query: ListQuery,
    /// The setter a page-cap error names (msp-tenants names its own).
    cap_setter: &'static str,
    item: PhantomData<fn() -> T>,
}

impl<T> Clone for OffsetListRequest<T> {
    fn clone(&self) -> Self {
        Self {
            api: self.api.clone(),
            scope: self.scope,
            path: self.path.clone(),
            max_limit: self.max_limit,
            limit: self.limit,
            offset: self.offset,
            query: self.query.clone(),
            cap_setter: self.cap_setter,
            item: PhantomData,
        }
    }
}

impl<T> fmt::Debug for OffsetListRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OffsetListRequest")
            .field("path", &self.path)
            .field("scope", &self.scope)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

glp_transport::list_setters! {
    OffsetListRequest.query, reserved: RESERVED_PARAMS;
    /// An OData-like filter, sent as is, e.g. `deviceType eq 'AP'` (quote values with
    /// [`quote_odata`](crate::quote_odata)).
    filter;
    /// A sort expression, e.g. `endTime asc`.
    sort;
    /// Any other query parameter (e.g. `select`); setting a key again replaces its value.
    /// `offset`, `limit`, `filter` and `sort` have their own setters and are refused here.
    param;
    /// The most pages one stream reads (default [`DEFAULT_RESOURCE_MAX_PAGES`], at least 1).
    max_pages;
}

impl<T> OffsetListRequest<T> {
    /// A request for `resource` with the token of `scope`.
    pub(crate) fn new(api: ApiClient, scope: Scope, resource: GlpResource) -> Self {
        Self::for_path(api, scope, resource.path(), resource.max_limit())
    }

    /// A request for any GreenLake offset list (msp-tenants uses it too).
    pub(crate) fn for_path(
        api: ApiClient,
        scope: Scope,
        path: impl Into<Arc<str>>,
        max_limit: u32,
    ) -> Self {
        Self {
            api,
            scope,
            path: path.into(),
            max_limit,
            limit: max_limit,
            offset: 0,
            query: ListQuery::new(DEFAULT_RESOURCE_MAX_PAGES),
            cap_setter: "OffsetListRequest::max_pages",
            item: PhantomData,
        }
    }

    /// The same request with items of another type `U`.
    pub fn items_as<U>(self) -> OffsetListRequest<U> {
        OffsetListRequest {
            api: self.api,
            scope: self.scope,
            path: self.path,
            max_limit: self.max_limit,
            limit: self.limit,
            offset: self.offset,
            query: self.query,
            cap_setter: self.cap_setter,
            item: PhantomData,
        }
    }

    /// The same request with each item kept as the server's JSON text
    /// ([`RawValue`](serde_json::value::RawValue)): checked to be JSON, never parsed into a tree.
    pub fn raw(self) -> OffsetListRequest<Box<serde_json::value::RawValue>> {
        self.items_as()
    }

    /// Items per page, 1 to [`max_limit`](Self::max_limit) (default: the maximum).
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// Where the listing starts (items to skip; default 0): resume after an error with the
    /// offset the failed stream had reached.
    #[must_use]
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// The page cap, with the setter its error names.
    pub(crate) fn page_cap(mut self, pages: u64, setter: &'static str) -> Self {
        self.cap_setter = setter;
        self.max_pages(pages)
    }

    /// The path below the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The scope whose token the request carries.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The largest page size the endpoint accepts.
    pub fn max_limit(&self) -> u32 {
        self.max_limit
    }

    fn page_query(&self, offset: u64) -> Result<Vec<(&str, String)>, ApiError> {
        self.query.check()?;
        if !(1..=self.max_limit).contains(&self.limit) {
            return Err(ApiError::InvalidRequest(format!(
                "{} limit must be within 1..={}, got {}",
                self.path, self.max_limit, self.limit
            )));
        }
        let mut query = vec![
            ("offset", offset.to_string()),
            ("limit", self.limit.to_string()),
        ];
        self.query.append_to(&mut query);
        Ok(query)
    }

    fn full_path(&self) -> String {
        self.api.base_url().join(&self.path).path().to_owned()
    }

    /// The pager of this list: its endpoint, in errors, and its page cap.
    pub(crate) fn pager(&self) -> Pager {
        Pager::new(self.api.api(), self.full_path())
            .max_pages(self.query.max_pages, self.cap_setter)
    }
}

impl<T: DeserializeOwned + Send + 'static> OffsetListRequest<T> {
    /// The one page at this request's offset.
    pub async fn page(&self) -> Result<OffsetPage<T>, ApiError> {
        self.page_at(self.offset).await
    }

    /// The page at `offset` as the server sent it (its echoed offset not checked yet).
    pub(crate) async fn fetch(&self, offset: u64) -> Result<OffsetPage<T>, ApiError> {
        let query = self.page_query(offset)?;
        let wire: WirePage<T> = self.api.get_json(&self.scope, &self.path, &query).await?;
        Ok(OffsetPage {
            offset: wire.offset.unwrap_or(offset),
            count: wire.count.unwrap_or(wire.items.items.len() as u64),
            total: wire.total,
            items: wire.items.items,
            digest: wire.items.digest,
        })
    }

    /// A [`Decode`](ApiError::Decode) error of a page of this list.
    pub(crate) fn decode_error(&self, detail: String, excerpt: String) -> ApiError {
        ApiError::Decode {
            api: self.api.api(),
            method: "GET",
            path: self.full_path(),
            status: 200,
            detail,
            excerpt,
            truncated: false,
        }
    }

    /// The page at `offset`, checked to be the one asked for: a page that echoes another
    /// offset (and is not empty) is an [`ApiError::Decode`] error.
    pub(crate) async fn page_at(&self, offset: u64) -> Result<OffsetPage<T>, ApiError> {
        let page = self.fetch(offset).await?;
        if page.offset != offset && !page.items.is_empty() {
            return Err(self.decode_error(
                format!(
                    "the server answered offset {} to a request for offset {offset}; stopping so \
                     that no item is listed twice or skipped",
                    page.offset
                ),
                format!(
                    "offset {}, count {}, total {:?}, {} items",
                    page.offset,
                    page.count,
                    page.total,
                    page.items.len()
                ),
            ));
        }
        tracing::debug!(
            path = &*self.path,
            offset,
            count = page.count,
            total = page.total,
            items = page.items.len(),
            "GreenLake page"
        );
        Ok(page)
    }

    /// Every page from this request's offset on, lazily, with the stop rules of the type's
    /// documentation (the GreenLake offset step on the one sequential pager,
    /// [`Pager::walk`]). An error ends the stream after the pages already yielded.
    pub fn pages(self) -> BoxStream<'static, Result<OffsetPage<T>, ApiError>> {
        let (pager, first) = (self.pager(), self.offset);
        let request = Arc::new(self);
        pager.walk(
            first,
            move |offset| {
                let request = request.clone();
                async move { request.page_at(offset).await }
            },
            |_: &u64, page: &mut OffsetPage<T>| Ok((!page.is_last()).then(|| page.next_offset())),
        )
    }

    /// Every item of every page, lazily (one page in memory at a time), with the stop rules of
    /// [`pages`](Self::pages). `Send + 'static` and `Unpin`.
    pub fn stream(self) -> BoxStream<'static, Result<T, ApiError>> {
        self.pages()
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}
