//! [`Pacer`]: client-side pacing with `governor`, paused as a whole by a server's 429.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use glp_auth::retry::MAX_SERVER_WAIT;
use governor::{DefaultDirectRateLimiter, Jitter, Quota, RateLimiter};
use tokio::time::Instant;

/// The lowest rate a pacer runs at: one request an hour (a lower one is raised to it).
pub const MIN_RATE: f64 = 1.0 / 3600.0;

/// Paces the requests of one API: at most `rate` per second across every clone of the client
/// and every tenant, and nothing at all while the server's `Retry-After` runs.
#[derive(Debug)]
pub struct Pacer {
    limiter: Option<DefaultDirectRateLimiter>,
    jitter: Duration,
    paused_until: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer allowing `rate` requests per second (None, NaN or a non-positive rate: unlimited;
    /// at least [`MIN_RATE`]) with bursts of `burst`.
    pub fn new(rate: Option<f64>, burst: u32) -> Self {
        // Below one request an hour governor's arithmetic overflows (found by a property test).
        let rate = rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| r.max(MIN_RATE));
        let limiter = rate.and_then(|r| {
            let period = Duration::try_from_secs_f64(1.0 / r).ok()?;
            Quota::with_period(period)
                .map(|q| q.allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN)))
                .map(RateLimiter::direct)
        });
        let jitter = rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .and_then(|r| Duration::try_from_secs_f64(0.05 / r).ok())
            .map(|d| d.min(Duration::from_millis(5)))
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
        self.wait_limiter().await;
    }

    /// Waits until a request may be sent, unless the pause the server asked for lasts longer
    /// than `left`: then returns at once with the pause that remains, so the caller can fail
    /// with a clear error instead of sleeping past its budget.
    pub async fn ready_within(&self, left: Duration) -> Result<(), Duration> {
        self.check_pause(left)?;
        self.wait_pause().await;
        self.wait_limiter().await;
        Ok(())
    }

    fn check_pause(&self, left: Duration) -> Result<(), Duration> {
        let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        match until.map(|u| u.saturating_duration_since(Instant::now())) {
            Some(pause) if pause > left => Err(pause),
            _ => Ok(()),
        }
    }

    async fn wait_limiter(&self) {
        if let Some(limiter) = &self.limiter {
            limiter
                .until_ready_with_jitter(Jitter::up_to(self.jitter))
                .await;
            // A 429 may have paused the API while this request waited for its turn.
            self.wait_pause().await;
        }
    }

    /// Holds every request of this API back for `duration` from now (a server's `Retry-After`),
    /// at most [`MAX_SERVER_WAIT`].
    pub fn pause_for(&self, duration: Duration) {
        let now = Instant::now();
        let Some(until) = now.checked_add(duration.min(MAX_SERVER_WAIT)) else {
            return;
        };
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

    #[test]
    fn any_pause_or_rate_is_safe() {
        use proptest::prelude::*;
        proptest!(|(secs in any::<u64>(), nanos in 0u32..1_000_000_000, rate in any::<f64>())| {
            let pacer = Pacer::new(Some(rate), 1);
            pacer.pause_for(Duration::new(secs, nanos));
            let left = pacer.check_pause(Duration::from_secs(1));
            if let Err(pause) = left {
                prop_assert!(pause <= MAX_SERVER_WAIT);
            }
        });
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
