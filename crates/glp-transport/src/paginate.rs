//! [`Pager`]: the pagers of every list, written once. [`Pager::walk`] reads pages one after
//! another (by a `next` cursor or by an item offset: only the step to the next position
//! differs, and the caller gives it); [`Pager::walk_numbered`] reads numbered pages several at
//! a time. Both keep the safety rules of a listing that cannot be trusted to end.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;

use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;

use crate::{Api, ApiError};

/// The most pages one [`Pager::walk`] reads by default: a listing that never ends is an error
/// naming the endpoint, not a hang.
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// The most pages a first page's `total` may promise for [`Pager::walk_numbered`] to believe
/// it and fetch them in parallel (100 million items at 1,000 a page); beyond that the listing
/// is followed page after page instead.
pub const MAX_NUMBERED_PAGES: u64 = 100_000;

/// What a pager needs to know of a page: how many items it brought and what the server says
/// the whole listing holds.
pub trait Paged {
    /// The entries this page brought, as the server sent them (an empty page ends a listing).
    fn received(&self) -> u64;
    /// The number of items the server says the whole listing holds, when it says.
    fn total(&self) -> Option<u64>;
    /// A digest of the page's items as received ([`Items::digest`](crate::Items::digest)),
    /// when the page keeps one: a page with the same digest as the page before it repeats it
    /// (the server ignored the position asked for), and the listing ends with an error
    /// instead of that page. `None` (the default): not checked.
    fn items_digest(&self) -> Option<u64> {
        None
    }
}

/// One listing as its pager sees it: the endpoint its errors name and its page cap.
///
/// [`walk`](Self::walk) reads the pages one at a time, lazily, from a first position: the
/// caller's `fetch` reads the page at a position, and its `next` step says where the following
/// page is (`None` when, by the list's own rule, this page was the last). Whatever the step
/// says, the walk ends:
///
/// 1. after an empty page (even if the step or `total` says more: a server that lies about
///    `total` cannot make it loop);
/// 2. once as many items as the latest page's `total` were seen (counted from the first
///    position);
/// 3. after [`max_pages`](Self::max_pages) pages that still have a successor: the last page is
///    yielded, then an [`ApiError::Protocol`] error naming the endpoint and the setter that
///    raises the cap;
/// 4. when the next position was already asked for in this walk (by its text, as sent): the
///    page is yielded, then an [`ApiError::Decode`] error naming the position (going on would
///    loop forever, stopping silently could hide missing items);
/// 5. when a page holds the same items as the page before it ([`Paged::items_digest`]): an
///    [`ApiError::Protocol`] error saying "page N repeats page N-1" **instead of** that page,
///    so that no item is handed on twice.
///
/// More items than `total` is a warning in the log, once, not an error. An error of `fetch` or
/// of the step ends the walk without that page, after the pages already yielded.
#[derive(Debug, Clone)]
pub struct Pager {
    api: Api,
    path: String,
    max_pages: u64,
    cap_setter: &'static str,
}

impl Pager {
    /// A pager of the list at `path` (as its errors show it, e.g. `/network-msp/v1/list-tenants`)
    /// of `api`, reading at most [`DEFAULT_MAX_PAGES`] pages.
    pub fn new(api: Api, path: impl Into<String>) -> Self {
        Self {
            api,
            path: path.into(),
            max_pages: DEFAULT_MAX_PAGES,
            cap_setter: "max_pages",
        }
    }

    /// Reads at most `pages` pages (at least 1); the cap error tells the user to raise it with
    /// `setter` (e.g. `ListRequest::max_pages`).
    #[must_use]
    pub fn max_pages(mut self, pages: u64, setter: &'static str) -> Self {
        self.max_pages = pages.max(1);
        self.cap_setter = setter;
        self
    }

    /// An [`ApiError::Protocol`] naming this listing's endpoint: the server broke the paging
    /// contract in a way no retry can fix.
    pub fn protocol(&self, detail: String) -> ApiError {
        ApiError::Protocol {
            api: self.api,
            method: "GET",
            path: self.path.clone(),
            detail,
        }
    }

    /// Every page from `first` on, read lazily one at a time as the stream is polled, with the
    /// stop rules of the type's documentation. `fetch(position)` reads one page;
    /// `next(position, page)` says where the following one is, or `None`, and may check or
    /// trim the page before it is yielded (an error ends the walk instead of the page).
    ///
    /// Positions are compared by their text (`Display`, the query value sent), so a cursor sent
    /// as the number 2 and one sent as the string "2" are the same page.
    pub fn walk<P, Pos, F, Fut, N>(
        self,
        first: Pos,
        fetch: F,
        next: N,
    ) -> BoxStream<'static, Result<P, ApiError>>
    where
        P: Paged + Send + 'static,
        Pos: Clone + fmt::Display + Serialize + Send + 'static,
        F: FnMut(Pos) -> Fut + Send + 'static,
        Fut: Future<Output = Result<P, ApiError>> + Send + 'static,
        N: FnMut(&Pos, &mut P) -> Result<Option<Pos>, ApiError> + Send + 'static,
    {
        let walk = Walk {
            at: first,
            sent: HashSet::new(),
            seen: 0,
            pages: 0,
            warned: false,
            previous: None,
        };
        stream::try_unfold(
            (State::At(walk), fetch, next, self),
            |(state, mut fetch, mut next, pager)| async move {
                let walk = match state {
                    State::At(walk) => walk,
                    State::Failed(error) => return Err(error),
                    State::Done => return Ok(None),
                };
                let mut page = fetch(walk.at.clone()).await?;
                let state = pager.after(walk, &mut page, &mut next)?;
                Ok(Some((page, (state, fetch, next, pager))))
            },
        )
        .boxed()
    }

    /// What a walk does after `page`, read at `walk.at` (the page is yielded first). An error
    /// of the step is returned instead of the page.
    fn after<P, Pos, N>(
        &self,
        mut walk: Walk<Pos>,
        page: &mut P,
        next: &mut N,
    ) -> Result<State<Pos>, ApiError>
    where
        P: Paged,
        Pos: Clone + fmt::Display + Serialize,
        N: FnMut(&Pos, &mut P) -> Result<Option<Pos>, ApiError>,
    {
        let path = self.path.as_str();
        let received = page.received();
        let total = page.total();
        walk.pages += 1;
        walk.seen = walk.seen.saturating_add(received);
        if let Some(total) = total
            && walk.seen > total
            && !walk.warned
        {
            walk.warned = true;
            tracing::warn!(
                path,
                total,
                seen = walk.seen,
                "the server sent more items than its total says"
            );
        }
        let stop = |reason: &str| {
            tracing::debug!(path, seen = walk.seen, reason, "last page");
            Ok(State::Done)
        };
        if received == 0 {
            return stop("empty page");
        }
        let digest = page.items_digest();
        if digest.is_some() && digest == walk.previous {
            return Err(self.repeated_page(walk.pages, received, &walk.at));
        }
        walk.previous = digest;
        // The step runs on every non-empty page (it may check or trim it), even the last.
        let following = next(&walk.at, page)?;
        if total.is_some_and(|total| walk.seen >= total) {
            return stop("total reached");
        }
        let Some(following) = following else {
            return stop("no next page");
        };
        walk.sent.insert(walk.at.to_string());
        if walk.pages >= self.max_pages {
            return Ok(State::Failed(self.too_many_pages(walk.pages, total)));
        }
        if walk.sent.contains(&following.to_string()) {
            tracing::warn!(path, cursor = %following, "the server repeated a page position");
            return Ok(State::Failed(self.repeated(&following)));
        }
        walk.at = following;
        Ok(State::At(walk))
    }

    /// Every page of a listing whose pages are numbered (page `k` is at `numbered(&p2, k)`,
    /// where `p2` is the position the first page's step gave), `at_once` pages at a time.
    ///
    /// The first page (at `first`) says the page size and the `total`; pages 2 to
    /// `total / size` (rounded up) are then fetched `at_once` at a time and yielded in order. An
    /// empty page ends the listing (a `total` that lies costs at most `at_once` requests more,
    /// not one per page it promised); so does the last promised page, unless its step gives a
    /// next position, which is then followed by [`walk`](Self::walk). Fewer items than the
    /// first page's `total` then ends the stream with an [`ApiError::Protocol`] error, after
    /// every page read; so does a page that repeats the page before it, instead of that page
    /// (rule 5 of [`Pager`]).
    ///
    /// Without a `total`, with one page, or with a total of more than [`MAX_NUMBERED_PAGES`]
    /// pages (not to be believed), the first page's next position is followed by
    /// [`walk`](Self::walk).
    pub fn walk_numbered<P, Pos, F, Fut, N, K>(
        self,
        first: Pos,
        at_once: usize,
        mut fetch: F,
        mut next: N,
        numbered: K,
    ) -> BoxStream<'static, Result<P, ApiError>>
    where
        P: Paged + Send + 'static,
        Pos: Clone + fmt::Display + Serialize + Send + 'static,
        F: FnMut(Pos) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Result<P, ApiError>> + Send + 'static,
        N: FnMut(&Pos, &mut P) -> Result<Option<Pos>, ApiError> + Clone + Send + 'static,
        K: Fn(&Pos, u64) -> Pos + Send + 'static,
    {
        stream::once(async move {
            let mut page = fetch(first.clone()).await?;
            let previous = page.items_digest();
            let size = page.received();
            let total = page.total().unwrap_or(0);
            let following = if size == 0 {
                None
            } else {
                next(&first, &mut page)?
            };
            let head = stream::iter([Ok(page)]);
            let Some(following) = following else {
                return Ok::<_, ApiError>(head.boxed());
            };
            let pages = total.div_ceil(size);
            if pages <= 1 || pages > MAX_NUMBERED_PAGES {
                // One page, or a total not to be believed: follow the positions.
                return Ok(head.chain(self.walk(following, fetch, next)).boxed());
            }
            let mut fetch_numbered = fetch.clone();
            let numbered_pages = stream::iter((2..=pages).map(move |k| numbered(&following, k)))
                .map(move |at: Pos| {
                    let page = fetch_numbered(at.clone());
                    async move { page.await.map(|page| (at, page)) }
                })
                .buffered(at_once.max(1))
                .boxed();
            let rest = Numbered {
                pages: numbered_pages,
                read: 1,
                previous,
                received: size,
                total,
                last: None,
                pager: self,
                fetch,
                next,
            };
            Ok(head.chain(rest.stream()).boxed())
        })
        .try_flatten()
        .boxed()
    }

    fn too_many_pages(&self, pages: u64, total: Option<u64>) -> ApiError {
        let total = total.map_or_else(|| "not given".to_owned(), |t| t.to_string());
        self.protocol(format!(
            "the listing goes on after {pages} pages (the page cap; total {total}): stopping so \
             as not to list forever (items may be missing); raise the cap with {} if the list \
             really is that long",
            self.cap_setter
        ))
    }

    fn repeated<Pos: fmt::Display + Serialize>(&self, at: &Pos) -> ApiError {
        ApiError::Decode {
            api: self.api,
            method: "GET",
            path: self.path.clone(),
            status: 200,
            detail: format!(
                "the server's next cursor {:?} was already sent in this listing; stopping so as \
                 not to loop forever (items may be missing)",
                at.to_string()
            ),
            excerpt: format!(
                "{{\"next\": {}}}",
                serde_json::to_string(at).unwrap_or_default()
            ),
            truncated: false,
        }
    }

    /// The error of page `page` (counted from the listing's first page read), asked for at
    /// `at`, which holds the same `received` items as the page before it.
    fn repeated_page(&self, page: u64, received: u64, at: &impl fmt::Display) -> ApiError {
        tracing::warn!(path = %self.path, page, "the server repeated the page before");
        self.protocol(format!(
            "page {page} repeats page {} (the same {received} items, for the position {}): the \
             server does not follow the paging position; stopping before the repeated items are \
             used (the listing is incomplete)",
            page.saturating_sub(1),
            glp_core::text::untrusted(&at.to_string())
        ))
    }

    fn short_of_total(&self, received: u64, total: u64) -> ApiError {
        self.protocol(format!(
            "the listing ended with {received} of the {total} items its total announced (items \
             may be missing)"
        ))
    }
}

/// Where a [`Pager::walk`] is: the position to read next and what it has seen.
struct Walk<Pos> {
    at: Pos,
    /// The positions sent so far, as sent (one short string per page, not per item).
    sent: HashSet<String>,
    seen: u64,
    /// Pages read so far.
    pages: u64,
    warned: bool,
    /// The items digest of the page read last.
    previous: Option<u64>,
}

/// What a [`Pager::walk`] does when it is next polled.
enum State<Pos> {
    /// Reads the page at this walk's position.
    At(Walk<Pos>),
    /// Ends with this error (the page that caused it was yielded).
    Failed(ApiError),
    /// Ends.
    Done,
}

/// The numbered pages of a [`Pager::walk_numbered`] after the first, in order, and what came of
/// them.
struct Numbered<P, Pos, F, N> {
    pages: BoxStream<'static, Result<(Pos, P), ApiError>>,
    /// Pages read so far, the first one included.
    read: u64,
    /// The items digest of the page read last.
    previous: Option<u64>,
    /// Items received so far, the first page's included.
    received: u64,
    /// The first page's `total`.
    total: u64,
    /// The position the last page read gave.
    last: Option<Pos>,
    pager: Pager,
    fetch: F,
    next: N,
}

impl<P, Pos, F, Fut, N> Numbered<P, Pos, F, N>
where
    P: Paged + Send + 'static,
    Pos: Clone + fmt::Display + Serialize + Send + 'static,
    F: FnMut(Pos) -> Fut + Send + 'static,
    Fut: Future<Output = Result<P, ApiError>> + Send + 'static,
    N: FnMut(&Pos, &mut P) -> Result<Option<Pos>, ApiError> + Send + 'static,
{
    /// The numbered pages until one is empty or they are all read, then what follows: the
    /// last page's next position walked, the error of a listing short of its total, or nothing.
    fn stream(self) -> BoxStream<'static, Result<P, ApiError>> {
        fn one<P: Send + 'static>(
            item: Result<P, ApiError>,
        ) -> BoxStream<'static, Result<P, ApiError>> {
            stream::iter([item]).boxed()
        }
        stream::unfold(Some(self), |state| async move {
            let mut state = state?;
            let item = state.pages.next().await;
            let end = match item {
                Some(Err(error)) => one(Err(error)),
                Some(Ok((at, mut page))) if page.received() > 0 => {
                    state.read += 1;
                    let digest = page.items_digest();
                    if digest.is_some() && digest == state.previous {
                        let error = state.pager.repeated_page(state.read, page.received(), &at);
                        return Some((one(Err(error)), None));
                    }
                    state.previous = digest;
                    state.received = state.received.saturating_add(page.received());
                    return Some(match (state.next)(&at, &mut page) {
                        Ok(following) => {
                            state.last = following;
                            (one(Ok(page)), Some(state))
                        }
                        Err(error) => (one(Err(error)), None),
                    });
                }
                // After the promised pages, a position the last one gave is followed.
                None if state.last.is_some() => {
                    let Numbered {
                        last,
                        pager,
                        fetch,
                        next,
                        ..
                    } = state;
                    match last {
                        Some(at) => pager.walk(at, fetch, next),
                        None => stream::empty().boxed(),
                    }
                }
                // An empty page, or the promised pages read and no next position.
                _ if state.received < state.total => {
                    one(Err(state.pager.short_of_total(state.received, state.total)))
                }
                _ => stream::empty().boxed(),
            };
            Some((end, None))
        })
        .flatten()
        .boxed()
    }
}

#[cfg(test)]
mod tests;
