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
///    loop forever, stopping silently could hide missing items).
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
    /// every page read.
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
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    /// A scripted page: its items, the `total` it claims and the `next` it gives.
    #[derive(Debug, Clone, PartialEq)]
    struct Page {
        items: Vec<u32>,
        total: Option<u64>,
        next: Option<u64>,
    }

    impl Paged for Page {
        fn received(&self) -> u64 {
            self.items.len() as u64
        }
        fn total(&self) -> Option<u64> {
            self.total
        }
    }

    fn page(items: std::ops::Range<u32>, total: Option<u64>, next: Option<u64>) -> Page {
        Page {
            items: items.collect(),
            total,
            next,
        }
    }

    /// A server answering from `script` (a 404-like error for a position it does not know),
    /// and the positions it was asked for, in order.
    #[derive(Clone, Default)]
    struct Server {
        script: Arc<HashMap<u64, Page>>,
        asked: Arc<Mutex<Vec<u64>>>,
    }

    impl Server {
        fn new(script: impl IntoIterator<Item = (u64, Page)>) -> Self {
            Self {
                script: Arc::new(script.into_iter().collect()),
                asked: Arc::default(),
            }
        }

        fn fetch(
            &self,
        ) -> impl FnMut(u64) -> futures::future::Ready<Result<Page, ApiError>> + Clone + Send + 'static
        {
            let server = self.clone();
            move |at| {
                server.asked.lock().expect("lock").push(at);
                futures::future::ready(
                    server
                        .script
                        .get(&at)
                        .cloned()
                        .ok_or_else(|| ApiError::InvalidRequest(format!("no page at {at}"))),
                )
            }
        }

        fn asked(&self) -> Vec<u64> {
            self.asked.lock().expect("lock").clone()
        }
    }

    /// The step of a cursor-paged list: the page's own `next`.
    fn by_cursor(_: &u64, page: &mut Page) -> Result<Option<u64>, ApiError> {
        Ok(page.next)
    }

    fn pager() -> Pager {
        Pager::new(Api::Central, "/network-monitoring/v1/aps").max_pages(100, "Test::max_pages")
    }

    async fn walk(pager: Pager, server: &Server) -> Vec<Result<Page, ApiError>> {
        pager.walk(1, server.fetch(), by_cursor).collect().await
    }

    fn items(results: &[Result<Page, ApiError>]) -> Vec<u32> {
        results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .flat_map(|p| p.items.clone())
            .collect()
    }

    #[tokio::test]
    async fn follows_the_step_until_it_gives_no_next_position() {
        let server = Server::new([
            (1, page(0..2, None, Some(2))),
            (2, page(2..3, None, Some(3))),
            (3, page(3..5, None, None)),
        ]);
        let results = walk(pager(), &server).await;
        assert_eq!(items(&results), [0, 1, 2, 3, 4]);
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(server.asked(), [1, 2, 3]);
    }

    #[tokio::test]
    async fn nothing_is_fetched_before_the_stream_is_polled() {
        let server = Server::new([(1, page(0..1, None, None))]);
        let stream = pager().walk(1, server.fetch(), by_cursor);
        assert!(server.asked().is_empty());
        drop(stream);
        assert!(server.asked().is_empty());
    }

    #[tokio::test]
    async fn an_empty_page_stops_even_if_the_step_and_total_say_more() {
        let server = Server::new([
            (1, page(0..2, Some(10), Some(2))),
            (2, page(0..0, Some(10), Some(3))),
            (3, page(2..4, Some(10), None)),
        ]);
        let results = walk(pager(), &server).await;
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(server.asked(), [1, 2]);
    }

    #[tokio::test]
    async fn reaching_total_stops_even_if_a_next_position_is_given() {
        let server = Server::new([
            (1, page(0..3, Some(5), Some(2))),
            (2, page(3..5, Some(5), Some(3))),
            (3, page(5..7, Some(5), None)),
        ]);
        let results = walk(pager(), &server).await;
        assert_eq!(items(&results), [0, 1, 2, 3, 4]);
        assert_eq!(server.asked(), [1, 2]);
    }

    #[tokio::test]
    async fn more_items_than_total_is_not_an_error() {
        let server = Server::new([(1, page(0..3, Some(2), Some(2)))]);
        let results = walk(pager(), &server).await;
        assert_eq!(items(&results), [0, 1, 2]);
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(server.asked(), [1]);
    }

    #[tokio::test]
    async fn the_page_cap_yields_the_pages_read_then_an_error_naming_the_endpoint() {
        let server = Server::new((1..=20).map(|n| (n, page(0..1, Some(1_000_000), Some(n + 1)))));
        let results = walk(pager().max_pages(5, "Test::max_pages"), &server).await;
        assert_eq!(results.len(), 6);
        assert!(results[..5].iter().all(Result::is_ok));
        let error = results[5].as_ref().expect_err("the cap");
        assert_eq!(error.kind(), "protocol");
        assert!(!error.is_transient());
        let text = error.to_string();
        for part in [
            "/network-monitoring/v1/aps",
            "5 pages",
            "page cap",
            "Test::max_pages",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        assert_eq!(server.asked(), [1, 2, 3, 4, 5]);
        // The cap is at least one page.
        let results = walk(pager().max_pages(0, "Test::max_pages"), &server).await;
        assert_eq!(results.len(), 2);
    }

    #[tokio::test]
    async fn a_repeated_position_yields_the_page_then_ends_with_a_decode_error() {
        let server = Server::new([
            (1, page(0..2, None, Some(2))),
            (2, page(2..4, None, Some(2))),
        ]);
        let results = walk(pager(), &server).await;
        assert_eq!(results.len(), 3);
        assert_eq!(items(&results), [0, 1, 2, 3]);
        let error = results[2].as_ref().expect_err("the repeat");
        assert_eq!(error.kind(), "decode");
        assert!(
            error.to_string().contains("\"2\" was already sent"),
            "{error}"
        );
        assert_eq!(server.asked(), [1, 2]);

        // A longer cycle: 1 -> 2 -> 1.
        let server = Server::new([
            (1, page(0..1, None, Some(2))),
            (2, page(1..2, None, Some(1))),
        ]);
        let results = walk(pager(), &server).await;
        assert_eq!(results.len(), 3);
        assert!(results[2].is_err());
        assert_eq!(server.asked(), [1, 2]);
    }

    #[tokio::test]
    async fn an_error_ends_the_walk_after_the_pages_already_read() {
        // Page 2 is not scripted: fetching it fails.
        let server = Server::new([(1, page(0..2, None, Some(2)))]);
        let results = walk(pager(), &server).await;
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        assert!(matches!(results[1], Err(ApiError::InvalidRequest(_))));

        // An error of the step replaces its page, and nothing follows it.
        let server = Server::new([
            (1, page(0..2, None, Some(2))),
            (2, page(2..4, None, Some(3))),
        ]);
        let results: Vec<_> = pager()
            .walk(1, server.fetch(), |at: &u64, page: &mut Page| {
                if *at == 2 {
                    Err(ApiError::InvalidRequest("refused".into()))
                } else {
                    Ok(page.next)
                }
            })
            .collect()
            .await;
        assert_eq!(results.len(), 2);
        assert!(results[1].is_err());
        assert_eq!(server.asked(), [1, 2]);
    }

    #[tokio::test]
    async fn the_step_may_trim_a_page_and_decide_the_offset() {
        // Offset paging: the next offset is this one plus the items received; the step drops
        // odd items (as a de-duplicating layer would) without changing where the walk goes.
        let server = Server::new([
            (0, page(0..3, Some(5), None)),
            (3, page(3..5, Some(5), None)),
        ]);
        let results: Vec<_> = pager()
            .walk(0, server.fetch(), |at: &u64, page: &mut Page| {
                let next = at + page.received();
                page.items.retain(|i| i % 2 == 0);
                Ok(Some(next))
            })
            .collect()
            .await;
        assert_eq!(items(&results), [0, 2, 4]);
        assert_eq!(server.asked(), [0, 3]);
    }

    /// Numbered pages: page `k` at position `k`, the first page's `next` is 2.
    async fn numbered(server: &Server, at_once: usize) -> Vec<Result<Page, ApiError>> {
        pager()
            .walk_numbered(1, at_once, server.fetch(), by_cursor, |_: &u64, k| k)
            .collect()
            .await
    }

    #[tokio::test]
    async fn numbered_pages_are_read_in_order() {
        let server = Server::new([
            (1, page(0..3, Some(10), Some(2))),
            (2, page(3..6, Some(10), Some(3))),
            (3, page(6..9, Some(10), Some(4))),
            (4, page(9..10, Some(10), None)),
        ]);
        let results = numbered(&server, 2).await;
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(items(&results), (0..10).collect::<Vec<_>>());
        assert_eq!(server.asked(), [1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn an_empty_numbered_page_ends_the_listing_with_a_short_of_total_error() {
        // The first page promises 1,000 pages; page 2 is empty.
        let mut script: Vec<(u64, Page)> = vec![(1, page(0..1, Some(1000), Some(2)))];
        script.extend((2..=1000).map(|k| (k, page(0..0, Some(1000), None))));
        let server = Server::new(script);
        let results = numbered(&server, 4).await;
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        let error = results[1].as_ref().expect_err("short of total");
        assert_eq!(error.kind(), "protocol");
        assert!(error.to_string().contains("1 of the 1000"), "{error}");
        let asked = server.asked();
        assert!((2..=5).contains(&asked.len()), "{asked:?}");
    }

    #[tokio::test]
    async fn numbered_pages_short_of_total_are_an_error_after_every_page() {
        let server = Server::new([
            (1, page(0..2, Some(5), Some(2))),
            (2, page(2..3, Some(5), Some(3))),
            (3, page(3..4, Some(5), None)),
        ]);
        let results = numbered(&server, 4).await;
        assert_eq!(items(&results), [0, 1, 2, 3]);
        let error = results
            .last()
            .expect("results")
            .as_ref()
            .expect_err("short");
        assert!(error.to_string().contains("4 of the 5"), "{error}");
    }

    #[tokio::test]
    async fn after_the_promised_pages_the_last_next_position_is_walked() {
        let server = Server::new([
            (1, page(0..2, Some(4), Some(2))),
            (2, page(2..4, Some(4), Some(3))),
            (3, page(4..6, Some(6), None)),
        ]);
        let results = numbered(&server, 4).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(items(&results), [0, 1, 2, 3, 4, 5]);
        assert_eq!(server.asked(), [1, 2, 3]);
    }

    #[tokio::test]
    async fn without_a_believable_total_numbered_pages_are_walked() {
        for total in [None, Some(MAX_NUMBERED_PAGES * 2 + 1)] {
            let server = Server::new([
                (1, page(0..2, total, Some(2))),
                (2, page(2..4, total, Some(3))),
                (3, page(4..5, total, None)),
            ]);
            let results = numbered(&server, 4).await;
            assert!(results.iter().all(Result::is_ok), "{total:?}: {results:?}");
            assert_eq!(items(&results), [0, 1, 2, 3, 4]);
            assert_eq!(server.asked(), [1, 2, 3]);
        }
        // An empty first page is the whole listing.
        let server = Server::new([(1, page(0..0, Some(5), Some(2)))]);
        let results = numbered(&server, 4).await;
        assert_eq!(results.len(), 1);
        assert_eq!(server.asked(), [1]);
    }

    #[tokio::test]
    async fn an_error_of_a_numbered_page_ends_the_listing() {
        // Page 3 is not scripted.
        let server = Server::new([
            (1, page(0..2, Some(8), Some(2))),
            (2, page(2..4, Some(8), Some(3))),
            (4, page(6..8, Some(8), None)),
        ]);
        let results = numbered(&server, 1).await;
        assert_eq!(results.len(), 3);
        assert!(matches!(results[2], Err(ApiError::InvalidRequest(_))));
        assert_eq!(server.asked(), [1, 2, 3]);
    }
}
