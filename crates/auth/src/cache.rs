//! [`CachingProvider`]: reuses tokens until shortly before they expire, one fetch per scope.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::{AccessToken, AuthError, AuthOptions, Clock, Scope, TokenProvider};

/// Caches the tokens of an inner provider, per [`Scope`].
///
/// - A token is handed out only while it has more than the refresh margin left; the margin is
///   [`AuthOptions::refresh_margin`] plus a random share of [`AuthOptions::refresh_jitter`], both
///   capped to a fraction of the token's lifetime so that short-lived tokens work too.
/// - At most one fetch per scope is in flight: concurrent callers wait for it and share its
///   result (single flight), re-checking the cache after the wait.
/// - [`invalidate`](TokenProvider::invalidate) drops the cached token if it is the rejected one,
///   and passes the news on to the inner provider.
#[derive(Debug)]
pub struct CachingProvider {
    inner: Arc<dyn TokenProvider>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    jitter: Duration,
    slots: Mutex<HashMap<Scope, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

#[derive(Debug)]
struct Cached {
    token: AccessToken,
    refresh_at: Instant,
}

impl CachingProvider {
    /// Caches `inner`'s tokens with the margin, jitter and clock of `options`.
    pub fn new(inner: Arc<dyn TokenProvider>, options: &AuthOptions) -> Self {
        Self {
            inner,
            clock: options.clock.clone(),
            margin: options.refresh_margin,
            jitter: options.refresh_jitter,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, scope: &Scope) -> Arc<tokio::sync::Mutex<Option<Cached>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(*scope).or_default().clone()
    }

    /// When a token fetched at `fetched_at` should be replaced.
    fn refresh_at(&self, fetched_at: Instant, token: &AccessToken) -> Instant {
        let lifetime = token.expires_at().saturating_duration_since(fetched_at);
        let margin = self.margin.min(lifetime / 5);
        let jitter = self.jitter.min(lifetime / 10).mul_f64(fastrand::f64());
        token
            .expires_at()
            .checked_sub(margin + jitter)
            .unwrap_or(fetched_at)
    }
}

#[async_trait]
impl TokenProvider for CachingProvider {
    async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
        let slot = self.slot(scope);
        // Holding the slot's lock across the fetch is the single flight: later callers wait here
        // and then find the fresh token.
        let mut cached = slot.lock().await;
        if let Some(c) = cached.as_ref()
            && self.clock.now() < c.refresh_at
        {
            return Ok(c.token.clone());
        }
        let fetched_at = self.clock.now();
        let token = self.inner.token(scope).await?;
        *cached = Some(Cached {
            refresh_at: self.refresh_at(fetched_at, &token),
            token: token.clone(),
        });
        Ok(token)
    }

    async fn invalidate(&self, scope: &Scope, rejected: &AccessToken) {
        let slot = self.slot(scope);
        {
            let mut cached = slot.lock().await;
            if cached
                .as_ref()
                .is_some_and(|c| c.token.same_value(rejected))
            {
                tracing::debug!(%scope, "cached token rejected; dropping it");
                *cached = None;
            }
        }
        self.inner.invalidate(scope, rejected).await;
    }
}
