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
/// - A refresh that fails while the cached token is still valid (inside the refresh margin)
///   serves the cached token and tries again a little later; only a token that has expired, or
///   was rejected, is no longer served.
/// - Once the MSP's own credential is refused ([`Scope::Msp`], 401 or `invalid_client`), the
///   refusal is final for this provider: every later call gets it at once, without asking the
///   token endpoint again (a revoked or rotated secret does not heal; a new provider with the
///   new credential is needed).
/// - A fetch holding a scope's lock ends after [`AuthOptions::fetch_timeout`], so a hung
///   provider cannot hold every caller of that scope forever.
#[derive(Debug)]
pub struct CachingProvider {
    inner: Arc<dyn TokenProvider>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    jitter: Duration,
    fetch_timeout: Duration,
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
    /// The MSP credential was refused: final.
    refused: Option<Arc<AuthError>>,
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
            fetch_timeout: options.fetch_timeout,
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
        if let Some(refused) = &state.refused {
            return Err(AuthError::Shared(refused.clone()));
        }
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
        let result = match tokio::time::timeout(self.fetch_timeout, self.inner.token(scope)).await {
            Ok(result) => result,
            Err(_) => Err(AuthError::provider(
                format!(
                    "no token for {scope} within {}s: the token provider did not answer",
                    self.fetch_timeout.as_secs()
                ),
                None,
            )),
        };
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
                if *scope == Scope::Msp
                    && shared.is_credential_rejected()
                    && !shared.is_subject_failure()
                {
                    state.cached = None;
                    state.refused = Some(shared.clone());
                    return Err(AuthError::Shared(shared));
                }
                let now = self.clock.now();
                if let Some(c) = state.cached.as_mut() {
                    let left = c.token.remaining(now);
                    if left > Duration::ZERO {
                        // Inside the margin the old token still works: serve it, retry later.
                        let again = (left / 2).min(Duration::from_secs(10));
                        c.refresh_at = now.checked_add(again).unwrap_or(now);
                        tracing::warn!(
                            %scope,
                            error = %shared,
                            left_s = left.as_secs(),
                            "token refresh failed; serving the still-valid token"
                        );
                        return Ok(c.token.clone());
                    }
                }
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
