//! GreenLake's few lists paged by a `next` cursor (`wellness/v2/...`,
//! `service-catalog/v1beta1/...` in HPE's specs), read through [`OffsetListRequest`]'s
//! [`cursor_stream`](OffsetListRequest::cursor_stream) on the one pager.

use super::*;

/// A page of a cursor-paged GreenLake list: `{items, count, total, next}` (`items` may be
/// `null`).
#[derive(Deserialize)]
struct CursorWire<T> {
    #[serde(default = "Option::default")]
    items: Option<Vec<T>>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    next: Option<String>,
}

/// A page as the pager sees it: its items, its `total`, and the cursor of the next one.
struct CursorPage<T> {
    items: Vec<T>,
    total: Option<u64>,
    next: Option<String>,
}

impl<T> Paged for CursorPage<T> {
    fn received(&self) -> u64 {
        self.items.len() as u64
    }

    fn total(&self) -> Option<u64> {
        self.total
    }
}

impl<T: DeserializeOwned + Send + 'static> OffsetListRequest<T> {
    /// Every item of a GreenLake list paged by a `next` cursor, lazily: the first page asked
    /// without `next`, each following one with the `next` the previous page gave (sent back as
    /// received), until a page gives none (blank counts as none); `offset` is not sent. The
    /// pager's rules hold as for [`stream`](Self::stream): an empty page or reaching `total`
    /// ends it, a repeated cursor is an [`ApiError::Decode`] error, the page cap an
    /// [`ApiError::Protocol`] error.
    pub fn cursor_stream(self) -> BoxStream<'static, Result<T, ApiError>> {
        let pager = self.pager();
        let request = Arc::new(self);
        pager
            .walk(
                String::new(),
                move |next: String| {
                    let request = request.clone();
                    async move { request.cursor_page(&next).await }
                },
                |_: &String, page: &mut CursorPage<T>| {
                    Ok(page.next.take().filter(|n| !n.trim().is_empty()))
                },
            )
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// The page at cursor `next` (the first page for an empty one).
    async fn cursor_page(&self, next: &str) -> Result<CursorPage<T>, ApiError> {
        let mut query = self.page_query(0)?;
        query.retain(|(key, _)| *key != "offset");
        if !next.is_empty() {
            query.push(("next", next.to_owned()));
        }
        let wire: CursorWire<T> = self.api.get_json(&self.scope, &self.path, &query).await?;
        Ok(CursorPage {
            items: wire.items.unwrap_or_default(),
            total: wire.total,
            next: wire.next,
        })
    }
}
