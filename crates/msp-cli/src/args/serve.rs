//! The clap type of `serve`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::history::DbArg;

/// The shortest `--every` (each run lists the tenants and exchanges a token for each).
const MIN_EVERY_SECS: u64 = 10;

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Resources of each snapshot, as for snapshot [default: device-inventory devices].
    #[arg(value_name = "RESOURCE")]
    pub(crate) resources: Vec<String>,
    /// How often to snapshot: 90s, 15m, 1h, 1d (each run starts up to a tenth of it late, at
    /// random; never two at once; at least 10s).
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = every)]
    pub(crate) every: Duration,
    /// Where to serve /metrics, /healthz and /readyz. Off loopback (0.0.0.0:9480) a
    /// --token-file is required.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:9480")]
    pub(crate) listen: SocketAddr,
    /// A file holding the bearer token every request for /metrics must carry
    /// (Authorization: Bearer TOKEN; at least 16 characters, e.g. `openssl rand -hex 32`).
    #[arg(long, value_name = "PATH")]
    pub(crate) token_file: Option<PathBuf>,
    /// After each run, keep the newest N runs (as prune --keep).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) keep: Option<u32>,
    /// After each run, delete the runs that started more than DAYS days ago (as prune
    /// --older-than).
    #[arg(long, value_name = "DAYS", conflicts_with = "keep", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) older_than: Option<u32>,
    /// After each run, send what changed (a device offline or back, a new critical alert, a
    /// tenant failing twice in a row) to this webhook (https; repeat for several; space-separated
    /// in MSP_NOTIFY). Each event once per webhook, across restarts. The URL is never printed
    /// or stored.
    #[arg(
        long,
        value_name = "URL",
        env = "MSP_NOTIFY",
        value_delimiter = ' ',
        hide_env_values = true
    )]
    pub(crate) notify: Vec<String>,
    /// The webhooks' body: generic (JSON with every field), slack or teams.
    #[arg(long, value_name = "FORMAT", default_value = "generic")]
    pub(crate) notify_format: msp_serve::NotifyFormat,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// `--every`: a duration of at least ten seconds.
fn every(text: &str) -> Result<Duration, String> {
    let secs = glp_core::date::parse_ago(text.trim())
        .ok_or_else(|| format!("`{text}` is no duration: give 90s, 15m, 1h or 1d"))?;
    if secs < MIN_EVERY_SECS {
        return Err(format!(
            "{secs}s is too often: at least {MIN_EVERY_SECS}s (each run lists the tenants and \
             exchanges a token for each)"
        ));
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_takes_a_duration_of_at_least_ten_seconds() {
        assert_eq!(every("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(every("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(every("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["5s", "0m", "15", "m", "15 minutes", "-1h"] {
            assert!(every(bad).is_err(), "{bad}");
        }
    }
}
