//! The `platform-sim` binary, running.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::{Bins, HarnessError, Result, Stats, Truth};
use test_support::{Cli, Proc, Target, tail};

/// What the simulator writes to `endpoint.json` once it listens.
#[derive(Debug, Clone, Deserialize)]
pub struct Endpoint {
    /// GreenLake base URL.
    pub glp_base_url: String,
    /// Central base URL (the same listener).
    pub central_base_url: String,
    /// The MSP's API client id.
    pub client_id: String,
    /// The MSP's API client secret.
    pub client_secret: String,
    /// The MSP workspace id.
    pub workspace_id: String,
    /// Every Central cluster the simulator routes (name, region, base URL, whether the MSP is
    /// there).
    #[serde(default)]
    pub clusters: Vec<platform_sim::ClusterInfo>,
}

impl Endpoint {
    /// `NAME=URL,...` of every routed cluster: the value of `CENTRAL_CLUSTER_URLS` that points
    /// every cluster of the built-in table at the simulator (so that `--central-cluster auto`
    /// never leaves this machine).
    pub fn cluster_urls(&self) -> String {
        self.clusters
            .iter()
            .map(|c| format!("{}={}", c.name, c.base_url))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A running simulator on its own port (127.0.0.1, port 0), stopped when dropped.
#[derive(Debug)]
pub struct Sim {
    /// The process, killed when this is dropped.
    _proc: Proc,
    /// Where it listens and the demo credentials.
    pub endpoint: Endpoint,
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Sim {
    /// Starts `platform-sim ARGS --state-dir <dir>` (creating `dir`) and waits (at most 30 s) for its
    /// `endpoint.json`.
    pub fn start(bins: &Bins, dir: &Path, args: &[&str]) -> Result<Sim> {
        std::fs::create_dir_all(dir)
            .map_err(HarnessError::io(format!("creating {}", dir.display())))?;
        let mut cmd = Command::new(&bins.sim);
        cmd.args(args)
            .arg("--state-dir")
            .arg(dir)
            .env("RUST_LOG", "warn");
        let mut proc = Proc::spawn("platform-sim", cmd, dir)?;
        let path = dir.join("endpoint.json");
        let started = Instant::now();
        let endpoint: Endpoint = loop {
            if let Ok(text) = std::fs::read_to_string(&path) {
                break serde_json::from_str(&text).map_err(|source| HarnessError::Json {
                    what: path.display().to_string(),
                    source,
                })?;
            }
            if proc.has_exited() {
                return Err(HarnessError::SimStart(format!(
                    "platform-sim {} exited: {}",
                    args.join(" "),
                    tail(&proc.stderr_so_far(), 10)
                )));
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(HarnessError::SimStart(format!(
                    "no {} after 30 s",
                    path.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(HarnessError::io("starting a runtime for the /_sim calls"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| HarnessError::SimStart(format!("building an HTTP client: {e}")))?;
        Ok(Sim {
            _proc: proc,
            endpoint,
            runtime,
            http,
        })
    }

    /// `msp-orchestrator ARGS` with a clean environment (only `PATH`) holding this simulator's
    /// credential and URLs (`GLP_*`, `CENTRAL_BASE_URL`) and `RUST_LOG=warn`.
    pub fn orchestrator(&self, bins: &Bins, args: &[&str]) -> Command {
        self.cli(bins).args(args).command()
    }

    /// `msp-orchestrator` with a clean environment (only `PATH`) holding the simulator's
    /// credential and URLs ([`Sim::target`]) and `RUST_LOG=warn`.
    pub fn cli(&self, bins: &Bins) -> Cli {
        Cli::new(&bins.orchestrator)
            .target(&self.target())
            .log("warn")
    }

    /// The simulator's credential and base URLs.
    pub fn target(&self) -> Target {
        let e = &self.endpoint;
        Target::new(
            &e.client_id,
            &e.client_secret,
            &e.workspace_id,
            &e.glp_base_url,
        )
        .with_central(Some(&e.central_base_url))
    }

    /// GETs a `/_sim` path (e.g. `/_sim/stats`) and decodes it.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let url = format!("{}{path}", self.endpoint.glp_base_url.trim_end_matches('/'));
        let fail = |message: String| HarnessError::Sim {
            path: path.to_owned(),
            message,
        };
        self.runtime.block_on(async {
            let response = self
                .http
                .get(&url)
                .send()
                .await
                .map_err(|e| fail(e.to_string()))?;
            let status = response.status();
            let bytes = response.bytes().await.map_err(|e| fail(e.to_string()))?;
            if !status.is_success() {
                return Err(fail(format!(
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&bytes)
                )));
            }
            serde_json::from_slice(&bytes).map_err(|source| HarnessError::Json {
                what: path.to_owned(),
                source,
            })
        })
    }

    /// What it has served so far.
    pub fn stats(&self) -> Result<Stats> {
        self.get("/_sim/stats")
    }

    /// Every tenant with every record it serves.
    pub fn truth(&self) -> Result<Truth> {
        self.get("/_sim/truth?records=true")
    }
}
