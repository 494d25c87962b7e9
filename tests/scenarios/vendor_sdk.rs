//! Scenario 11: the vendor's Python SDK (`pycentral==2.0a25`), unchanged, runs its MSP flow
//! against the default simulator: MSP token, msp-tenants, a token exchange per tenant and each
//! tenant's device inventory, compared with the truth (`tests/vendor-sdk/msp_flow.py`,
//! `docs/vendor-sdk.md`). A second run with 3 s tokens shows the SDK's own renewal (on a 401)
//! working against the simulator.
//!
//! The SDK lives in a virtual environment under the target directory
//! (`target/vendor-sdk/venv-pycentral-2.0a25`), made once with `python3 -m venv` and `pip
//! install` and reused after that. Where python3 (3.10 or later), its venv module or the package
//! cannot be had, the scenario is skipped, not failed: one `SKIPPED:` line on stderr and a line
//! in the skip record (`test_support::skip`), so `cargo xtask test` reports it as skipped and
//! never as passed; so it is with `GLP_MSP_SKIP_VENDOR_SDK` set. `PYTHON` names another interpreter than `python3`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use glp_msp_e2e::Proc;
use glp_msp_e2e::proc::tail;
use serde_json::Value;

use crate::common::{assert_exit, run, served, start};

/// The SDK release the flow is pinned to.
const VERSION: &str = "2.0a25";
/// Longest wait for `python -m venv` and for `pip install`.
const SETUP_LIMIT: Duration = Duration::from_secs(300);

#[test]
fn the_vendor_sdk_runs_its_msp_flow_unchanged_against_the_default_simulator() {
    // Default settings, port 0.
    let test =
        "vendor_sdk::the_vendor_sdk_runs_its_msp_flow_unchanged_against_the_default_simulator";
    let Some(flow) = Flow::run(test, "vendor-sdk", &[], &[]) else {
        return;
    };
    let stats = flow.sim.stats().unwrap();
    let tenants = flow.truth.tenants.len() as u64;
    // One MSP token, one exchange per tenant, nothing refused on the way.
    assert_eq!(stats.client_credentials_grants, 1);
    assert_eq!(stats.token_exchanges, tenants);
    assert!(
        stats.exchanges_per_tenant.values().all(|&n| n == 1),
        "{:?}",
        stats.exchanges_per_tenant
    );
    assert_eq!((stats.unauthorized, stats.forbidden), (0, 0));
    assert_eq!(stats.rate_limited, 0);
    for (endpoint, by_status) in &stats.requests {
        assert!(
            by_status.keys().all(|s| s == "200"),
            "{endpoint}: {by_status:?}"
        );
    }
    assert_eq!(
        served(&stats, "msp-tenants"),
        flow.report["msp_tenants_pages"].as_u64().expect("pages")
    );
    assert_eq!(served(&stats, "device-inventory"), flow.pages);
}

#[test]
fn the_vendor_sdk_renews_expired_tokens_on_the_simulators_401() {
    // Tokens of 3 s; the script waits 4 s, then reads one inventory again through its cached
    // tenant connection: a 401, a new MSP token, a new exchange, the same devices.
    let Some(flow) = Flow::run(
        "vendor_sdk::the_vendor_sdk_renews_expired_tokens_on_the_simulators_401",
        "vendor-sdk-expiry",
        &["--tenants", "4", "--max-devices", "60", "--token-ttl", "3"],
        &["--expire-after", "4"],
    ) else {
        return;
    };
    let again = &flow.report["after_expiry"];
    let id = again["id"].as_str().expect("after_expiry.id");
    let expected = flow
        .truth
        .tenants
        .iter()
        .find(|t| t.workspace_id == id)
        .and_then(|t| t.counts.get("device-inventory").copied())
        .expect("a tenant of the truth");
    assert_eq!(again["devices"], expected, "{id} read again after expiry");
    let stats = flow.sim.stats().unwrap();
    assert!(stats.unauthorized >= 1, "the expired token got no 401");
    assert!(stats.client_credentials_grants >= 2, "no new MSP token");
    assert!(
        stats.token_exchanges > flow.truth.tenants.len() as u64,
        "no new exchange"
    );
    assert_eq!(stats.forbidden, 0);
}

/// One run of `msp_flow.py` against a simulator started with `sim_args`, its report checked
/// against the truth: every tenant's id, name and device count, no device twice, no hyphen
/// rejection, no token printed. `None` when the SDK cannot be had (`test` is recorded as
/// skipped).
struct Flow {
    _wd: glp_msp_e2e::Workdir,
    sim: glp_msp_e2e::Sim,
    truth: glp_msp_e2e::Truth,
    report: Value,
    /// device-inventory pages the SDK's pager needs for every tenant once.
    pages: u64,
}

impl Flow {
    fn run(test: &str, name: &str, sim_args: &[&str], script_args: &[&str]) -> Option<Flow> {
        if std::env::var_os("GLP_MSP_SKIP_VENDOR_SDK").is_some() {
            skip(test, "GLP_MSP_SKIP_VENDOR_SDK is set");
            return None;
        }
        let python = match sdk_python() {
            Ok(p) => p,
            Err(why) => {
                skip(test, &why);
                return None;
            }
        };
        let (_bins, wd, sim) = start(name, sim_args);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor-sdk/msp_flow.py");
        let mut cmd = Command::new(&python);
        cmd.arg(&script)
            .arg(wd.sim().join("endpoint.json"))
            .args(script_args)
            .env("PYTHONIOENCODING", "utf-8")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(wd.run(""));
        let out = run("msp-flow", &wd, cmd);
        assert_exit(&out, 0);
        let report: Value = serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "the script's stdout is not one JSON document ({e}):\n{}",
                tail(&out.stdout, 20)
            )
        });
        assert_eq!(report["sdk_version"], VERSION);

        // Every tenant, with its name, and each one's whole inventory, once.
        let truth = sim.truth().unwrap();
        assert_eq!(report["msp_tenants_total"], truth.tenant_count);
        let seen = report["tenants"].as_array().expect("tenants");
        assert_eq!(seen.len(), truth.tenants.len(), "tenants listed");
        let expected: BTreeMap<&str, (&str, u64)> = truth
            .tenants
            .iter()
            .map(|t| {
                let devices = t.counts.get("device-inventory").copied().unwrap_or(0);
                (t.workspace_id.as_str(), (t.name.as_str(), devices))
            })
            .collect();
        let mut pages = 0;
        let mut with_devices = 0;
        for t in seen {
            let id = t["id"].as_str().expect("id");
            let (name, devices) = expected
                .get(id)
                .unwrap_or_else(|| panic!("{id} is not a tenant of the truth"));
            assert_eq!(t["name"], *name, "{id}");
            assert_eq!(
                t["devices"], *devices,
                "{id} ({name}): device-inventory count"
            );
            assert_eq!(
                t["unique_serials"], *devices,
                "{id} ({name}): a device twice"
            );
            // The SDK asks for 1000 a page and stops once it holds `total`.
            pages += devices.div_ceil(1000).max(1);
            with_devices += u64::from(*devices > 0);
        }
        assert!(
            with_devices >= 2,
            "the flow must read at least two inventories"
        );

        let stats = sim.stats().unwrap();
        assert_eq!(stats.hyphen_rejections, 0);
        // The SDK logs tokens only at DEBUG; the script runs at INFO: nothing issued is printed.
        for token in &stats.issued_tokens {
            assert!(
                !out.stdout.contains(token.as_str()) && !out.stderr.contains(token.as_str()),
                "an issued token was printed"
            );
        }
        Some(Flow {
            _wd: wd,
            sim,
            truth,
            report,
            pages,
        })
    }
}

/// Says why `test` did not run and records it as skipped (`test_support::skip`).
fn skip(test: &str, why: &str) {
    test_support::skip(test, &format!("pycentral {VERSION}: {why}"));
}

/// The target directory: `target/<profile>/deps/<this test>` → `target`.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// The interpreter of a virtual environment holding the SDK, made (or remade) if need be, once
/// per test process (the scenarios here run in parallel); why not, when it cannot be had.
fn sdk_python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON.get_or_init(make_venv).clone()
}

fn make_venv() -> Result<PathBuf, String> {
    let base = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    let root = target_dir().join("vendor-sdk");
    std::fs::create_dir_all(&root).map_err(|e| format!("creating {}: {e}", root.display()))?;
    let venv = root.join(format!("venv-pycentral-{VERSION}"));
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    // Written last, once the package imports: its presence means the venv is complete.
    let ready = venv.join("glp-msp-ready");
    if ready.is_file() && python.is_file() {
        return Ok(python);
    }

    // `name` also names the step's output files in `root`.
    let step = |name: &str, cmd: Command| -> Result<(), String> {
        let done = Proc::spawn(name, cmd, &root)
            .and_then(|p| p.wait(SETUP_LIMIT))
            .map_err(|e| format!("{name}: {}", first_line(&e.to_string())))?;
        if done.code == Some(0) {
            Ok(())
        } else {
            Err(format!(
                "{name} exited with {:?}: {}",
                done.code,
                last_line(&done.stderr)
            ))
        }
    };
    let mut check = Command::new(&base);
    check.args([
        "-c",
        "import sys; sys.exit(0 if sys.version_info >= (3, 10) else 3)",
    ]);
    step("python-version", check)
        .map_err(|e| format!("no python3 3.10 or later ({}): {e}", base.to_string_lossy()))?;
    let _ = std::fs::remove_dir_all(&venv);
    let mut make = Command::new(&base);
    make.arg("-m").arg("venv").arg(&venv);
    step("venv", make)?;
    let mut pip = Command::new(&python);
    pip.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--retries",
        "1",
        "--timeout",
        "30",
        &format!("pycentral=={VERSION}"),
    ]);
    step("pip-install", pip)?;
    let mut import = Command::new(&python);
    import.args([
        "-c",
        &format!("import sys, pycentral; sys.exit(pycentral.__version__ != {VERSION:?})"),
    ]);
    step("import-pycentral", import)?;
    std::fs::write(&ready, VERSION).map_err(|e| format!("writing {}: {e}", ready.display()))?;
    Ok(python)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)")
        .trim()
}
