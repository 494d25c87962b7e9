//! `cargo xtask conformance --specs DIR`: the simulator checked against HPE's published OpenAPI
//! specs, through our own client.
//!
//! DIR is a folder laid out like the `vendor/` folder of `nowireless4u/hpe-networking-mcp` at
//! commit 91fe98424a239a91a48a7745dde14971b11d9eeb (`DIR/greenlake/*.json`,
//! `DIR/central/mrt/*.json`). The task
//! 1. installs Stoplight Prism ([`PRISM`]) into `target/prism/` with npm, once;
//! 2. merges the GreenLake specs and the Central specs into one document each
//!    (`target/conformance/`), since Prism takes one document and our client has one base URL
//!    per API;
//! 3. starts the simulator, and per API a `prism proxy --errors` in front of it, with a small
//!    recording forwarder before each Prism (and one behind, see `proxy`);
//! 4. runs `msp-orchestrator` `tenants`, `overview`, a `collect` of every resource,
//!    `collect msp/device-inventory` and `overview` with `--central-cluster auto` (the service
//!    catalog and the cluster probe) through them, then the writes (`writes`): an apply of a
//!    setup manifest, a plan and an apply of one that sends every write the client has (the
//!    devices' and subscriptions' operations polled through Prism too), and that apply again,
//!    which must send none;
//! 5. prints every violation Prism reported (request or response, operation, rule, a sample)
//!    and a total, and fails on any, or when a run fails.
//!
//! With `--errors` Prism answers a request that breaks the spec with a 422 and a response that
//! does with a 500, so a violation also fails the run it happens in; the requests no spec
//! describes (the token endpoint, the MSP-wide device inventory) go around Prism and are listed
//! as not checked.

mod proxy;
mod specs;
mod writes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use glp_msp_e2e::{Bins, Sim};
use test_support::cli::{Cli, Target};

use crate::cargo::{build_bins, target_dir};
use proxy::{Exchange, Log};

/// The Prism release installed from the npm registry.
pub(crate) const PRISM: &str = "@stoplight/prism-cli@5.16.0";

/// Every resource `collect` reads per tenant.
const RESOURCES: &[&str] = &[
    "device-inventory",
    "aps",
    "switches",
    "gateways",
    "clients",
    "sites-health",
    "devices",
    "alerts",
    "glp/devices",
    "glp/subscriptions",
    "glp/audit-logs",
];

/// `cargo xtask conformance --specs DIR [--pass-through]`.
pub(crate) fn run(args: &[String]) -> Result<()> {
    let mut specs_dir = None;
    let mut errors = true;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--specs" => specs_dir = it.next().map(PathBuf::from),
            // Prism without --errors: answers pass unchanged, so no run stops at its first
            // violation and every one is counted (a survey of a simulator far from the specs).
            "--pass-through" => errors = false,
            other => {
                bail!("unknown conformance option `{other}` (known: --specs DIR, --pass-through)")
            }
        }
    }
    let Some(dir) = specs_dir else {
        bail!(
            "--specs DIR is required: the `vendor` folder of \
             `git clone https://github.com/nowireless4u/hpe-networking-mcp` at commit \
             91fe98424a239a91a48a7745dde14971b11d9eeb"
        );
    };
    let target = target_dir()?;
    let work = target.join("conformance");
    // The spec files of `sub` merged into `work/<out>.json`.
    let merge = |sub: &str, files: &[&str], out: &str| {
        specs::merge(&dir, sub, files, &work.join(format!("{out}.json"))).map(Arc::new)
    };
    let glp = merge("greenlake", specs::GREENLAKE, "greenlake")?;
    let central = merge("central/mrt", specs::CENTRAL, "central")?;
    let prism = install_prism(&target.join("prism"))?;
    build_bins(false)?;
    let bins = Bins::in_dir(&target.join("debug"))?;
    let sim_dir = work.join("sim");
    let _ = std::fs::remove_dir_all(&sim_dir);
    let sim = Sim::start(
        &bins,
        &sim_dir,
        &[
            "--tenants",
            "6",
            "--max-devices",
            "90",
            "--central-page-cap",
            "20",
            "--glp-page-cap",
            "4",
            // Seats for the write runs' licences.
            "--spare-seats",
            "200",
        ],
    )?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the forwarders' runtime")?;
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let http = proxy::http_client()?;
    let back = runtime.block_on(proxy::start_back(&sim.endpoint.glp_base_url, http.clone()))?;
    let mut prisms = Vec::new();
    let mut fronts = Vec::new();
    for (api, spec) in [("GreenLake", &glp), ("Central", &central)] {
        let prism_log = work.join(format!("prism-{api}.log"));
        let (child, url) = start_prism(&prism, &spec.path, &back, &prism_log, errors)?;
        prisms.push(Killed(child));
        let front = proxy::Front {
            api,
            spec: spec.clone(),
            prism: url,
            back: back.clone(),
            http: http.clone(),
            log: log.clone(),
        };
        fronts.push(runtime.block_on(proxy::start_front(front))?);
    }
    let (glp_url, central_url) = (&fronts[0], &fronts[1]);
    let e = &sim.endpoint;
    let target_env = Target::new(
        &e.client_id,
        &e.client_secret,
        &e.workspace_id,
        glp_url.as_str(),
    )
    .with_central(Some(central_url));
    let cluster_urls: Vec<String> = e
        .clusters
        .iter()
        .map(|c| {
            let path = c
                .base_url
                .strip_prefix(e.central_base_url.trim_end_matches('/'));
            format!("{}={central_url}{}", c.name, path.unwrap_or_default())
        })
        .collect();
    let out = work.join("runs");
    std::fs::create_dir_all(&out)?;
    let records = out.join("records.jsonl");
    let msp = out.join("msp-inventory.jsonl");
    let mut collect: Vec<String> = vec!["collect".into()];
    collect.extend(RESOURCES.iter().map(|r| (*r).to_owned()));
    collect.extend([
        "--overwrite".into(),
        "-o".into(),
        records.display().to_string(),
    ]);
    let mut runs: Vec<(String, Cli, Option<&str>)> = vec![
        (
            "tenants".into(),
            cli(&bins, &target_env).arg("tenants"),
            None,
        ),
        (
            "overview".into(),
            cli(&bins, &target_env).arg("overview"),
            None,
        ),
        (
            collect.join(" "),
            cli(&bins, &target_env).args(&collect),
            None,
        ),
        (
            "collect msp/device-inventory".into(),
            cli(&bins, &target_env)
                .args(["collect", "msp/device-inventory", "--overwrite", "-o"])
                .arg(&msp),
            None,
        ),
        (
            "overview --central-cluster auto".into(),
            cli(&bins, &target_env.with_central(None))
                .args(["overview", "--central-cluster", "auto"])
                .env("CENTRAL_CLUSTER_URLS", cluster_urls.join(",")),
            None,
        ),
    ];
    for w in writes::runs(&sim, &out)? {
        runs.push((w.name, cli(&bins, &target_env).args(&w.args), w.expect));
    }
    let mut failed_runs = Vec::new();
    for (name, run, expect) in runs {
        eprintln!("conformance: msp-orchestrator {name}");
        let done = run.try_run().with_context(|| format!("running {name}"))?;
        std::fs::write(out.join(format!("{}.out", file_name(&name))), &done.stdout)?;
        if let Some(text) = expect
            && !done.stdout.contains(text)
        {
            failed_runs.push(format!("{name}: its output does not say `{text}`"));
        }
        if done.code != Some(0) {
            let tail: Vec<&str> = done.stderr.lines().rev().take(5).collect();
            failed_runs.push(format!(
                "{name}: exit {:?}: {}",
                done.code,
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
    }
    drop(prisms);
    let exchanges = std::mem::take(&mut *log.lock().unwrap_or_else(PoisonError::into_inner));
    let total = report(&exchanges);
    for f in &failed_runs {
        eprintln!("run failed: {f}");
    }
    if total > 0 || !failed_runs.is_empty() {
        bail!(
            "{total} violation(s) of HPE's specs, {} failed run(s); Prism's logs: {}",
            failed_runs.len(),
            work.display()
        );
    }
    Ok(())
}

/// `name` as a file name: letters, digits and `-` kept, the rest `_`.
fn file_name(name: &str) -> String {
    name.chars()
        .take(60)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn cli(bins: &Bins, target: &Target) -> Cli {
    Cli::new(&bins.orchestrator)
        .target(target)
        .log("warn")
        .arg("--quiet")
        .timeout(Duration::from_secs(600))
}

/// Prints what was checked, what was not, and every violation grouped by (direction,
/// operation, rule, location); returns the number of violations.
fn report(exchanges: &[Exchange]) -> usize {
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    let mut unchecked: BTreeMap<String, usize> = BTreeMap::new();
    let mut groups: BTreeMap<(String, String, String, String), (usize, String)> = BTreeMap::new();
    for x in exchanges {
        match &x.operation {
            Some(op) => *checked.entry(format!("{} {op}", x.api)).or_default() += 1,
            None => {
                *unchecked
                    .entry(format!("{} {}", x.api, generic(&x.request)))
                    .or_default() += 1
            }
        }
        for v in &x.violations {
            let op = x.operation.clone().unwrap_or_else(|| generic(&x.request));
            let entry = groups
                .entry((v.direction.clone(), op, v.rule.clone(), v.location.clone()))
                .or_insert_with(|| {
                    let at = format!("{} (HTTP {}, {})", x.request, x.status, v.severity);
                    (0, format!("{at}: {}", v.message))
                });
            entry.0 += 1;
        }
    }
    println!("operations checked against the specs (exchanges):");
    for (op, n) in &checked {
        println!("  {op}: {n}");
    }
    println!("schemas taken as nullable, as the spec's own words say:");
    for (file, pointer, why) in specs::CORRECTIONS {
        println!("  {file}#{pointer}: {why}");
    }
    println!("in no spec, not checked (exchanges):");
    for (op, n) in &unchecked {
        println!("  {op}: {n}");
    }
    let total: usize = groups.values().map(|(n, _)| n).sum();
    let requests: usize = groups
        .iter()
        .filter(|((d, ..), _)| d == "request")
        .map(|(_, (n, _))| n)
        .sum();
    if !groups.is_empty() {
        println!("violations:");
    }
    for ((direction, op, rule, location), (n, sample)) in &groups {
        println!("  {direction} {op} [{rule}] {location}: {n}x, e.g. {sample}");
    }
    println!(
        "total: {total} violation(s): {requests} request, {} response; {} kind(s)",
        total - requests,
        groups.len()
    );
    total
}

/// A request line with workspace ids (32 hex digits) replaced by `{workspace}`.
fn generic(request: &str) -> String {
    let path = request.split('?').next().unwrap_or(request);
    path.split('/')
        .map(|s| {
            if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
                "{workspace}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `target/prism/node_modules/.bin/prism`, installed with npm at the pinned version when it is
/// not there yet.
fn install_prism(dir: &Path) -> Result<PathBuf> {
    let bin = dir.join("node_modules").join(".bin").join("prism");
    let package = dir.join("node_modules/@stoplight/prism-cli/package.json");
    let version = PRISM.rsplit('@').next().unwrap_or_default();
    let installed = std::fs::read_to_string(&package)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned));
    if installed.as_deref() != Some(version) || !bin.exists() {
        std::fs::create_dir_all(dir)?;
        let mut cmd = Command::new("npm");
        cmd.args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir)
            .arg(PRISM);
        crate::cargo::run(cmd)
            .context("installing Prism with npm (are node and npm installed?)")?;
    }
    Ok(bin)
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `prism proxy [--errors] SPEC UPSTREAM` on a free port, logging to `log`; waits until
/// it listens (at most 3 minutes: it reads the whole document first).
fn start_prism(
    prism: &Path,
    spec: &Path,
    upstream: &str,
    log: &Path,
    errors: bool,
) -> Result<(Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let file = std::fs::File::create(log)?;
    let mut cmd = Command::new(prism);
    cmd.arg("proxy").arg(spec).arg(upstream);
    if errors {
        cmd.arg("--errors");
    }
    let mut child = cmd
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .spawn()
        .with_context(|| format!("starting {}", prism.display()))?;
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains("Prism is listening") {
            return Ok((child, format!("http://127.0.0.1:{port}")));
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "Prism exited ({status}) before listening: see {}",
                log.display()
            );
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            bail!(
                "Prism did not listen within 3 minutes: see {}",
                log.display()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
