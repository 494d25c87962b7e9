//! [`TokenExchangeProvider`]: tenant tokens by RFC 8693 exchange of the MSP token.

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::ExposeSecret;

use crate::token_endpoint::TokenEndpoint;
use crate::{
    AccessToken, AuthError, AuthOptions, BaseUrl, Credentials, ExchangeAuth, Scope, TokenProvider,
    WorkspaceId,
};

/// The RFC 8693 grant type.
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The RFC 8693 token type of an OAuth access token.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Exchanges the MSP token (from a subject provider) for tenant tokens.
///
/// For [`Scope::Tenant`] it POSTs to `authorization/v2/oauth2/{tenant id without hyphens}/token`
/// with `grant_type`, `subject_token` and `subject_token_type`. If the server answers
/// `invalid_grant` (the MSP token expired or was revoked), it invalidates the subject token and
/// tries once more with a fresh one. [`Scope::Msp`] is passed through to the subject provider.
/// It does not cache tenant tokens: wrap it in a [`CachingProvider`](crate::CachingProvider).
#[derive(Debug)]
pub struct TokenExchangeProvider {
    subject: Arc<dyn TokenProvider>,
    endpoint: TokenEndpoint,
    basic: Option<Credentials>,
}

impl TokenExchangeProvider {
    /// Exchanges tokens of `subject` at `base_url`, without client authentication.
    pub fn new(
        subject: Arc<dyn TokenProvider>,
        base_url: BaseUrl,
        options: &AuthOptions,
    ) -> Result<Self, AuthError> {
        Ok(Self {
            subject,
            endpoint: TokenEndpoint::new(base_url, options)?,
            basic: None,
        })
    }

    /// Authenticates exchanges with HTTP Basic using these credentials' id and secret.
    pub fn with_basic_auth(mut self, credentials: Credentials) -> Self {
        self.basic = Some(credentials);
        self
    }

    async fn exchange(
        &self,
        tenant: &WorkspaceId,
        scope: &Scope,
        subject: &AccessToken,
    ) -> Result<AccessToken, AuthError> {
        let form = [
            ("grant_type", TOKEN_EXCHANGE_GRANT),
            ("subject_token", subject.secret().expose_secret()),
            ("subject_token_type", ACCESS_TOKEN_TYPE),
        ];
        let basic = self
            .basic
            .as_ref()
            .map(|c| (c.client_id.as_str(), &c.client_secret));
        self.endpoint
            .request(tenant, scope, "token_exchange", &form, basic)
            .await
    }
}

/// Builds the exchange provider the options ask for.
/// Whether an exchange error means "renew the subject token, then retry once": `invalid_grant`
/// (the subject expired or was revoked), `invalid_client`, `unauthorized_request` or any 401, as
/// the vendor SDK and HPE's MSP samples do. If the MSP credential itself is gone, the renewal
/// is refused and the error says so ([`AuthError::Subject`]).
fn renews_subject(error: &AuthError) -> bool {
    matches!(
        error.oauth_error(),
        Some("invalid_grant" | "invalid_client" | "unauthorized_request")
    ) || error.status() == Some(401)
}

pub(crate) fn exchange_provider(
    subject: Arc<dyn TokenProvider>,
    credentials: &Credentials,
    options: &AuthOptions,
) -> Result<TokenExchangeProvider, AuthError> {
    let provider = TokenExchangeProvider::new(subject, credentials.base_url.clone(), options)?;
    Ok(match options.exchange_auth {
        ExchangeAuth::None => provider,
        ExchangeAuth::HttpBasic => provider.with_basic_auth(credentials.clone()),
    })
}

#[async_trait]
impl TokenProvider for TokenExchangeProvider {
    async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
        let Scope::Tenant(tenant) = scope else {
            return self.subject.token(scope).await;
        };
        let subject = self
            .subject
            .token(&Scope::Msp)
            .await
            .map_err(|e| AuthError::Subject(Box::new(e)))?;
        match self.exchange(tenant, scope, &subject).await {
            Err(error) if renews_subject(&error) => {
                tracing::info!(%scope, %error, "exchange refused; renewing the MSP token and exchanging once more");
                self.subject.invalidate(&Scope::Msp, &subject).await;
                let fresh = self
                    .subject
                    .token(&Scope::Msp)
                    .await
                    .map_err(|e| AuthError::Subject(Box::new(e)))?;
                self.exchange(tenant, scope, &fresh).await
            }
            other => other,
        }
    }

    async fn invalidate(&self, scope: &Scope, rejected: &AccessToken) {
        if *scope == Scope::Msp {
            self.subject.invalidate(scope, rejected).await;
        }
    }
}
