//! What the Central examples share: the client of the MSP's Central, from the environment, and
//! how an example starts and ends.

use std::env;
use std::error::Error;
use std::process::ExitCode;

use central_api::{CentralClient, CentralLocation};
use glp_auth::{AuthOptions, Credentials, msp_provider};

#[path = "../../../glp-auth/examples/common/mod.rs"]
mod common;

/// An example's `main`: `run` with the MSP's Central client and where it points
/// ([`client_from_env`]); its error, if any, is printed with its causes (exit code 1).
pub(crate) async fn main<F, Fut>(run: F) -> ExitCode
where
    F: FnOnce(CentralClient, CentralLocation) -> Fut,
    Fut: Future<Output = Result<(), Box<dyn Error>>>,
{
    let result = match client_from_env() {
        Ok((central, location)) => run(central, location).await,
        Err(error) => Err(error),
    };
    common::exit_code(result)
}

/// The MSP's Central client and where it points: GreenLake credentials from `GLP_*`, the
/// Central host from `CENTRAL_BASE_URL` or `CENTRAL_CLUSTER`.
pub(crate) fn client_from_env() -> Result<(CentralClient, CentralLocation), Box<dyn Error>> {
    let credentials = Credentials::from_env()?;
    let location = CentralLocation::choose(
        env::var("CENTRAL_BASE_URL").ok().as_deref(),
        env::var("CENTRAL_CLUSTER").ok().as_deref(),
    )?;
    let provider = msp_provider(credentials, AuthOptions::default())?;
    let central = CentralClient::from_provider(location.base_url()?, provider)?;
    Ok((central, location))
}
