//! [`paginate`]: turns a page-fetching function into a stream of items.

use std::future::Future;

use futures::{Stream, TryStreamExt, stream};

use crate::ApiError;

/// Streams the items of every page: `fetch(cursor)` returns one page's items and the cursor of
/// the next page, or `None` when the caller's stop rule says this was the last page.
///
/// Pages are fetched lazily, one at a time, as the stream is read; an error ends the stream
/// after the items already yielded.
pub fn paginate<T, C, F, Fut>(first: C, mut fetch: F) -> impl Stream<Item = Result<T, ApiError>>
where
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<C>), ApiError>>,
{
    stream::try_unfold(Some(first), move |cursor| {
        let page = cursor.map(&mut fetch);
        async move {
            match page {
                None => Ok(None),
                Some(page) => {
                    let (items, next) = page.await?;
                    Ok(Some((stream::iter(items.into_iter().map(Ok)), next)))
                }
            }
        }
    })
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn flattens_until_no_cursor() {
        let items: Vec<u32> = paginate(0u32, |page| async move {
            Ok((
                vec![page * 10, page * 10 + 1],
                (page < 2).then_some(page + 1),
            ))
        })
        .try_collect()
        .await
        .expect("pages");
        assert_eq!(items, vec![0, 1, 10, 11, 20, 21]);
    }

    #[tokio::test]
    async fn error_ends_the_stream_after_earlier_items() {
        let results: Vec<Result<u32, ApiError>> = paginate(0u32, |page| async move {
            if page == 1 {
                Err(ApiError::InvalidRequest("boom".into()))
            } else {
                Ok((vec![page], Some(page + 1)))
            }
        })
        .collect()
        .await;
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        assert!(results[1].is_err());
    }
}
