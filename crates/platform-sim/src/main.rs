//! `platform-sim`: run the GreenLake + Central simulator on 127.0.0.1.
//!
//! With `--state-dir DIR`, once listening it writes `DIR/endpoint.json` (atomically: a temporary
//! file renamed into place) with `glp_base_url`, `central_base_url`, `client_id`,
//! `client_secret`, `workspace_id` and `clusters` (every routed Central cluster: name, region,
//! `base_url`, `msp`), so scripts can start it and wait for the file. On SIGINT
//! or SIGTERM it stops cleanly, writes the final statistics to `DIR/stats.json` and removes
//! `DIR/endpoint.json`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use platform_sim::{CentralDialect, LimitShape, ResetStyle, SimConfig, Simulator};

/// A strict, stateful local simulator of HPE GreenLake Platform and Aruba Central.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Number of tenant workspaces.
    #[arg(long, default_value_t = 25)]
    tenants: usize,
    /// Seed of all generated data and the demo credentials.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Token lifetime in seconds (fractions allowed).
    #[arg(long, default_value_t = 900.0)]
    token_ttl: f64,
    /// Seconds a token is still accepted past its lifetime (clock-skew tolerance; default 0).
    #[arg(long, default_value_t = 0.0)]
    token_leeway: f64,
    /// GLP requests per second before 429 (default: unlimited).
    #[arg(long)]
    glp_rps: Option<f64>,
    /// Central requests per second before 429 (default: unlimited).
    #[arg(long)]
    central_rps: Option<f64>,
    /// Token requests (grants and exchanges) per minute before 429 (default: unlimited).
    #[arg(long)]
    glp_token_per_minute: Option<u32>,
    /// msp-tenants requests per minute before 429 (default: unlimited).
    #[arg(long)]
    glp_tenants_per_minute: Option<u32>,
    /// msp-tenants writes (POST, PUT, DELETE together) per minute before 429 (HPE's sample
    /// observed 10 tenant POSTs per window; default: unlimited).
    #[arg(long)]
    glp_tenant_writes_per_minute: Option<u32>,
    /// devices/v1/devices requests per minute and workspace before 429 (GreenLake: 160;
    /// default: unlimited).
    #[arg(long)]
    glp_devices_per_minute: Option<u32>,
    /// subscriptions/v1/subscriptions requests per minute and workspace before 429 (GreenLake:
    /// 60; default: unlimited).
    #[arg(long)]
    glp_subscriptions_per_minute: Option<u32>,
    /// Devices writes (PATCH devices/v1/devices) per minute and workspace before 429
    /// (GreenLake: 40; default: unlimited).
    #[arg(long)]
    glp_device_writes_per_minute: Option<u32>,
    /// Subscription adds (POST subscriptions/v1/subscriptions) per minute and workspace before
    /// 429 (GreenLake: 4, the default).
    #[arg(long, default_value_t = 4)]
    glp_subscription_writes_per_minute: u32,
    /// The subscription keys that can be added to a workspace, comma-separated (default: eight
    /// keys, SIMAPKEY0001..4, SIMSWKEY0001..2, SIMGWKEY0001..2).
    #[arg(long, value_delimiter = ',')]
    glp_claimable_keys: Vec<String>,
    /// Share (0..1) of every rate-limited budget eaten by another client (default 0).
    #[arg(long, default_value_t = 0.0)]
    background_share: f64,
    /// One budget for every API on the host (token endpoint, workspaces, Central), in requests
    /// per second (default: none; GreenLake's and Central's budgets are separate).
    #[arg(long)]
    host_rps: Option<f64>,
    /// The burst of the --glp-rps, --central-rps and --host-rps budgets, or a fixed window's
    /// size (default: max(1, rps)).
    #[arg(long)]
    limit_burst: Option<f64>,
    /// How those budgets count: `penalty` (a token bucket whose 429 holds for the wait it
    /// announces), `bucket` (a plain token bucket) or `window` (a fixed window of --limit-burst
    /// requests).
    #[arg(long, default_value = "penalty")]
    limit_shape: LimitShape,
    /// What their reset header says: `full` (seconds until full), `next` (seconds until the
    /// next token) or `epoch` (the Unix time of "full").
    #[arg(long, default_value = "full")]
    reset_style: ResetStyle,
    /// A 429 says nothing about when to come back (no Retry-After, X-RateLimit-Reset or
    /// retryAfterSeconds); with --no-rate-headers it is its status and error body alone.
    #[arg(long)]
    no_retry_headers: bool,
    /// Send no rate-limit headers (the budget shows only in 429s: Retry-After, or new Central's
    /// X-RateLimit-Reset alone).
    #[arg(long)]
    no_rate_headers: bool,
    /// Central's error and rate-limit dialect: `new` (GreenLake-shaped bodies, X-RateLimit-Limit,
    /// -Remaining, -Reset, no Retry-After) or `classic` (string httpStatusCode, "API rate limit
    /// exceeded", X-RateLimit-*-second, Retry-After).
    #[arg(long, default_value = "new")]
    central_dialect: CentralDialect,
    /// Fixed latency added to every API request, in milliseconds.
    #[arg(long, default_value_t = 0.0)]
    latency_ms: f64,
    /// Extra uniform random latency up to this many milliseconds.
    #[arg(long, default_value_t = 0.0)]
    jitter_ms: f64,
    /// Probability of a 500/502/503 per API request.
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// Probability of a dropped connection per API request.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Probability of a truncated JSON body per successful API request.
    #[arg(long, default_value_t = 0.0)]
    malformed_rate: f64,
    /// Probability that a successful write fails after it took effect (500 or a dropped
    /// connection; the change stays).
    #[arg(long, default_value_t = 0.0)]
    fault_write_after_apply: f64,
    /// Probability that a devices PATCH's asynchronous operation ends FAILED (changing nothing).
    #[arg(long, default_value_t = 0.0)]
    fault_device_operation: f64,
    /// Give every workspace with devices one STARTED Foundation subscription of each kind (AP,
    /// switch, gateway) with this many seats (default 0: none).
    #[arg(long, default_value_t = 0)]
    spare_seats: u32,
    /// Let faults hit the token endpoint too.
    #[arg(long)]
    faults_on_token_endpoint: bool,
    /// Revoke every token issued so far this many seconds after start (once).
    #[arg(long)]
    revoke_after: Option<f64>,
    /// Most items per msp-tenants page.
    #[arg(long, default_value_t = 100)]
    glp_page_cap: usize,
    /// Most items per Central page (list-tenants and monitoring).
    #[arg(long)]
    central_page_cap: Option<usize>,
    /// Device count of the largest tenant.
    #[arg(long, default_value_t = 2500)]
    max_devices: usize,
    /// The population's generation: each moves some devices offline, replaces and adds some,
    /// upgrades firmware (see `SimConfig::generation`).
    #[arg(long, default_value_t = 0)]
    generation: u32,
    /// The MSP's Central clusters, comma-separated (e.g. `US-WEST-4,EU-1`); tenants are spread
    /// over them, each served under `/clusters/{name in lower case}`.
    #[arg(long, value_delimiter = ',', default_value = "US-WEST-4")]
    clusters: Vec<String>,
    /// The last N tenants are on no Central cluster (GreenLake lists them, Central does not).
    #[arg(long, default_value_t = 0)]
    tenants_on_no_cluster: usize,
    /// Give the demo client a secret with characters that need form-encoding (`+`, `%2B`, `&`,
    /// `:`, a space...) instead of the GreenLake-like alphanumeric one, to test a client's
    /// encoding (RFC 6749 section 2.3.1).
    #[arg(long)]
    hostile_secret: bool,
    /// Port on 127.0.0.1 (0 = pick a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write endpoint.json here once listening (and stats.json on exit).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Print `export` lines for msp-orchestrator (credential, GreenLake URL, `CENTRAL_CLUSTER=auto`
    /// and every cluster's gateway on this simulator) instead of the JSON line, to paste into
    /// another shell and try the real-account steps here.
    #[arg(long)]
    print_env: bool,
}

fn secs(name: &str, v: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(v)
        .with_context(|| format!("--{name} must be a non-negative number of seconds"))
}

fn millis(name: &str, v: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(v / 1000.0)
        .with_context(|| format!("--{name} must be a non-negative number of milliseconds"))
}

impl Args {
    fn config(&self) -> Result<SimConfig> {
        Ok(SimConfig {
            tenants: self.tenants,
            seed: self.seed,
            token_ttl: secs("token-ttl", self.token_ttl)?,
            token_leeway: secs("token-leeway", self.token_leeway)?,
            glp_rps: self.glp_rps,
            central_rps: self.central_rps,
            glp_token_per_minute: self.glp_token_per_minute,
            glp_tenants_per_minute: self.glp_tenants_per_minute,
            glp_tenant_writes_per_minute: self.glp_tenant_writes_per_minute,
            glp_devices_per_minute: self.glp_devices_per_minute,
            glp_subscriptions_per_minute: self.glp_subscriptions_per_minute,
            glp_device_writes_per_minute: self.glp_device_writes_per_minute,
            glp_subscription_writes_per_minute: Some(self.glp_subscription_writes_per_minute),
            claimable_subscription_keys: if self.glp_claimable_keys.is_empty() {
                SimConfig::default().claimable_subscription_keys
            } else {
                self.glp_claimable_keys.clone()
            },
            background_share: self.background_share,
            rate_headers: !self.no_rate_headers,
            retry_headers: !self.no_retry_headers,
            host_rps: self.host_rps,
            limit_burst: self.limit_burst,
            limit_shape: self.limit_shape,
            reset_style: self.reset_style,
            central_dialect: self.central_dialect,
            latency: millis("latency-ms", self.latency_ms)?,
            latency_jitter: millis("jitter-ms", self.jitter_ms)?,
            fail_rate: self.fail_rate,
            drop_rate: self.drop_rate,
            malformed_rate: self.malformed_rate,
            write_fault_after_apply: self.fault_write_after_apply,
            device_operation_fail_rate: self.fault_device_operation,
            spare_seats: self.spare_seats,
            faults_on_token_endpoint: self.faults_on_token_endpoint,
            revoke_after: self
                .revoke_after
                .map(|v| secs("revoke-after", v))
                .transpose()?,
            glp_page_cap: self.glp_page_cap,
            central_page_cap: self.central_page_cap,
            max_devices: self.max_devices,
            port: self.port,
            generation: self.generation,
            clusters: self.clusters.clone(),
            tenants_on_no_cluster: self.tenants_on_no_cluster,
            hostile_secret: self.hostile_secret,
            remember_tokens: None,
        })
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("json.tmp.{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

/// `value` in single quotes for a POSIX shell (a quote inside as `'\''`).
fn shell_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// What `--print-env` prints: the variables msp-orchestrator reads, pointed at `sim`. Every
/// cluster the simulator routes gets its gateway, so `auto` probes only the simulator.
fn env_lines(sim: &Simulator) -> String {
    let creds = sim.credentials();
    let vars = [
        ("GLP_BASE_URL", sim.base_url().to_string()),
        ("GLP_CLIENT_ID", creds.client_id.clone()),
        ("GLP_CLIENT_SECRET", creds.client_secret.clone()),
        ("GLP_WORKSPACE_ID", creds.workspace_id.clone()),
        ("CENTRAL_CLUSTER", "auto".to_owned()),
        ("CENTRAL_CLUSTER_URLS", sim.cluster_urls().join(",")),
    ];
    let mut out = format!(
        "# platform-sim at {}: paste these lines into another shell (Ctrl-C here stops it)\n",
        sim.base_url()
    );
    for (name, value) in vars {
        out.push_str(&format!("export {name}={}\n", shell_quoted(&value)));
    }
    out
}

async fn wait_for_signal() -> Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => { r.context("waiting for SIGINT")?; Ok("SIGINT") }
            _ = term.recv() => Ok("SIGTERM"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        Ok("Ctrl-C")
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let config = args.config()?;
    let endpoint_path = args.state_dir.as_ref().map(|d| d.join("endpoint.json"));
    if let Some(dir) = &args.state_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        if let Some(p) = &endpoint_path {
            let _ = std::fs::remove_file(p);
        }
    }

    let sim = Simulator::start(config).await?;
    let creds = sim.credentials();
    let endpoint = serde_json::json!({
        "glp_base_url": sim.base_url(),
        "central_base_url": sim.base_url(),
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "workspace_id": creds.workspace_id,
        "clusters": sim.clusters(),
    });
    let text = serde_json::to_string_pretty(&endpoint)?;
    if let Some(p) = &endpoint_path {
        write_atomically(p, text.as_bytes())?;
    }
    tracing::info!(
        base_url = %sim.base_url(),
        tenants = args.tenants,
        "platform-sim listening"
    );
    if args.print_env {
        print!("{}", env_lines(&sim));
    } else {
        println!("{}", serde_json::to_string(&endpoint)?);
    }

    let signal = wait_for_signal().await?;
    tracing::info!("{signal} received, stopping");
    let stats = sim.stats();
    sim.shutdown().await;
    if let Some(dir) = &args.state_dir {
        write_atomically(&dir.join("stats.json"), &serde_json::to_vec_pretty(&stats)?)?;
        if let Some(p) = &endpoint_path {
            let _ = std::fs::remove_file(p);
        }
    }
    Ok(())
}
