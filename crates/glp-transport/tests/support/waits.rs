//! The retry loop's [`Sleeper`] for tests, shared by the `glp-transport` and `glp-auth` tests
//! (the latter include this file by path): test-support's recorder behind the trait.

use std::time::Duration;

use futures::future::BoxFuture;
use glp_transport::Sleeper;

/// A [`Sleeper`] that records every wait the retry loop asks for and returns at once, so a test
/// asserts on the waits asked for rather than on a clock. The pacer's pauses (after a 429) are
/// not its business: they still hold requests back on tokio's clock.
#[derive(Debug, Default)]
pub struct Waits(test_support::waits::Waits);

impl std::ops::Deref for Waits {
    type Target = test_support::waits::Waits;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Sleeper for Waits {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.0.record(duration)
    }
}
