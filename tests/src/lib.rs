//! The end-to-end harness of glp-msp: it starts the real `platform-sim` binary and runs the real
//! `msp-orchestrator` binary against it, as separate processes, and checks what came out.
//!
//! - [`Bins`] finds the two binaries (`GLP_MSP_BIN_DIR`, else the cargo profile directory of the
//!   running test).
//! - [`Sim`] is a running simulator on its own port: its endpoint, live [`Stats`] and the
//!   [`Truth`] it serves.
//! - [`Proc`] (from `test_support`) is a child process that is killed when dropped, waited for
//!   with a deadline, and measured (peak RSS and CPU time, from `/proc` on Linux).
//! - [`compare()`] checks collected JSON Lines against the truth, record by record;
//!   [`leaks`] looks for the client secret and every issued token in text.
//! - [`fake`] is a scripted fake GreenLake + Central and a capture server on a second loopback
//!   address, for the hostile scenarios.
//!
//! The scenarios in `scenarios/` (`cargo xtask integration`) and `cargo xtask bench` are built on
//! it.

pub mod bins;
pub mod compare;
pub mod fake;
pub mod leaks;
pub mod sim;

/// Child processes: `test_support`'s, named as the harness always named them.
pub use test_support::process as proc;
pub mod workdir;

use std::path::PathBuf;

pub use bins::Bins;
pub use compare::{Comparison, compare};
pub use platform_sim::{Stats, Truth};
pub use sim::{Endpoint, Sim};
pub use test_support::{Finished, Proc, ProcError, Usage};
pub use workdir::Workdir;

/// What can go wrong in the harness itself (not in the code under test).
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A binary under test is not where it should be.
    #[error(
        "{0} does not exist: build the binaries first (`cargo xtask integration` does), or set \
         GLP_MSP_BIN_DIR to the directory that holds platform-sim and msp-orchestrator"
    )]
    MissingBinary(PathBuf),
    /// Reading or writing a file, or starting a process, failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A process could not be run, or did not finish in time (it was killed).
    #[error(transparent)]
    Proc(#[from] ProcError),
    /// The simulator did not come up.
    #[error("the simulator did not start: {0}")]
    SimStart(String),
    /// A call to the simulator's `/_sim` endpoints failed.
    #[error("asking the simulator for {path}: {message}")]
    Sim {
        /// The path asked for.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A JSON document could not be read.
    #[error("{what} is not the expected JSON: {source}")]
    Json {
        /// Which document.
        what: String,
        /// The cause.
        source: serde_json::Error,
    },
}

impl HarnessError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| HarnessError::Io { what, source }
    }
}

/// The harness's result type.
pub type Result<T, E = HarnessError> = std::result::Result<T, E>;
