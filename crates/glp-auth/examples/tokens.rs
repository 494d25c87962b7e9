//! Fetches the MSP token and one tenant token and prints how long each is valid (never the
//! tokens themselves).
//!
//! ```text
//! GLP_CLIENT_ID=... GLP_CLIENT_SECRET=... GLP_WORKSPACE_ID=<MSP workspace id> \
//! GLP_TENANT_WORKSPACE_ID=<tenant workspace id> cargo run -p glp-auth --example tokens
//! ```
//!
//! `GLP_BASE_URL` optionally points at another GreenLake host, e.g. the local simulator
//! (`http://127.0.0.1:PORT`).

use std::error::Error;
use std::fmt;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

mod common;

use glp_auth::{AccessToken, AuthOptions, Credentials, Scope, WorkspaceId, msp_provider};

/// The environment variable naming the tenant whose token is fetched.
const ENV_TENANT_WORKSPACE_ID: &str = "GLP_TENANT_WORKSPACE_ID";

/// Problems with the example's own input, listed together with those of the credentials.
#[derive(Debug)]
struct Usage(Vec<String>);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid configuration:")?;
        for problem in &self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl Error for Usage {}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn Error>> {
    let (credentials, tenant) = read_config()?;
    println!(
        "MSP workspace {} at {}",
        credentials.workspace_id, credentials.base_url
    );
    let provider = msp_provider(credentials, AuthOptions::default())?;

    let msp = provider.token(&Scope::Msp).await?;
    report("MSP token", &msp);
    let tenant_token = provider.token(&Scope::Tenant(tenant)).await?;
    report(&format!("tenant {tenant} token"), &tenant_token);
    Ok(())
}

/// Reads the credentials and the tenant id, reporting every problem at once.
fn read_config() -> Result<(Credentials, WorkspaceId), Usage> {
    let mut problems = Vec::new();
    let credentials = match Credentials::from_env() {
        Ok(credentials) => Some(credentials),
        Err(e) => {
            problems.extend(e.problems);
            None
        }
    };
    let tenant = match std::env::var(ENV_TENANT_WORKSPACE_ID) {
        Ok(value) if !value.trim().is_empty() => match WorkspaceId::parse(&value) {
            Ok(id) => Some(id),
            Err(e) => {
                problems.push(format!("{ENV_TENANT_WORKSPACE_ID}: {e}"));
                None
            }
        },
        _ => {
            problems.push(format!(
                "{ENV_TENANT_WORKSPACE_ID} is not set: give the workspace id of one managed \
                 tenant (GreenLake: the MSP's tenant list)"
            ));
            None
        }
    };
    match (credentials, tenant) {
        (Some(credentials), Some(tenant)) if problems.is_empty() => Ok((credentials, tenant)),
        _ => Err(Usage(problems)),
    }
}

/// Prints a token's remaining lifetime and its expiry on the wall clock.
fn report(what: &str, token: &AccessToken) {
    let left = token.remaining(Instant::now());
    let expires = httpdate::fmt_http_date(SystemTime::now() + left);
    println!("{what}: valid for {} (until about {expires})", human(left));
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}m {:02}s", s / 60, s % 60)
}
