//! [`Credentials`]: the MSP's long-lived API client, read from the environment at run time.

use secrecy::SecretString;

use crate::{BaseUrl, DEFAULT_GLP_BASE_URL, WorkspaceId};

/// Environment variable holding the API client id.
pub const ENV_CLIENT_ID: &str = "GLP_CLIENT_ID";
/// Environment variable holding the API client secret.
pub const ENV_CLIENT_SECRET: &str = "GLP_CLIENT_SECRET";
/// Environment variable holding the MSP workspace id.
pub const ENV_WORKSPACE_ID: &str = "GLP_WORKSPACE_ID";
/// Environment variable overriding the GreenLake base URL.
pub const ENV_BASE_URL: &str = "GLP_BASE_URL";

/// An MSP's GreenLake API client: id, secret, the MSP workspace, and the GreenLake base URL.
///
/// `Debug` never shows the secret (a [`SecretString`] prints `[REDACTED]`).
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The API client id (not secret: `Debug` shows it, to tell credentials apart).
    pub client_id: String,
    /// The API client secret.
    pub client_secret: SecretString,
    /// The MSP workspace the client belongs to.
    pub workspace_id: WorkspaceId,
    /// The GreenLake API base URL (token issuer and workspaces API).
    pub base_url: BaseUrl,
}

/// A configuration that cannot be used, with every problem found (not only the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration:{}", .problems.iter().map(|p| format!("\n  - {p}")).collect::<String>())]
pub struct ConfigError {
    /// One line per problem, each saying what is wrong and what to do.
    pub problems: Vec<String>,
}

impl Credentials {
    /// Credentials with the public GreenLake base URL.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: SecretString,
        workspace_id: WorkspaceId,
    ) -> Self {
        crate::text::register_secret(secrecy::ExposeSecret::expose_secret(&client_secret));
        // (The Basic forms need the id too: see `ClientCredentialsProvider::new`.)
        Self {
            client_id: client_id.into(),
            client_secret,
            workspace_id,
            base_url: BaseUrl::parse(DEFAULT_GLP_BASE_URL)
                .unwrap_or_else(|_| unreachable!("the default base URL is valid")),
        }
    }

    /// Sets the GreenLake base URL (e.g. the local simulator's).
    pub fn with_base_url(mut self, base_url: BaseUrl) -> Self {
        self.base_url = base_url;
        self
    }

    /// Reads `GLP_CLIENT_ID`, `GLP_CLIENT_SECRET`, `GLP_WORKSPACE_ID` and optionally
    /// `GLP_BASE_URL` from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Credentials::from_env`], reading variables through `lookup` (for tests and for
    /// layering a config file under the environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let value = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let client_id = value(ENV_CLIENT_ID).map(|v| v.trim().to_owned());
        if client_id.is_none() {
            problems.push(format!(
                "{ENV_CLIENT_ID} is not set: give the client id of the GreenLake API client"
            ));
        }
        let client_secret = value(ENV_CLIENT_SECRET);
        if client_secret.is_none() {
            problems.push(format!(
                "{ENV_CLIENT_SECRET} is not set: give the secret shown when the API client was created"
            ));
        }
        let workspace_id = match value(ENV_WORKSPACE_ID) {
            None => {
                problems.push(format!(
                    "{ENV_WORKSPACE_ID} is not set: give the MSP workspace id (GreenLake: Manage Workspace)"
                ));
                None
            }
            Some(v) => match WorkspaceId::parse(&v) {
                Ok(id) => Some(id),
                Err(e) => {
                    problems.push(format!("{ENV_WORKSPACE_ID}: {e}"));
                    None
                }
            },
        };
        let base_url = match value(ENV_BASE_URL) {
            None => BaseUrl::parse(DEFAULT_GLP_BASE_URL).ok(),
            Some(v) => match BaseUrl::parse(&v) {
                Ok(u) => Some(u),
                Err(e) => {
                    problems.push(format!("{ENV_BASE_URL}: {e}"));
                    None
                }
            },
        };
        match (client_id, client_secret, workspace_id, base_url) {
            (Some(client_id), Some(secret), Some(workspace_id), Some(base_url))
                if problems.is_empty() =>
            {
                crate::text::register_secret(&secret);
                Ok(Self {
                    client_id,
                    client_secret: SecretString::from(secret),
                    workspace_id,
                    base_url,
                })
            }
            _ => Err(ConfigError { problems }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn reads_all_values() {
        let c = Credentials::from_lookup(lookup(&[
            (ENV_CLIENT_ID, "id-1"),
            (ENV_CLIENT_SECRET, "s3cr+t&=%/ x"),
            (ENV_WORKSPACE_ID, "3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c"),
            (ENV_BASE_URL, "http://127.0.0.1:9"),
        ]))
        .expect("valid");
        assert_eq!(c.client_id, "id-1");
        assert_eq!(c.base_url.to_string(), "http://127.0.0.1:9");
        assert!(!format!("{c:?}").contains("s3cr+t"));
    }

    #[test]
    fn default_base_url_is_public_glp() {
        let c = Credentials::from_lookup(lookup(&[
            (ENV_CLIENT_ID, "id"),
            (ENV_CLIENT_SECRET, "s"),
            (ENV_WORKSPACE_ID, "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c"),
        ]))
        .expect("valid");
        assert_eq!(c.base_url.to_string(), DEFAULT_GLP_BASE_URL);
    }

    #[test]
    fn lists_every_problem_at_once() {
        let err = Credentials::from_lookup(lookup(&[
            (ENV_CLIENT_SECRET, "  "),
            (ENV_WORKSPACE_ID, "not-a-uuid"),
            (ENV_BASE_URL, "http://example.com"),
        ]))
        .expect_err("invalid");
        assert_eq!(err.problems.len(), 4, "{err}");
        insta::assert_snapshot!(err.to_string());
    }
}
