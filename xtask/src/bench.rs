//! `cargo xtask bench`: the orchestrator's performance targets, measured on release builds of
//! the real binaries against the simulator, one simulator per scenario.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use glp_msp_e2e::{Bins, Finished, Proc, Sim, Stats, Workdir};
use serde::Serialize;

use crate::cargo::{build_bins, target_dir};

/// How a scenario is judged.
#[derive(Debug, Clone, Copy)]
enum Measure {
    /// Wall time against the ideal `requests x latency / concurrency`; target: at most 1.25x.
    Latency { latency_ms: f64, concurrency: usize },
    /// Central requests per second with the client's rate equal to the server's limit;
    /// target: no 429 and at least 90% of the rate.
    Rate { rate: f64 },
    /// A server budget the client is not told (Central at `limit`/s); target: at least
    /// `min_share` of it sustained, 429s at most `max_429_share` of the Central requests.
    Learned {
        limit: f64,
        min_share: f64,
        max_429_share: f64,
    },
    /// One budget for every API of the host (`budget`/s left to us), the client not told;
    /// target: at least `min_share` of it sustained, 429s at most `max_429_share` of all
    /// requests. With `ceilings` (`--rate`, `--glp-rate` told to the client) the ideal is also
    /// bounded by them: the best wall is the longest of the budget's, Central's ceiling's and
    /// GreenLake's ceiling's.
    Host {
        budget: f64,
        min_share: f64,
        max_429_share: f64,
        ceilings: Option<(f64, f64)>,
    },
    /// Throughput, CPU per request and memory with nothing in the way; target: peak RSS under
    /// 64 MiB.
    Scale,
    /// Budgets that bind (shared with another client, or per endpoint and per minute); target:
    /// exit 0 and every device of the simulator's truth collected.
    Complete,
}

#[derive(Debug)]
struct Scenario {
    name: &'static str,
    tenants: usize,
    sim: Vec<String>,
    orchestrator: Vec<String>,
    measure: Measure,
}

/// One line of the table and of `report.json`.
#[derive(Debug, Serialize)]
struct Row {
    scenario: String,
    tenants: usize,
    /// Every API request the simulator served (token endpoint included).
    requests: u64,
    /// Central requests among them.
    central_requests: u64,
    records: u64,
    wall_s: f64,
    ideal_s: Option<f64>,
    /// ideal / wall.
    efficiency: Option<f64>,
    requests_per_s: f64,
    token_grants: u64,
    exchanges_per_tenant: f64,
    rate_limited: u64,
    peak_rss_mib: Option<f64>,
    cpu_s: Option<f64>,
    cpu_us_per_request: Option<f64>,
    target: String,
    /// `None` when the figure cannot be measured here (no `/proc`).
    met: Option<bool>,
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn scenarios(quick: bool) -> Vec<Scenario> {
    let pick = |full: usize, small: usize| if quick { small } else { full };
    // The latency target is stated for 1,000 tenants, and that run takes seconds: --quick keeps
    // it (with fewer tenants, fixed costs such as the first token and the largest tenant's
    // pages would dominate the ideal).
    let latency = 1000;
    let rate = pick(200, 40);
    let scale = pick(5000, 1000);
    vec![
        Scenario {
            name: "latency-bound",
            tenants: latency,
            sim: args(&["--tenants", &latency.to_string(), "--latency-ms", "20"]),
            orchestrator: reading("collect", 16, 100000),
            measure: Measure::Latency {
                latency_ms: 20.0,
                concurrency: 16,
            },
        },
        Scenario {
            name: "defaults, unlimited",
            tenants: latency,
            sim: args(&["--tenants", &latency.to_string(), "--latency-ms", "20"]),
            // Default flags: concurrency 16, no ceilings.
            orchestrator: args(&["collect", "device-inventory"]),
            measure: Measure::Latency {
                latency_ms: 20.0,
                concurrency: 16,
            },
        },
        Scenario {
            // An MSP on two clusters, found by the service catalog and parallel probes: the
            // discovery and the placement (every cluster's list-tenants) cost little.
            name: "two clusters, auto",
            tenants: latency,
            sim: args(&[
                "--tenants",
                &latency.to_string(),
                "--latency-ms",
                "20",
                "--clusters",
                "US-WEST-4,EU-1",
            ]),
            orchestrator: args(&["collect", "device-inventory", "--central-cluster", "auto"]),
            measure: Measure::Latency {
                latency_ms: 20.0,
                concurrency: 16,
            },
        },
        learned("unknown budget, headers", rate, &[], 0.90, 0.02),
        {
            // Another client of the credential eats 40% of Central's 50/s while we run.
            let mut shared = learned(
                "shared budget",
                rate,
                &["--background-share", "0.4"],
                0.0,
                1.0,
            );
            shared.measure = Measure::Complete;
            shared
        },
        Scenario {
            name: "per-endpoint GreenLake limits",
            tenants: 30,
            // GreenLake's budgets per endpoint and per minute: 20 token requests a minute for
            // the grant and 30 exchanges, 10 msp-tenants pages a minute for 15 pages.
            sim: args(&[
                "--tenants",
                "30",
                "--glp-token-per-minute",
                "20",
                "--glp-tenants-per-minute",
                "10",
                "--glp-page-cap",
                "2",
                "--max-devices",
                "200",
                "--latency-ms",
                "10",
            ]),
            orchestrator: args(&["collect", "device-inventory", "--concurrency", "16"]),
            measure: Measure::Complete,
        },
        learned(
            "unknown budget, no headers",
            rate,
            &["--no-rate-headers"],
            0.75,
            0.10,
        ),
        host_bucket("host bucket, headers", rate, &[], &[], 0.90, 0.02, None),
        host_bucket(
            "host bucket, 429s only",
            rate,
            &["--no-rate-headers", "--no-retry-headers"],
            &[],
            0.75,
            0.10,
            None,
        ),
        host_bucket(
            "host bucket, told ceilings",
            rate,
            &[],
            &["--rate", "20", "--glp-rate", "8"],
            0.85,
            0.0,
            Some((20.0, 8.0)),
        ),
        retry_after_shared(1, rate),
        retry_after_shared(2, rate),
        retry_after_shared(3, rate),
        Scenario {
            name: "rate-bound",
            tenants: rate,
            sim: central_at_50(rate),
            orchestrator: reading("collect", 16, 50),
            measure: Measure::Rate { rate: 50.0 },
        },
        at_scale("scale", "collect", scale),
        // Issue 13: the same run into the inventory store; its target (at most 1.5x the wall
        // of `scale`) is judged once both rows are in.
        at_scale(SNAPSHOT_SCALE, "snapshot", scale),
    ]
}

/// The simulator's arguments for `tenants` tenants of up to 200 devices behind a Central that
/// allows 50 requests a second and serves pages of 20.
fn central_at_50(tenants: usize) -> Vec<String> {
    let tenants = tenants.to_string();
    args(&[
        "--tenants",
        &tenants,
        "--central-rps",
        "50",
        "--central-page-cap",
        "20",
        "--max-devices",
        "200",
    ])
}

/// The orchestrator's arguments to read every device inventory by `command` (`collect` or
/// `snapshot`), `concurrency` tenants at a time, at most `rate` Central requests a second and
/// no client-side GreenLake limit.
fn reading(command: &str, concurrency: u32, rate: u32) -> Vec<String> {
    let (concurrency, rate) = (concurrency.to_string(), rate.to_string());
    args(&[
        command,
        "device-inventory",
        "--concurrency",
        &concurrency,
        "--rate",
        &rate,
        "--glp-rate",
        "100000",
    ])
}

/// The scale scenario `name`: `tenants` small tenants, every device inventory read by
/// `command` (`collect` or `snapshot`) 32 at a time, with no client-side rate limit.
fn at_scale(name: &'static str, command: &str, tenants: usize) -> Scenario {
    Scenario {
        name,
        tenants,
        sim: args(&["--tenants", &tenants.to_string(), "--max-devices", "100"]),
        orchestrator: reading(command, 32, 100000),
        measure: Measure::Scale,
    }
}

/// The scenario that snapshots the `scale` population into the store.
const SNAPSHOT_SCALE: &str = "scale, snapshot";

/// A Central budget of 50/s the client is not told, announced in headers or not (`extra`).
fn learned(
    name: &'static str,
    tenants: usize,
    extra: &[&str],
    min_share: f64,
    max_429_share: f64,
) -> Scenario {
    let mut sim = central_at_50(tenants);
    sim.extend(args(&["--latency-ms", "10"]));
    sim.extend(args(extra));
    Scenario {
        name,
        tenants,
        sim,
        orchestrator: args(&["collect", "device-inventory", "--concurrency", "16"]),
        measure: Measure::Learned {
            limit: 50.0,
            min_share,
            max_429_share,
        },
    }
}

/// Issue 24's independent server: one token bucket for every API of the host (token endpoint,
/// workspaces, Central) at 30/s with a burst of 5, headers `X-RateLimit-Limit: 30`, whole
/// tokens left, whole seconds until the next token (GreenLake's paths name them `RateLimit-*`),
/// unless `extra_sim` says otherwise; default client flags and `extra_orch`.
fn host_bucket(
    name: &'static str,
    tenants: usize,
    extra_sim: &[&str],
    extra_orch: &[&str],
    min_share: f64,
    max_429_share: f64,
    ceilings: Option<(f64, f64)>,
) -> Scenario {
    let mut sim = args(&[
        "--tenants",
        &tenants.to_string(),
        "--host-rps",
        "30",
        "--limit-burst",
        "5",
        "--limit-shape",
        "bucket",
        "--reset-style",
        "next",
        "--central-page-cap",
        "20",
        "--max-devices",
        "200",
        "--latency-ms",
        "10",
    ]);
    sim.extend(args(extra_sim));
    let mut orchestrator = args(&["collect", "device-inventory"]);
    orchestrator.extend(args(extra_orch));
    let share = extra_sim
        .iter()
        .position(|a| *a == "--background-share")
        .and_then(|i| extra_sim.get(i + 1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    Scenario {
        name,
        tenants,
        sim,
        orchestrator,
        measure: Measure::Host {
            budget: 30.0 * (1.0 - share),
            min_share,
            max_429_share,
            ceilings,
        },
    }
}

/// The host bucket refusing with `Retry-After` only (classic Central's 429s, GreenLake's),
/// another client taking 40% of it: judged on every run, so it runs three times.
fn retry_after_shared(run: usize, tenants: usize) -> Scenario {
    let name = match run {
        1 => "host bucket, Retry-After, 40% taken (run 1)",
        2 => "host bucket, Retry-After, 40% taken (run 2)",
        _ => "host bucket, Retry-After, 40% taken (run 3)",
    };
    host_bucket(
        name,
        tenants,
        &[
            "--no-rate-headers",
            "--central-dialect",
            "classic",
            "--background-share",
            "0.4",
        ],
        &[],
        0.6,
        1.0,
        None,
    )
}

/// `cargo xtask bench [--quick]`.
pub(crate) fn run(rest: &[String]) -> Result<()> {
    let mut quick = false;
    let mut only: Option<String> = None;
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--only" => only = args.next().cloned(),
            other => bail!("unknown bench option `{other}` (known: --quick, --only NAME)"),
        }
    }
    let picked: Vec<Scenario> = scenarios(quick)
        .into_iter()
        .filter(|s| only.as_deref().is_none_or(|o| s.name.contains(o)))
        .collect();
    let serve_rows = only
        .as_deref()
        .is_none_or(|o| crate::bench_serve::NAME.contains(o));
    // The binaries, unless only `serve`'s rows (its examples) run.
    let target = target_dir()?;
    let bins = if !picked.is_empty() || only.is_none() {
        build_bins(true)?;
        Some(Bins::in_dir(&target.join(crate::cargo::PROFILING))?)
    } else {
        None
    };
    let mut rows = Vec::new();
    for (scenario, bins) in picked.into_iter().zip(std::iter::repeat(&bins).flatten()) {
        eprintln!(
            "bench: {} ({} tenants) ...",
            scenario.name, scenario.tenants
        );
        let row =
            measure(bins, &scenario).with_context(|| format!("scenario {}", scenario.name))?;
        rows.push(row);
    }
    let scale_wall = rows
        .iter()
        .find(|r| r.scenario == "scale")
        .map(|r| r.wall_s);
    if let (Some(scale_wall), Some(snapshot)) = (
        scale_wall,
        rows.iter_mut().find(|r| r.scenario == SNAPSHOT_SCALE),
    ) {
        snapshot.target = format!("{}, wall <= 1.5x scale", snapshot.target);
        snapshot.ideal_s = Some(scale_wall);
        snapshot.efficiency = Some(scale_wall / snapshot.wall_s);
        snapshot.met = snapshot
            .met
            .map(|rss_met| rss_met && snapshot.wall_s <= 1.5 * scale_wall);
    }
    let mut store = if only.is_none() {
        eprintln!("bench: the inventory store ...");
        crate::bench_store::rows(bins.as_ref().context("the binaries")?, quick)?
    } else {
        Vec::new()
    };
    if serve_rows {
        eprintln!("bench: {} at 5,000 tenants ...", crate::bench_serve::NAME);
        store.extend(crate::bench_serve::rows(quick)?);
    }
    let dashboard = if only.as_deref().is_none_or(|o| "dashboard".contains(o)) {
        eprintln!("bench: the dashboard's overview ...");
        crate::bench_dashboard::rows(quick)?
    } else {
        Vec::new()
    };
    let machine = machine();
    let table = table(&rows);
    let store_table = crate::bench_store::table("store", &store);
    let dashboard_table = crate::bench_store::table("dashboard", &dashboard);
    println!("{machine}\n\n{table}\n{store_table}\n{dashboard_table}");
    let out_dir = target.join("bench");
    std::fs::create_dir_all(&out_dir)?;
    let report = serde_json::json!({
        "command": format!("cargo xtask bench{}", if quick { " --quick" } else { "" }),
        "machine": machine,
        "rows": rows,
        "store": store,
        "dashboard": dashboard,
    });
    let path = out_dir.join("report.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&report)?)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn measure(bins: &Bins, s: &Scenario) -> Result<Row> {
    let wd = Workdir::new(&format!("bench-{}", s.name))?;
    let sim_args: Vec<&str> = s.sim.iter().map(String::as_str).collect();
    let sim = Sim::start(bins, &wd.sim(), &sim_args)?;
    let mut orch_args: Vec<&str> = s.orchestrator.iter().map(String::as_str).collect();
    let db = wd.run("inventory.sqlite");
    let db = db.to_string_lossy().into_owned();
    if orch_args.first() == Some(&"snapshot") {
        orch_args.extend(["-q", "--db", &db]);
    } else {
        orch_args.extend(["-q", "--output", "/dev/null"]);
    }
    let mut cmd = sim.orchestrator(bins, &orch_args);
    // Every cluster of the table at the simulator: `--central-cluster auto` stays here.
    cmd.current_dir(wd.run(""))
        .env("CENTRAL_CLUSTER_URLS", sim.endpoint.cluster_urls());
    let finished = Proc::spawn("orchestrator", cmd, &wd.run(""))?.wait(Duration::from_secs(900))?;
    if finished.code != Some(0) {
        bail!(
            "the orchestrator exited with {:?}:\n{}",
            finished.code,
            glp_msp_e2e::proc::tail(&finished.stderr, 20)
        );
    }
    let stats = sim.stats()?;
    let mut row = row(s, &finished, &stats);
    if matches!(s.measure, Measure::Complete) {
        let expected = sim.truth()?.total_devices;
        row.target = format!("exit 0, all {expected} records");
        row.met = Some(row.records == expected);
    }
    Ok(row)
}

fn served(stats: &Stats, endpoint: &str) -> u64 {
    stats
        .requests
        .get(endpoint)
        .map(|m| m.values().sum())
        .unwrap_or(0)
}

/// The number before ` records` in the summary line.
fn records(stderr: &str) -> u64 {
    stderr
        .lines()
        .find(|l| l.contains(" tenants: "))
        .and_then(|l| l.split(" | ").nth(1))
        .and_then(|part| part.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn row(s: &Scenario, f: &Finished, stats: &Stats) -> Row {
    let wall = f.elapsed.as_secs_f64();
    let requests = stats.total_requests;
    let central = requests - served(stats, "token") - served(stats, "msp-tenants");
    let cpu = f.usage.cpu.map(|d| d.as_secs_f64());
    let rss = f.usage.peak_rss_kib.map(|k| k as f64 / 1024.0);
    let (ideal, target, met) = match s.measure {
        Measure::Latency {
            latency_ms,
            concurrency,
        } => {
            let ideal = requests as f64 * latency_ms / 1000.0 / concurrency as f64;
            (
                Some(ideal),
                "wall <= 1.25x ideal".to_owned(),
                Some(wall <= 1.25 * ideal),
            )
        }
        Measure::Rate { rate } => {
            let ideal = central as f64 / rate;
            (
                Some(ideal),
                format!("0 429s, >= 90% of {rate}/s"),
                Some(stats.rate_limited == 0 && ideal / wall >= 0.9),
            )
        }
        Measure::Learned {
            limit,
            min_share,
            max_429_share,
        } => {
            // What the budget allowed: the answered requests (429s spend nothing).
            let ideal = central.saturating_sub(stats.rate_limited) as f64 / limit;
            let share_429 = stats.rate_limited as f64 / central.max(1) as f64;
            (
                Some(ideal),
                format!(
                    ">= {:.0}% of {limit}/s, 429s <= {:.0}%",
                    min_share * 100.0,
                    max_429_share * 100.0
                ),
                Some(ideal / wall >= min_share && share_429 <= max_429_share),
            )
        }
        Measure::Host {
            budget,
            min_share,
            max_429_share,
            ceilings,
        } => {
            let answered = requests.saturating_sub(stats.rate_limited) as f64;
            let mut ideal = answered / budget;
            let mut told = String::new();
            if let Some((rate, glp_rate)) = ceilings {
                let glp = requests - central;
                ideal = ideal.max(central as f64 / rate).max(glp as f64 / glp_rate);
                told = format!(" (told {rate}/s + {glp_rate}/s)");
            }
            let share_429 = stats.rate_limited as f64 / requests.max(1) as f64;
            let limit_429 = if max_429_share >= 1.0 {
                String::new()
            } else if max_429_share == 0.0 {
                ", 0 429s".to_owned()
            } else {
                format!(", 429s <= {:.0}%", max_429_share * 100.0)
            };
            (
                Some(ideal),
                format!(
                    ">= {:.0}% of {budget}/s{told}{limit_429}",
                    min_share * 100.0
                ),
                Some(ideal / wall >= min_share && share_429 <= max_429_share),
            )
        }
        Measure::Scale => (
            None,
            "peak RSS < 64 MiB".to_owned(),
            rss.map(|mib| mib < 64.0),
        ),
        // Judged in `measure`, against the truth.
        Measure::Complete => (None, String::new(), None),
    };
    Row {
        scenario: s.name.to_owned(),
        tenants: s.tenants,
        requests,
        central_requests: central,
        records: records(&f.stderr),
        wall_s: wall,
        ideal_s: ideal,
        efficiency: ideal.map(|i| i / wall),
        requests_per_s: requests as f64 / wall,
        token_grants: stats.client_credentials_grants,
        exchanges_per_tenant: stats.token_exchanges as f64 / s.tenants.max(1) as f64,
        rate_limited: stats.rate_limited,
        peak_rss_mib: rss,
        cpu_s: cpu,
        cpu_us_per_request: cpu.map(|c| c * 1e6 / requests.max(1) as f64),
        target,
        met,
    }
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.digits$}"))
}

/// The table, as Markdown (readable in a terminal too).
fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| scenario | tenants | requests | records | wall s | ideal s | efficiency | req/s | \
         CPU µs/req | token grants | exchanges/tenant | 429s | peak RSS MiB | target | met |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} | {} | {} | {:.0} | {} | {} | {:.2} | {} | {} | {} | {} |",
            r.scenario,
            r.tenants,
            r.requests,
            r.records,
            r.wall_s,
            opt(r.ideal_s, 2),
            opt(r.efficiency, 2),
            r.requests_per_s,
            opt(r.cpu_us_per_request, 0),
            r.token_grants,
            r.exchanges_per_tenant,
            r.rate_limited,
            opt(r.peak_rss_mib, 1),
            r.target,
            verdict(r.met)
        );
    }
    out
}

/// How a row's target fared, as the tables say it.
pub(crate) fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "NOT MET",
        None => "not measured",
    }
}

/// What the figures were measured on.
fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or_else(|| "unknown CPU".to_owned(), |s| s.trim().to_owned());
    let mem_gib = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or_else(|| "?".to_owned(), |k| format!("{:.0}", k / 1024.0 / 1024.0));
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!(
        "machine: {cores} cores ({cpu}), {mem_gib} GiB, {} {kernel}, {rustc}; simulator and \
         orchestrator share the cores",
        std::env::consts::OS
    )
}
