//! Lists tenants with a token provider of your own: here, the MSP token is read from the
//! `MY_MSP_TOKEN` environment variable. The code is the one in this crate's README.md.
//!
//! ```text
//! MY_MSP_TOKEN=... cargo run -p glp-workspaces --example own_token_provider
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::TryStreamExt as _;
use glp_auth::{AccessToken, AuthError, BaseUrl, Scope, SecretString, TokenProvider};
use glp_workspaces::WorkspacesClient;

/// Reads the MSP token from wherever you keep it.
#[derive(Debug)]
struct MyVault;

#[async_trait]
impl TokenProvider for MyVault {
    async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
        match scope {
            Scope::Msp => {
                let value = std::env::var("MY_MSP_TOKEN")
                    .map_err(|_| AuthError::provider("MY_MSP_TOKEN is not set", None))?;
                // Say how long it is good for; the client asks again after a 401 anyway.
                Ok(AccessToken::new(
                    SecretString::from(value),
                    Instant::now() + Duration::from_secs(600),
                ))
            }
            other => Err(AuthError::provider(format!("no token for {other}"), None)),
        }
    }

    async fn invalidate(&self, _scope: &Scope, _rejected: &AccessToken) {
        // Drop a cached copy here, so the next `token` call fetches a fresh one.
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base: BaseUrl = "https://global.api.greenlake.hpe.com".parse()?;
    let client = WorkspacesClient::from_provider(base, Arc::new(MyVault))?;

    let mut tenants = client.msp_tenants().stream();
    while let Some(tenant) = tenants.try_next().await? {
        println!("{}\t{}", tenant.workspace_name, tenant.id);
    }

    for tenant in client.find_tenants_by_name("O'Brien Ltd").await? {
        println!("found {}", tenant.id);
    }
    Ok(())
}
