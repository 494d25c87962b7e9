//! The `msp-orchestrator` binary under test: a cleared environment (only `PATH`) pointed at a
//! simulator or a scripted server, arguments, stdin, an optional deadline.
//!
//! ```no_run
//! use test_support::{Cli, Target};
//!
//! let target = Target::new("client", "s3cr3t", "3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c", "http://127.0.0.1:9");
//! let out = Cli::new("target/debug/msp-orchestrator")
//!     .target(&target)
//!     .log("off")
//!     .args(["tenants", "--format", "jsonl"])
//!     .run();
//! out.assert_code(0);
//! ```

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{Finished, Proc, ProcError};

/// The platform a run talks to: the MSP's API credential and the base URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `GLP_CLIENT_ID`.
    pub client_id: String,
    /// `GLP_CLIENT_SECRET`.
    pub client_secret: String,
    /// `GLP_WORKSPACE_ID`.
    pub workspace_id: String,
    /// `GLP_BASE_URL`.
    pub glp_base_url: String,
    /// `CENTRAL_BASE_URL`, when set.
    pub central_base_url: Option<String>,
}

impl Target {
    /// A credential for a server that plays GreenLake and Central at `base_url`.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        workspace_id: impl Into<String>,
        base_url: impl Into<String>,
    ) -> Target {
        let base_url = base_url.into();
        Target {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            workspace_id: workspace_id.into(),
            central_base_url: Some(base_url.clone()),
            glp_base_url: base_url,
        }
    }

    /// The same with another client secret.
    pub fn with_secret(&self, secret: impl Into<String>) -> Target {
        Target {
            client_secret: secret.into(),
            ..self.clone()
        }
    }

    /// The same with Central at `url`, or with no `CENTRAL_BASE_URL` at all.
    pub fn with_central(&self, url: Option<&str>) -> Target {
        Target {
            central_base_url: url.map(str::to_owned),
            ..self.clone()
        }
    }
}

/// A run of the binary being put together; [`run`](Cli::run) it, [`spawn`](Cli::spawn) it,
/// or take its [`command`](Cli::command).
#[derive(Debug, Clone)]
pub struct Cli {
    program: PathBuf,
    args: Vec<OsString>,
    env: BTreeMap<OsString, OsString>,
    dir: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
    timeout: Option<Duration>,
}

impl Cli {
    /// `program` (e.g. `env!("CARGO_BIN_EXE_msp-orchestrator")`) with an environment of `PATH`
    /// alone.
    pub fn new(program: impl AsRef<Path>) -> Cli {
        let mut env = BTreeMap::new();
        env.insert("PATH".into(), std::env::var_os("PATH").unwrap_or_default());
        Cli {
            program: program.as_ref().to_path_buf(),
            args: Vec::new(),
            env,
            dir: None,
            stdin: None,
            timeout: None,
        }
    }

    /// Sets `GLP_CLIENT_ID`, `GLP_CLIENT_SECRET`, `GLP_WORKSPACE_ID`, `GLP_BASE_URL` and
    /// `CENTRAL_BASE_URL` (or removes it) from `target`.
    pub fn target(self, target: &Target) -> Cli {
        let cli = self
            .env("GLP_CLIENT_ID", &target.client_id)
            .env("GLP_CLIENT_SECRET", &target.client_secret)
            .env("GLP_WORKSPACE_ID", &target.workspace_id)
            .env("GLP_BASE_URL", &target.glp_base_url);
        match &target.central_base_url {
            Some(url) => cli.env("CENTRAL_BASE_URL", url),
            None => cli.env_remove("CENTRAL_BASE_URL"),
        }
    }

    /// `RUST_LOG`.
    pub fn log(self, filter: &str) -> Cli {
        self.env("RUST_LOG", filter)
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cli {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Cli
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cli {
        self.env
            .insert(key.as_ref().to_owned(), value.as_ref().to_owned());
        self
    }

    /// Removes an environment variable (`PATH` too).
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Cli {
        self.env.remove(key.as_ref());
        self
    }

    /// Runs in `dir`.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Cli {
        self.dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Feeds `bytes` on stdin (else stdin is closed).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Cli {
        self.stdin = Some(bytes.into());
        self
    }

    /// Kills the run past `limit` ([`run`](Cli::run) then panics, [`try_run`](Cli::try_run)
    /// says [`ProcError::Timeout`]). Without one a run may take as long as it takes.
    pub fn timeout(mut self, limit: Duration) -> Cli {
        self.timeout = Some(limit);
        self
    }

    /// The command as a [`Command`], for a test that needs its own plumbing.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args).env_clear().envs(&self.env);
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        cmd
    }

    /// Starts it, its output in files of its own temporary directory.
    pub fn spawn(&self) -> Proc {
        self.try_spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.program.display()))
    }

    fn try_spawn(&self) -> Result<Proc, ProcError> {
        Proc::spawn_temp("cli", self.command(), self.stdin.as_deref())
    }

    /// Runs it to the end (or its deadline).
    pub fn try_run(&self) -> Result<Finished, ProcError> {
        self.try_spawn()?
            .wait(self.timeout.unwrap_or(Duration::MAX))
    }

    /// Runs it to the end; panics when it cannot start or overruns its deadline.
    pub fn run(&self) -> Finished {
        self.try_run()
            .unwrap_or_else(|e| panic!("{} {:?}: {e}", self.program.display(), self.args))
    }

    /// [`run`](Cli::run) on tokio's blocking pool, for async tests whose runtime also serves
    /// the platform the binary talks to.
    pub async fn output(&self) -> Finished {
        let cli = self.clone();
        tokio::task::spawn_blocking(move || cli.run())
            .await
            .unwrap_or_else(|e| panic!("the run's thread failed: {e}"))
    }
}
