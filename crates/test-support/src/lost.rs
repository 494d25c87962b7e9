//! [`sent_once_when_lost`]: the check every write's contract makes, that a write whose answer
//! is lost after it may have taken effect is never sent twice.

use std::future::Future;

use crate::{Reply, Server};

/// For each of `losses` (an answer after which the write may have taken effect: a 5xx, a body
/// cut off), starts a [`Server`] answering it to every request, runs `call` with its base URL,
/// and asserts that `call` failed and that `method` `path` was sent exactly once. The errors,
/// in the order of `losses`, for the caller's own checks (e.g. that each is an unknown outcome).
pub async fn sent_once_when_lost<T, E, F, Fut>(
    (method, path): (&str, &str),
    losses: impl IntoIterator<Item = Reply>,
    call: F,
) -> Vec<E>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut errors = Vec::new();
    for lost in losses {
        let status = lost.status_code();
        let server = Server::scripted([lost.clone(), lost]);
        let Err(e) = call(server.base_url().to_owned()).await else {
            panic!("a lost answer ({status}) is an error");
        };
        assert_eq!(server.count(method, path), 1, "{status}: sent once");
        errors.push(e);
    }
    errors
}
