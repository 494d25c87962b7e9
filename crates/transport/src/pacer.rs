//! [`Pacer`]: client-side pacing with `governor`, paused as a whole by a server's 429.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Jitter, Quota, RateLimiter};
use tokio::time::Instant;

/// Paces the requests of one API: at most `rate` per second across every clone of the client
/// and every tenant, and nothing at all while the server's `Retry-After` runs.
#[derive(Debug)]
pub struct Pacer {
    limiter: Option<DefaultDirectRateLimiter>,
    jitter: Duration,
    paused_until: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer allowing `rate` requests per second (None: unlimited) with bursts of `burst`.
    pub fn new(rate: Option<f64>, burst: u32) -> Self {
        let limiter = rate.filter(|r| r.is_finite() && *r > 0.0).and_then(|r| {
            let period = Duration::from_secs_f64(1.0 / r);
            Quota::with_period(period)
                .map(|q| q.allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN)))
                .map(RateLimiter::direct)
        });
        let jitter = rate
            .filter(|r| *r > 0.0)
            .map(|r| Duration::from_secs_f64(0.05 / r).min(Duration::from_millis(5)))
            .unwrap_or(Duration::ZERO);
        Self {
            limiter,
            jitter,
            paused_until: Mutex::new(None),
        }
    }

    /// Waits until a request may be sent.
    pub async fn ready(&self) {
        self.wait_pause().await;
        if let Some(limiter) = &self.limiter {
            limiter
                .until_ready_with_jitter(Jitter::up_to(self.jitter))
                .await;
            // A 429 may have paused the API while this request waited for its turn.
            self.wait_pause().await;
        }
    }

    /// Holds every request of this API back for `duration` from now (a server's `Retry-After`).
    pub fn pause_for(&self, duration: Duration) {
        let until = Instant::now() + duration;
        let mut paused = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    async fn wait_pause(&self) {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn paces_to_the_rate() {
        let pacer = Pacer::new(Some(50.0), 1);
        let start = Instant::now();
        for _ in 0..11 {
            pacer.ready().await;
        }
        // 10 intervals of 20 ms after the first permit.
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn pause_holds_everyone_back() {
        let pacer = Pacer::new(None, 1);
        pacer.pause_for(Duration::from_millis(150));
        pacer.pause_for(Duration::from_millis(10)); // a shorter pause never shortens a longer one
        let start = Instant::now();
        pacer.ready().await;
        assert!(start.elapsed() >= Duration::from_millis(140));
    }

    #[tokio::test]
    async fn unlimited_is_immediate() {
        let pacer = Pacer::new(None, 1);
        let start = Instant::now();
        for _ in 0..1000 {
            pacer.ready().await;
        }
        assert!(start.elapsed() < Duration::from_millis(100));
    }
}
