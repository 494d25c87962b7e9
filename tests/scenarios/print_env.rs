//! The real-account steps tried against the simulator (issue 25, item 8): `platform-sim
//! --print-env` prints `export` lines; sourced by bash as they are, they make README's step 4
//! (`tenants`, `overview` with `CENTRAL_CLUSTER=auto`) work against the simulator, and nothing
//! is sent to a real HPE host.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use glp_msp_e2e::Workdir;

use crate::common::{bins, run};

#[test]
fn print_env_lines_sourced_by_bash_run_the_readme_steps_against_the_simulator() {
    let bins = bins();
    let wd = Workdir::new("print-env").unwrap();
    let mut sim = Command::new(&bins.sim)
        .args([
            "--print-env",
            "--tenants",
            "4",
            "--clusters",
            "US-WEST-4,EU-1",
        ])
        .args(["--hostile-secret"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut stdout = BufReader::new(sim.stdout.take().unwrap());
    while !lines
        .last()
        .is_some_and(|l: &String| l.starts_with("export CENTRAL_CLUSTER_URLS="))
    {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        lines.push(line);
    }
    let env_file = wd.run("sim.env");
    std::fs::write(&env_file, lines.concat()).unwrap();
    let exports = lines.iter().filter(|l| l.starts_with("export ")).count();
    assert_eq!(exports, 6, "{}", lines.concat());
    assert!(lines.concat().contains("CENTRAL_CLUSTER='auto'"));

    let step = |name: &str, command: &str| {
        let mut cmd = Command::new("bash");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUST_LOG", "off")
            .args(["--noprofile", "--norc", "-c"])
            .arg(format!(
                "source '{}' && exec '{}' {command}",
                env_file.display(),
                bins.orchestrator.display()
            ));
        run(name, &wd, cmd)
    };
    let tenants = step("print-env-tenants", "tenants --format jsonl");
    let overview = step("print-env-overview", "overview --format jsonl");
    let _ = sim.kill();
    let _ = sim.wait();
    assert_eq!(tenants.code, Some(0), "{}", tenants.stderr);
    assert_eq!(tenants.stdout.lines().count(), 4, "{}", tenants.stdout);
    assert_eq!(overview.code, Some(0), "{}", overview.stderr);
    assert_eq!(overview.stdout.lines().count(), 4, "{}", overview.stdout);
    // Both clusters were found (auto), each tenant on its own.
    for cluster in ["US-WEST-4", "EU-1"] {
        assert!(
            overview.stdout.contains(cluster),
            "{cluster}: {}",
            overview.stdout
        );
    }
}
