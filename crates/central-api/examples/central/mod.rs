//! What the Central examples share: the client of the MSP's Central, from the environment.

use std::env;
use std::error::Error;

use central_api::{CentralClient, CentralLocation};
use glp_auth::{AuthOptions, Credentials, msp_provider};

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
