//! [`ListRequest`]: one paginated Central list, read a page at a time or as a lazy stream.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::{FutureExt, Stream, StreamExt, TryStreamExt};
use glp_core::Scope;
use glp_transport::{Api, ApiClient, ApiError, Items, ListQuery, Pager};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Cursor;
use crate::endpoint::{Endpoint, Paging, is_version};
use crate::query::{RESERVED_PARAMS, check_query_expression};

/// The longest `filter` or `sort` Central accepts (characters).
pub const MAX_EXPRESSION_CHARS: usize = 256;

/// One page of a Central list: `{"items": [...], "count": n, "total": t, "next": cursor}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The number of items the server says this page holds (not always right).
    pub count: Option<u64>,
    /// The number of items the server says the whole list holds (not always right).
    pub total: Option<u64>,
    /// The cursor of the next page as the server sent it (a blank string reads as `None`). For
    /// offset-paged lists, the offset of the next page, computed from the items received.
    ///
    /// A stream stops even when this is set if the page was empty or `total` items were seen:
    /// see [`ListRequest::stream`].
    pub next: Option<Cursor>,
    /// The digest of the items' text as received (see
    /// [`Paged::items_digest`](glp_transport::Paged::items_digest)).
    #[serde(skip)]
    digest: u64,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct RawPage<T> {
    items: Items<T>,
    #[serde(default, deserialize_with = "crate::lenient::option")]
    count: Option<u64>,
    #[serde(default, deserialize_with = "crate::lenient::option")]
    total: Option<u64>,
    #[serde(default)]
    next: Option<Cursor>,
}

/// Whether a device-inventory listing wants devices assigned to a site or not
/// (`site-assigned=ASSIGNED|UNASSIGNED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SiteAssignment {
    /// Devices assigned to a site.
    Assigned,
    /// Devices assigned to no site.
    Unassigned,
}

impl SiteAssignment {
    /// The query value: `ASSIGNED` or `UNASSIGNED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "ASSIGNED",
            Self::Unassigned => "UNASSIGNED",
        }
    }
}

/// A request for one paginated Central list, built with chained setters and read with
/// [`page`](Self::page) (one page), [`pages`](Self::pages) or [`stream`](Self::stream) (every
/// item, lazily).
///
/// - `limit` (page size) defaults to the endpoint's maximum; a larger value, or 0, is refused
///   with [`ApiError::InvalidRequest`] before anything is sent. `limit` and `next` (first page:
///   `next=1`) are always sent.
/// - `filter` and `sort` (OData v4 subset) are sent as given, up to 256 characters.
/// - A builder problem (a bad version, a bad path, a reserved parameter) is reported by the
///   first `page`, `pages` or `stream` call, as [`ApiError::InvalidRequest`], without a request.
///
/// `T` is the item type: a model of this crate, `serde_json::Value`, or your own type.
pub struct ListRequest<T> {
    api: ApiClient,
    scope: Scope,
    endpoint: Endpoint,
    limit: Option<u32>,
    query: ListQuery,
    start: Option<Cursor>,
    item: PhantomData<fn() -> T>,
}

/// How many pages one [`ListRequest::pages`] stream reads at most, by default: a listing that
/// never ends (a cursor that never repeats) is an error naming the endpoint, not a hang.
pub const DEFAULT_MAX_PAGES: u64 = glp_transport::DEFAULT_MAX_PAGES;

impl<T> Clone for ListRequest<T> {
    fn clone(&self) -> Self {
        Self {
            api: self.api.clone(),
            scope: self.scope,
            endpoint: self.endpoint.clone(),
            limit: self.limit,
            query: self.query.clone(),
            start: self.start.clone(),
            item: PhantomData,
        }
    }
}

impl<T> fmt::Debug for ListRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRequest")
            .field("path", &self.endpoint.path())
            .field("scope", &self.scope)
            .field("limit", &self.effective_limit())
            .field("query", &self.query)
            .field("start", &self.start)
            .field("paging", &self.endpoint.paging)
            .finish_non_exhaustive()
    }
}

glp_transport::list_setters! {
    ListRequest.query, reserved: RESERVED_PARAMS;
    /// An OData filter, e.g. `tenantName eq 'Acme'` or `status eq 'ONLINE'` (≤ 256 characters).
    filter;
    /// A sort expression, e.g. `tenantName asc` (≤ 256 characters).
    sort;
    /// Any other query parameter, e.g. `("site-id", "24833497")`; setting a key again replaces
    /// its value. `limit`, `next`, `offset`, `filter` and `sort` have their own setters and are
    /// refused here.
    param;
    /// The most pages one [`pages`](Self::pages) or [`stream`](Self::stream) reads (default
    /// [`DEFAULT_MAX_PAGES`], at least 1). A listing that still has a next page after that many
    /// ends with an [`ApiError::Protocol`] error naming the endpoint.
    max_pages;
}

impl<T> ListRequest<T> {
    pub(crate) fn new(api: ApiClient, scope: Scope, endpoint: Endpoint) -> Self {
        Self {
            api,
            scope,
            endpoint,
            limit: None,
            query: ListQuery::new(DEFAULT_MAX_PAGES),
            start: None,
            item: PhantomData,
        }
    }

    /// The same request with items of another type `U` (e.g. a model of your own).
    pub fn items_as<U>(self) -> ListRequest<U> {
        ListRequest {
            api: self.api,
            scope: self.scope,
            endpoint: self.endpoint,
            limit: self.limit,
            query: self.query,
            start: self.start,
            item: PhantomData,
        }
    }

    /// The same request with each item kept as the server's JSON text
    /// ([`RawValue`](serde_json::value::RawValue)): checked to be JSON, never parsed into a tree.
    /// The cheapest way to pass items through to a file or a store.
    pub fn raw(self) -> ListRequest<Box<serde_json::value::RawValue>> {
        self.items_as()
    }

    pub(crate) fn refuse(mut self, reason: String) -> Self {
        self.query.refuse(reason);
        self
    }

    /// Items per page, from 1 to the endpoint's maximum ([`max_limit`](Self::max_limit)).
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only devices assigned to a site, or only those assigned to none
    /// (`site-assigned=ASSIGNED|UNASSIGNED`; a `device-inventory` parameter).
    #[must_use]
    pub fn site_assigned(self, assigned: SiteAssignment) -> Self {
        self.param("site-assigned", assigned.as_str())
    }

    /// The API version segment, e.g. `v1alpha1` (default `v1`, or the one a monitoring path
    /// named).
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> Self {
        let version = version.into();
        if !is_version(&version) {
            let shown: String = version.chars().take(40).collect();
            return self.refuse(format!(
                "invalid API version {shown:?}: expected e.g. v1, v1alpha1, v1alpha2"
            ));
        }
        self.endpoint.version = version;
        self
    }

    /// Starts at this cursor instead of the first page (resuming an earlier listing: pass the
    /// `next` of the last page read). For offset-paged lists, the cursor is the item offset.
    #[must_use]
    pub fn start_at(mut self, cursor: Cursor) -> Self {
        self.start = Some(cursor);
        self
    }

    /// How the list is paged. Lists of this crate know; set it only for a monitoring path this
    /// crate does not know that is paged by `offset`. list-tenants is always paged by `next`
    /// (the gateway answers 400 without it): another paging is refused there.
    #[must_use]
    pub fn paging(mut self, paging: Paging) -> Self {
        if self.endpoint.family == "network-msp" && paging != Paging::Cursor {
            let reason = format!(
                "{} is paged by `next`, which the gateway requires; it cannot be paged by offset",
                self.endpoint.path()
            );
            return self.refuse(reason);
        }
        self.endpoint.paging = paging;
        self
    }

    /// The path below the base URL, e.g. `network-monitoring/v1/aps`.
    pub fn path(&self) -> String {
        self.endpoint.path()
    }

    /// The scope whose token the request carries.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The largest page size the endpoint accepts.
    pub fn max_limit(&self) -> u32 {
        self.endpoint.max_limit
    }

    /// The page size that will be asked for.
    pub fn effective_limit(&self) -> u32 {
        self.limit.unwrap_or(self.endpoint.default_limit)
    }

    /// The cursor the first page is asked with.
    fn first_cursor(&self) -> Cursor {
        self.start.clone().unwrap_or(match self.endpoint.paging {
            Paging::Cursor => Cursor::FIRST,
            Paging::Offset => Cursor::Number(0),
        })
    }

    /// Checks the request and builds its query for the page at `cursor`.
    fn page_query(&self, cursor: &Cursor) -> Result<Vec<(&str, String)>, ApiError> {
        self.query.check()?;
        let limit = self.effective_limit();
        if limit == 0 || limit > self.endpoint.max_limit {
            return Err(ApiError::InvalidRequest(format!(
                "limit {limit} is outside 1..={} for {}",
                self.endpoint.max_limit,
                self.endpoint.path()
            )));
        }
        for (name, value) in [("filter", &self.query.filter), ("sort", &self.query.sort)] {
            if let Some(value) = value {
                check_query_expression(name, value)
                    .map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
            }
        }
        let position = match self.endpoint.paging {
            Paging::Cursor => "next",
            Paging::Offset => {
                if !matches!(cursor, Cursor::Number(_))
                    && cursor.query_value().parse::<u64>().is_err()
                {
                    return Err(ApiError::InvalidRequest(format!(
                        "{} is paged by offset, and {cursor:?} is not an offset",
                        self.endpoint.path()
                    )));
                }
                "offset"
            }
        };
        let mut query = vec![
            ("limit", limit.to_string()),
            (position, cursor.query_value()),
        ];
        self.query.append_to(&mut query);
        Ok(query)
    }
}

impl<T: DeserializeOwned + Send + 'static> ListRequest<T> {
    /// Reads one page: the first (or the [`start_at`](Self::start_at) cursor) when `cursor` is
    /// `None`, else the page at `cursor` (a `next` of an earlier page, sent back exactly).
    pub async fn page(&self, cursor: Option<&Cursor>) -> Result<Page<T>, ApiError> {
        let cursor = cursor.cloned().unwrap_or_else(|| self.first_cursor());
        let params = self.page_query(&cursor)?;
        let raw: RawPage<T> = self
            .api
            .get_json(&self.scope, &self.endpoint.path(), &params)
            .await?;
        let next = match self.endpoint.paging {
            Paging::Cursor => raw
                .next
                .filter(|c| !matches!(c, Cursor::Text(t) if t.trim().is_empty())),
            Paging::Offset => {
                let offset = cursor.query_value().parse::<u64>().unwrap_or(0);
                let after = offset.saturating_add(raw.items.items.len() as u64);
                // Without a total, only an empty page ends the list: servers cap `limit`
                // silently, so a short page is not the last one.
                let more = match raw.total {
                    Some(total) => after < total,
                    None => true,
                };
                (!raw.items.items.is_empty() && more).then_some(Cursor::Number(after))
            }
        };
        Ok(Page {
            items: raw.items.items,
            count: raw.count,
            total: raw.total,
            next,
            digest: raw.items.digest,
        })
    }

    /// Every page, read lazily one at a time as the stream is polled, until a stop rule holds
    /// (those of every list, [`Pager`]):
    ///
    /// 1. the page has no `next` (absent, `null` or blank);
    /// 2. the page is empty (even if `next` is set and `total` says more: a server that lies
    ///    about `total` cannot make the stream loop);
    /// 3. the stream has seen as many items as the latest page's `total` (after
    ///    [`start_at`](Self::start_at), only the items since the start count);
    /// 4. the server's `next` is a cursor this stream already sent: the page's items are still
    ///    yielded, then the stream ends with an [`ApiError::Decode`] error (kind `decode`)
    ///    naming the cursor, since going on would loop forever and stopping silently could
    ///    hide missing items;
    /// 5. [`max_pages`](Self::max_pages) pages were read and the last one still has a `next`:
    ///    its items are yielded, then the stream ends with an [`ApiError::Protocol`] error
    ///    naming the endpoint;
    /// 6. a page holds the same items as the page before it (a server that ignores `next`):
    ///    the stream ends with an [`ApiError::Protocol`] error ("page N repeats page N-1")
    ///    instead of that page, so no item is yielded twice.
    ///
    /// More items than `total` is a warning in the log, not an error. For offset-paged lists
    /// without a `total`, only an empty page ends the list (a short page does not: servers cap
    /// `limit` silently).
    ///
    /// An error ends the stream after the pages already yielded. The stream is `Send + 'static`
    /// (it can be spawned) and `Unpin` (no pinning needed to poll it).
    pub fn pages(self) -> impl Stream<Item = Result<Page<T>, ApiError>> + Send + Unpin + 'static {
        let (pager, first) = (self.pager(), self.first_cursor());
        let request = Arc::new(self);
        pager.walk(
            first,
            request.fetcher(),
            |_: &Cursor, page: &mut Page<T>| Ok(page.next.clone()),
        )
    }

    /// Every item of every page, lazily (one page in memory at a time), with the stop rules of
    /// [`pages`](Self::pages). `Send + 'static`, so it can be spawned, and `Unpin`.
    pub fn stream(self) -> impl Stream<Item = Result<T, ApiError>> + Send + Unpin + 'static {
        self.pages()
            .map_ok(|page| futures::stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// Every item, like [`stream`](Self::stream), for a list whose `next` cursor is the page
    /// number (the MSP device inventory): after the first page, which says the page size and
    /// the `total`, the other pages are fetched `at_once` at a time, in order
    /// ([`Pager::walk_numbered`]). An empty page ends the listing; a listing that goes on past
    /// the pages its total promised is followed by its `next` cursor; fewer items than the
    /// first page's `total` ends the stream with an [`ApiError::Protocol`] error after the
    /// items read. Without a believable `total`, the cursors are followed one page at a time.
    ///
    /// After [`start_at`](Self::start_at), or on an offset-paged list, this is
    /// [`stream`](Self::stream).
    pub fn stream_parallel(
        self,
        at_once: usize,
    ) -> impl Stream<Item = Result<T, ApiError>> + Send + Unpin + 'static {
        let pages = if self.start.is_some() || self.endpoint.paging != Paging::Cursor {
            self.pages().boxed()
        } else {
            let (pager, first) = (self.pager(), self.first_cursor());
            let request = Arc::new(self);
            pager.walk_numbered(
                first,
                at_once,
                request.fetcher(),
                |_: &Cursor, page: &mut Page<T>| Ok(page.next.clone()),
                // Page k in the form the server gave its cursors (a number or a string).
                |next: &Cursor, k| match next {
                    Cursor::Number(_) => Cursor::Number(k),
                    Cursor::Text(_) => Cursor::Text(k.to_string()),
                },
            )
        };
        pages
            .map_ok(|page| futures::stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// The pager of this list: its endpoint, in errors, and its page cap.
    fn pager(&self) -> Pager {
        Pager::new(Api::Central, format!("/{}", self.endpoint.path()))
            .max_pages(self.query.max_pages, "ListRequest::max_pages")
    }

    /// Reads the page at a cursor, for a pager.
    fn fetcher(
        self: &Arc<Self>,
    ) -> impl FnMut(Cursor) -> BoxFuture<'static, Result<Page<T>, ApiError>> + Clone + Send + 'static
    {
        let request = Arc::clone(self);
        move |cursor| {
            let request = request.clone();
            async move { request.page(Some(&cursor)).await }.boxed()
        }
    }
}

glp_transport::impl_paged_items!(Page);
