//! [`ClientCredentialsProvider`]: the MSP token (OAuth 2.0 client credentials, RFC 6749 §4.4).

use async_trait::async_trait;
use secrecy::ExposeSecret;

use crate::token_endpoint::TokenEndpoint;
use crate::{AccessToken, AuthError, AuthOptions, ClientAuth, Credentials, Scope, TokenProvider};

/// Fetches MSP tokens with the client-credentials grant. It does not cache: wrap it in a
/// [`CachingProvider`](crate::CachingProvider), or use [`msp_provider`](crate::msp_provider).
///
/// It serves [`Scope::Msp`] (and the MSP's own workspace as a tenant scope); for any other scope
/// it answers [`AuthError::UnsupportedScope`].
#[derive(Debug)]
pub struct ClientCredentialsProvider {
    credentials: Credentials,
    client_auth: ClientAuth,
    endpoint: TokenEndpoint,
}

impl ClientCredentialsProvider {
    /// A provider for `credentials` with `options`.
    pub fn new(credentials: Credentials, options: &AuthOptions) -> Result<Self, AuthError> {
        // The field is public: credentials built by hand are registered here, with the HTTP
        // Basic forms of the pair (a server may echo an Authorization header back).
        crate::text::register_credential(
            &credentials.client_id,
            secrecy::ExposeSecret::expose_secret(&credentials.client_secret),
        );
        Ok(Self {
            endpoint: TokenEndpoint::new(credentials.base_url.clone(), options)?,
            client_auth: options.client_auth,
            credentials,
        })
    }

    /// The credentials this provider uses.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }
}

#[async_trait]
impl TokenProvider for ClientCredentialsProvider {
    async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
        match scope {
            Scope::Msp => {}
            Scope::Tenant(id) if *id == self.credentials.workspace_id => {}
            Scope::Tenant(_) => {
                return Err(AuthError::UnsupportedScope {
                    provider: "client-credentials",
                    scope: *scope,
                });
            }
        }
        let c = &self.credentials;
        let (form, basic) = match self.client_auth {
            ClientAuth::RequestBody => (
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", c.client_id.as_str()),
                    ("client_secret", c.client_secret.expose_secret()),
                ],
                None,
            ),
            ClientAuth::HttpBasic => (
                vec![("grant_type", "client_credentials")],
                Some((c.client_id.as_str(), &c.client_secret)),
            ),
        };
        self.endpoint
            .request(&c.workspace_id, scope, "client_credentials", &form, basic)
            .await
    }

    async fn invalidate(&self, _scope: &Scope, _rejected: &AccessToken) {
        // Nothing is cached here: the next call fetches a fresh token anyway.
    }
}
