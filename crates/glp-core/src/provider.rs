//! [`TokenProvider`]: the seam every API client takes its tokens through.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::SecretString;

use crate::{AccessToken, AuthError, Scope};

/// A source of access tokens, asked per [`Scope`].
///
/// The project's API clients take an `Arc<dyn TokenProvider>` and nothing else, so any source of
/// tokens (a vault, a sidecar, a fixed token) can stand in for the built-in GreenLake providers.
///
/// ```
/// use std::sync::Arc;
/// use async_trait::async_trait;
/// use glp_core::{AccessToken, AuthError, Scope, TokenProvider};
///
/// #[derive(Debug)]
/// struct FromVault;
///
/// #[async_trait]
/// impl TokenProvider for FromVault {
///     async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
///         Err(AuthError::provider(format!("no vault entry for {scope}"), None))
///     }
///     async fn invalidate(&self, _scope: &Scope, _rejected: &AccessToken) {}
/// }
///
/// let provider: Arc<dyn TokenProvider> = Arc::new(FromVault);
/// # let _ = provider;
/// ```
#[async_trait]
pub trait TokenProvider: Send + Sync + Debug {
    /// A token for `scope` that is valid now.
    async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError>;

    /// Tells the provider that `rejected`, a token it gave for `scope`, was refused with 401, so
    /// that the next [`token`](TokenProvider::token) call fetches a fresh one. A provider that
    /// has since replaced that token keeps the replacement.
    async fn invalidate(&self, scope: &Scope, rejected: &AccessToken);
}

#[async_trait]
impl<P: TokenProvider + ?Sized> TokenProvider for Arc<P> {
    async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
        (**self).token(scope).await
    }
    async fn invalidate(&self, scope: &Scope, rejected: &AccessToken) {
        (**self).invalidate(scope, rejected).await
    }
}

/// Fixed tokens: for tests, and for users who bring a token obtained elsewhere.
///
/// A token given with [`StaticTokenProvider::new`] serves every scope; tokens given with
/// [`StaticTokenProvider::with_scope`] serve only their scope. Invalidation cannot fetch anything
/// new, so it only logs a warning.
#[derive(Debug, Default, Clone)]
pub struct StaticTokenProvider {
    any: Option<AccessToken>,
    per_scope: HashMap<Scope, AccessToken>,
}

/// `now + lifetime`, or a year from now when that overflows (`Duration::MAX` means "forever").
fn expiry_after(now: Instant, lifetime: Duration) -> Instant {
    now.checked_add(lifetime)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

impl StaticTokenProvider {
    /// One token for every scope, considered valid for `lifetime` from now.
    pub fn new(token: SecretString, lifetime: Duration) -> Self {
        Self {
            any: Some(AccessToken::new(
                token,
                expiry_after(Instant::now(), lifetime),
            )),
            per_scope: HashMap::new(),
        }
    }

    /// Adds a token used only for `scope`.
    pub fn with_scope(mut self, scope: Scope, token: SecretString, lifetime: Duration) -> Self {
        self.per_scope.insert(
            scope,
            AccessToken::new(token, expiry_after(Instant::now(), lifetime)),
        );
        self
    }
}

#[async_trait]
impl TokenProvider for StaticTokenProvider {
    async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
        self.per_scope
            .get(scope)
            .or(self.any.as_ref())
            .cloned()
            .ok_or(AuthError::UnsupportedScope {
                provider: "static",
                scope: *scope,
            })
    }

    async fn invalidate(&self, scope: &Scope, _rejected: &AccessToken) {
        tracing::warn!(%scope, "a static token was rejected; it cannot be refreshed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WorkspaceId;
    use secrecy::ExposeSecret;

    #[tokio::test]
    async fn static_provider_scopes() {
        let tenant = Scope::Tenant(WorkspaceId::parse(&"a".repeat(32)).expect("valid"));
        let only_tenant = StaticTokenProvider::default().with_scope(
            tenant,
            SecretString::from("t"),
            Duration::from_secs(60),
        );
        assert_eq!(
            only_tenant
                .token(&tenant)
                .await
                .expect("tenant")
                .secret()
                .expose_secret(),
            "t"
        );
        assert!(matches!(
            only_tenant.token(&Scope::Msp).await,
            Err(AuthError::UnsupportedScope { .. })
        ));
        let any: Arc<dyn TokenProvider> = Arc::new(StaticTokenProvider::new(
            SecretString::from("m"),
            Duration::from_secs(60),
        ));
        assert_eq!(
            any.token(&Scope::Msp)
                .await
                .expect("msp")
                .secret()
                .expose_secret(),
            "m"
        );
        assert!(!format!("{any:?}").contains("\"m\""));
    }
}
