//! [`OffsetPage`]: one page of a GreenLake offset-paged list, and the stop rule of every such
//! list.

use serde::Serialize;

/// One page of a GreenLake offset-paged list: `{offset, count, total, items}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OffsetPage<T> {
    /// The offset of the first item (as echoed, or as asked when the server echoes none).
    pub offset: u64,
    /// The items the server says the page holds (the items received when it says nothing).
    pub count: u64,
    /// The items the server says the whole list holds, when it says.
    pub total: Option<u64>,
    /// The items.
    pub items: Vec<T>,
    /// The digest of the items' text as received (see
    /// [`Paged::items_digest`](glp_transport::Paged::items_digest)).
    #[serde(skip)]
    pub(crate) digest: u64,
}

impl<T> OffsetPage<T> {
    /// The offset of the next page: this offset plus the items received.
    pub fn next_offset(&self) -> u64 {
        self.offset.saturating_add(self.items.len() as u64)
    }

    /// Whether no page follows: this one is empty, or reaches `total` (by the server's
    /// `offset + count` or by the items received). Without a `total` only an empty page is the
    /// last: servers cap `limit` silently, so a short page says nothing.
    pub fn is_last(&self) -> bool {
        is_last_page(self.offset, self.count, self.items.len() as u64, self.total)
    }
}

/// The stop rule of every GreenLake offset list (msp-tenants too): a page is the last when it
/// is empty or reaches `total`.
pub(crate) fn is_last_page(offset: u64, count: u64, received: u64, total: Option<u64>) -> bool {
    received == 0
        || total.is_some_and(|total| {
            offset.saturating_add(count) >= total || offset.saturating_add(received) >= total
        })
}

glp_transport::impl_paged_items!(OffsetPage);
