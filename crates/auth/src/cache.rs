//! [`CachingProvider`]: reuses tokens until shortly before they expire, one fetch per scope.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
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
///   result (single flight), re-checking the cache after the wait. A failure is shared too: the
///   callers that waited for a failed fetch get [`AuthError::Shared`] instead of each fetching
///   again in turn.
/// - [`invalidate`](TokenProvider::invalidate) drops the cached token if it is the rejected one,
///   and passes the news on to the inner provider.
#[derive(Debug)]
pub struct CachingProvider {
    inner: Arc<dyn TokenProvider>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    jitter: Duration,
    slots: Mutex<HashMap<Scope, Arc<Slot>>>,
}

/// One scope's cache entry. `fetches` counts completed fetches; a caller that saw a lower count
/// before it waited knows that the fetch it waited for has ended.
#[derive(Debug, Default)]
struct Slot {
    fetches: AtomicU64,
    state: tokio::sync::Mutex<SlotState>,
}

#[derive(Debug, Default)]
struct SlotState {
    cached: Option<Cached>,
    failure: Option<(u64, Arc<AuthError>)>,
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

    fn slot(&self, scope: &Scope) -> Arc<Slot> {
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
        let seen = slot.fetches.load(Ordering::Acquire);
        // Holding the slot's lock across the fetch is the single flight: later callers wait here
        // and then find the fresh token, or the failure of the fetch they waited for.
        let mut state = slot.state.lock().await;
        if let Some(c) = state.cached.as_ref()
            && self.clock.now() < c.refresh_at
        {
            return Ok(c.token.clone());
        }
        if let Some((at, failure)) = &state.failure
            && *at > seen
        {
            return Err(AuthError::Shared(failure.clone()));
        }
        let fetched_at = self.clock.now();
        let result = self.inner.token(scope).await;
        let done = slot.fetches.fetch_add(1, Ordering::AcqRel) + 1;
        match result {
            Ok(token) => {
                state.failure = None;
                state.cached = Some(Cached {
                    refresh_at: self.refresh_at(fetched_at, &token),
                    token: token.clone(),
                });
                Ok(token)
            }
            Err(error) => {
                let shared = Arc::new(error);
                state.failure = Some((done, shared.clone()));
                Err(AuthError::Shared(shared))
            }
        }
    }

    async fn invalidate(&self, scope: &Scope, rejected: &AccessToken) {
        let slot = self.slot(scope);
        {
            let mut state = slot.state.lock().await;
            if state
                .cached
                .as_ref()
                .is_some_and(|c| c.token.same_value(rejected))
            {
                tracing::debug!(%scope, "cached token rejected; dropping it");
                state.cached = None;
            }
        }
        self.inner.invalidate(scope, rejected).await;
    }
}
