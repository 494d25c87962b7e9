//! The pager's tests: scripted pages, no HTTP, one test per rule.

use super::*;
use std::collections::HashMap;
use std::ops::Range;
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
    fn items_digest(&self) -> Option<u64> {
        // The items themselves stand for their text.
        Some(self.items.iter().fold(self.items.len() as u64, |d, i| {
            d.wrapping_mul(1_000_003).wrapping_add(u64::from(*i))
        }))
    }
}

fn page(items: Range<u32>, total: Option<u64>, next: Option<u64>) -> Page {
    Page {
        items: items.collect(),
        total,
        next,
    }
}

/// The pages of `script` at positions 1, 2, ...: each its items and the `next` it gives, all
/// claiming `total`.
fn from_one(
    total: Option<u64>,
    script: impl IntoIterator<Item = (Range<u32>, Option<u64>)>,
) -> Vec<(u64, Page)> {
    (1..)
        .zip(script)
        .map(|(k, (items, next))| (k, page(items, total, next)))
        .collect()
}

/// A well-formed cursor list: page `k` (from 1) holds the next `sizes[k - 1]` items (0, 1, ...),
/// claims `total` and points to `k + 1`; the last page points nowhere.
fn chain(sizes: &[u32], total: Option<u64>) -> Vec<(u64, Page)> {
    let last = sizes.len() as u64;
    let mut start = 0;
    from_one(
        total,
        sizes.iter().zip(1..).map(|(&size, k)| {
            let items = start..start + size;
            start += size;
            (items, (k < last).then_some(k + 1))
        }),
    )
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

/// Asserts that `error` is a protocol error, not transient, whose text names the endpoint and
/// holds each of `parts`.
fn assert_protocol_error(error: &ApiError, parts: &[&str]) {
    assert_eq!(error.kind(), "protocol");
    assert!(!error.is_transient());
    let text = error.to_string();
    for part in ["/network-monitoring/v1/aps"].iter().chain(parts) {
        assert!(text.contains(part), "{part}: {text}");
    }
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
    let server = Server::new(chain(&[2, 1, 2], None));
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
    let server = Server::new(chain(&[2, 0, 2], Some(10)));
    let results = walk(pager(), &server).await;
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.asked(), [1, 2]);
}

#[tokio::test]
async fn reaching_total_stops_even_if_a_next_position_is_given() {
    let server = Server::new(chain(&[3, 2, 2], Some(5)));
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
    let server = Server::new((1..=20).map(|n| {
        let item = n as u32;
        (n, page(item..item + 1, Some(1_000_000), Some(n + 1)))
    }));
    let results = walk(pager().max_pages(5, "Test::max_pages"), &server).await;
    assert_eq!(results.len(), 6);
    assert!(results[..5].iter().all(Result::is_ok));
    let error = results[5].as_ref().expect_err("the cap");
    assert_protocol_error(error, &["5 pages", "page cap", "Test::max_pages"]);
    assert_eq!(server.asked(), [1, 2, 3, 4, 5]);
    // The cap is at least one page.
    let results = walk(pager().max_pages(0, "Test::max_pages"), &server).await;
    assert_eq!(results.len(), 2);
}

#[tokio::test]
async fn a_repeated_position_yields_the_page_then_ends_with_a_decode_error() {
    let server = Server::new(from_one(None, [(0..2, Some(2)), (2..4, Some(2))]));
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
    let server = Server::new(from_one(None, [(0..1, Some(2)), (1..2, Some(1))]));
    let results = walk(pager(), &server).await;
    assert_eq!(results.len(), 3);
    assert!(results[2].is_err());
    assert_eq!(server.asked(), [1, 2]);
}

#[tokio::test]
async fn a_page_that_repeats_the_one_before_ends_the_walk_instead_of_being_yielded() {
    // A server that ignores the cursor: page 2 holds page 1's items again.
    let server = Server::new(from_one(
        None,
        [(0..2, Some(2)), (0..2, Some(3)), (2..4, None)],
    ));
    let results = walk(pager(), &server).await;
    assert_eq!(results.len(), 2);
    assert_eq!(
        items(&results),
        [0, 1],
        "the repeated items are not yielded"
    );
    let error = results[1].as_ref().expect_err("the repeat");
    assert_protocol_error(error, &["page 2 repeats page 1", "the same 2 items"]);
    assert_eq!(server.asked(), [1, 2]);

    // One that ignores the offset, with a total: it used to be read to its total, every item
    // three times.
    let server = Server::new((0..3).map(|k| (k * 2, page(0..2, Some(6), None))));
    let results: Vec<_> = pager()
        .walk(0, server.fetch(), |at: &u64, page: &mut Page| {
            Ok(Some(at + page.received()))
        })
        .collect()
        .await;
    assert_eq!(items(&results), [0, 1]);
    assert!(results[1].is_err());
    assert_eq!(server.asked(), [0, 2]);

    // Equal items that are not neighbours are a listing's own business.
    let server = Server::new(from_one(
        None,
        [(0..2, Some(2)), (2..4, Some(3)), (0..2, None)],
    ));
    let results = walk(pager(), &server).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(items(&results), [0, 1, 2, 3, 0, 1]);
}

#[tokio::test]
async fn a_numbered_page_that_repeats_the_one_before_ends_the_listing_instead() {
    // Every numbered page is the first one again (the page number is ignored).
    let server = Server::new((1..=4).map(|k| (k, page(0..3, Some(12), Some(k + 1)))));
    let results = numbered(&server, 4).await;
    assert_eq!(items(&results), [0, 1, 2]);
    assert_eq!(results.len(), 2);
    let error = results[1].as_ref().expect_err("the repeat");
    assert!(
        error.to_string().contains("page 2 repeats page 1"),
        "{error}"
    );
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
    let server = Server::new(from_one(None, [(0..2, Some(2)), (2..4, Some(3))]));
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
    let server = Server::new(chain(&[3, 3, 3, 1], Some(10)));
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
    let server = Server::new(chain(&[2, 1, 1], Some(5)));
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
        let server = Server::new(chain(&[2, 2, 1], total));
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
    let script = chain(&[2, 2, 2, 2], Some(8));
    let server = Server::new(script.into_iter().filter(|&(k, _)| k != 3));
    let results = numbered(&server, 1).await;
    assert_eq!(results.len(), 3);
    assert!(matches!(results[2], Err(ApiError::InvalidRequest(_))));
    assert_eq!(server.asked(), [1, 2, 3]);
}
