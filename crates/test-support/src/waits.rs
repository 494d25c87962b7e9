//! A recorder of the waits a retry loop asks for, so a test asserts on the waits asked for
//! rather than on a clock. A crate's tests wrap it in their own `Sleeper` (the trait belongs
//! to `glp-transport`, which this crate does not depend on) whose `sleep` is
//! [`Waits::record`].

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;

/// The waits asked for so far, and a signal for each new one.
#[derive(Debug, Default)]
pub struct Waits {
    asked: Mutex<Vec<Duration>>,
    recorded: tokio::sync::Notify,
}

impl Waits {
    /// Records `duration` and returns a future that is ready at once (nothing sleeps).
    pub fn record(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(duration);
        self.recorded.notify_waiters();
        Box::pin(std::future::ready(()))
    }

    /// The waits asked for so far, in order.
    pub fn asked(&self) -> Vec<Duration> {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Returns once `n` waits have been asked for (an event, not a guessed time).
    pub async fn until_asked(&self, n: usize) {
        loop {
            // Created before the check, so a wait recorded in between still wakes it.
            let recorded = self.recorded.notified();
            if self.asked().len() >= n {
                return;
            }
            recorded.await;
        }
    }
}
