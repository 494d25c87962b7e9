//! What `msp-orchestrator serve` runs all day, over the inventory store:
//!
//! - [`run_on_schedule`]: one run at once, then one a [`Schedule`] tick (jittered), never two
//!   at the same time; a run that fails waits for the next tick like any other. Time is
//!   tokio's, so tests run it on paused time.
//! - [`Metrics`]: the Prometheus/OpenMetrics text of `/metrics`, computed from the store's
//!   newest finished run (once per run: a scrape between two runs costs one small query) and
//!   from the runs this process made; never by calling HPE.
//! - [`Server`]: `/healthz`, `/readyz` and `/metrics` on `--listen` (axum), behind a bearer
//!   [`Token`] when one is given; off loopback one is required ([`check_listen`]).
//! - [`Dashboard`]: the HTML pages of the same server (the overview worst first, a tenant's
//!   page, the runs, a search by serial, MAC or name), from the store, with no script.
//!
//! - [`Notifier`]: after each run, what changed (a device offline or back, a new critical
//!   alert, a tenant failing twice in a row) to webhooks (generic JSON, Slack, Teams), each
//!   event once per webhook across restarts, retried with backoff.
//!
//! The snapshot itself is the caller's (the CLI's `snapshot`): this crate only says when.

mod auth;
mod dashboard;
mod http;
mod metrics;
mod notify;
mod schedule;

pub use auth::{Token, check_listen};
pub use dashboard::Dashboard;
pub use http::Server;
pub use metrics::{Metrics, RunOutcome, render_store};
pub use notify::{Delivered, Event, EventKind, Notifier, NotifyFormat, Target, events};
pub use schedule::{Schedule, run_on_schedule};

use std::net::SocketAddr;
use std::path::PathBuf;

/// What can stop `serve` from starting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// `--listen` is off loopback and no token was given.
    #[error(
        "--listen {0} is reachable from other machines: give --token-file PATH (a bearer token \
         every request must carry), or listen on 127.0.0.1"
    )]
    TokenRequired(SocketAddr),
    /// The token file could not be read, or holds no token.
    #[error("--token-file {path}: {why}")]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Serving stopped with an error.
    #[error("the HTTP server stopped: {0}")]
    Io(#[from] std::io::Error),
}
