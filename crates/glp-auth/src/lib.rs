//! HPE GreenLake Platform authentication for managed service providers (MSPs).
//!
//! - [`Credentials`]: the MSP's API client (id, secret, MSP workspace), read at run time with
//!   [`Credentials::from_env`] from `GLP_CLIENT_ID`, `GLP_CLIENT_SECRET`, `GLP_WORKSPACE_ID` and
//!   optionally `GLP_BASE_URL`.
//! - [`TokenProvider`]: the seam every API client of this project takes its tokens through, asked
//!   per [`Scope`] (the MSP, or one tenant). Plug in your own (a vault, a sidecar) and the rest of
//!   the project works unchanged.
//! - Built-in providers: [`ClientCredentialsProvider`] (the MSP token, RFC 6749 §4.4),
//!   [`TokenExchangeProvider`] (tenant tokens, RFC 8693, tenant id without hyphens in the URL),
//!   [`CachingProvider`] (refresh before expiry with jitter, one fetch per scope in flight),
//!   [`StaticTokenProvider`] (a token you already have). [`msp_provider`] stacks them.
//! - [`WorkspaceId`]: workspace ids with or without hyphens; URLs use [`WorkspaceId::compact`].
//!
//! Secrets and tokens are [`secrecy`] values: their `Debug` prints `[REDACTED]` and no error or
//! log line of this crate contains them.
//!
//! # Example
//!
//! ```no_run
//! use glp_auth::{AuthOptions, Credentials, Scope, WorkspaceId, msp_provider};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = Credentials::from_env()?;
//! let provider = msp_provider(credentials, AuthOptions::default())?;
//!
//! let msp = provider.token(&Scope::Msp).await?;
//! let tenant: WorkspaceId = "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c".parse()?;
//! let tenant_token = provider.token(&Scope::Tenant(tenant)).await?;
//! println!(
//!     "MSP token valid for {:?}, tenant token for {:?}",
//!     msp.remaining(std::time::Instant::now()),
//!     tenant_token.remaining(std::time::Instant::now()),
//! );
//! # Ok(())
//! # }
//! ```
//!
//! The runnable version is `examples/tokens.rs`.

mod cache;
mod client_credentials;
mod exchange;
mod options;
mod token_endpoint;

use std::sync::Arc;

// The shared vocabulary lives in glp-core (no HTTP client); re-exported so that a user of this
// crate needs no other.
pub use glp_core::{
    AccessToken, AuthError, BaseUrl, Clock, ConfigError, Credentials, DEFAULT_GLP_BASE_URL,
    ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_WORKSPACE_ID, ExposeSecret, GlpErrorBody,
    InvalidBaseUrl, InvalidWorkspaceId, ManualClock, OAuthErrorBody, RetryPolicy, Scope,
    SecretString, StaticTokenProvider, SystemClock, TokenProvider, WorkspaceId, body_excerpt,
    error_chain, hints, retry, text,
};

pub use cache::CachingProvider;
pub use client_credentials::ClientCredentialsProvider;
pub use exchange::{ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT, TokenExchangeProvider};
pub use glp_transport::USER_AGENT;
pub use options::{AuthOptions, ClientAuth, ExchangeAuth};
pub use token_endpoint::{LIFETIME_WHEN_UNSTATED, MAX_LIFETIME, MAX_TOKEN_BODY, MIN_LIFETIME};

/// The provider most users want: MSP tokens by client credentials and tenant tokens by token
/// exchange, each cached (refreshed before expiry, one fetch per scope in flight).
///
/// [`Scope::Msp`] goes to `CachingProvider(ClientCredentialsProvider)`; tenant scopes go to
/// `CachingProvider(TokenExchangeProvider)`, whose subject is that same MSP cache, so an expired
/// or revoked MSP token is refreshed once, for every exchange and every MSP call alike.
pub fn msp_provider(
    credentials: Credentials,
    options: AuthOptions,
) -> Result<Arc<dyn TokenProvider>, AuthError> {
    let mut options = options;
    if options.transport.is_none() {
        // One transport for both providers: the grant and the exchanges share GreenLake's
        // identity pacer and connections.
        options.transport = Some(
            glp_transport::Transport::new(options.connect_timeout).map_err(|e| {
                AuthError::provider("could not build the HTTP client", Some(Box::new(e)))
            })?,
        );
    }
    let client_credentials = ClientCredentialsProvider::new(credentials.clone(), &options)?;
    let msp: Arc<dyn TokenProvider> =
        Arc::new(CachingProvider::new(Arc::new(client_credentials), &options));
    let exchange = exchange::exchange_provider(msp.clone(), &credentials, &options)?;
    let tenants = CachingProvider::new(Arc::new(exchange), &options);
    Ok(Arc::new(MspProvider { msp, tenants }))
}

/// Routes [`Scope::Msp`] to the MSP token cache and tenant scopes to the tenant token cache.
#[derive(Debug)]
struct MspProvider {
    msp: Arc<dyn TokenProvider>,
    tenants: CachingProvider,
}

#[async_trait::async_trait]
impl TokenProvider for MspProvider {
    async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
        match scope {
            Scope::Msp => self.msp.token(scope).await,
            Scope::Tenant(_) => self.tenants.token(scope).await,
        }
    }

    async fn invalidate(&self, scope: &Scope, rejected: &AccessToken) {
        match scope {
            Scope::Msp => self.msp.invalidate(scope, rejected).await,
            Scope::Tenant(_) => self.tenants.invalidate(scope, rejected).await,
        }
    }
}
