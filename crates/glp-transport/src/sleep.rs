//! [`Sleeper`]: how the retry loop waits between two attempts, injected through the
//! [`Transport`](crate::Transport) so that tests can record the waits the loop asks for instead
//! of measuring them on a clock.

use std::time::Duration;

use futures::future::BoxFuture;

/// Waits between two attempts of [`ApiClient::send`](crate::ApiClient::send): the backoff after
/// a transient failure, the server's `Retry-After` after a 429. The default is
/// [`TokioSleeper`]; set another with [`Transport::with_sleeper`](crate::Transport::with_sleeper)
/// (e.g. one that records each wait and returns at once, in a test).
///
/// Only the retry loop's waits go through it: the [`Pacer`](crate::Pacer)'s pauses and spacing
/// are instants on tokio's clock (pause that clock to test them), and a ceiling
/// ([`ApiClientBuilder::rate_limit`](crate::ApiClientBuilder::rate_limit)) keeps its own.
pub trait Sleeper: Send + Sync + std::fmt::Debug {
    /// A future that completes once `duration` has passed.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// [`Sleeper`] on tokio's clock ([`tokio::time::sleep`]): the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_default_sleeps_on_tokios_clock() {
        let start = tokio::time::Instant::now();
        TokioSleeper.sleep(Duration::from_secs(90)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(90));
    }
}
