//! The `msp-orchestrator` binary, run as a process against the platform simulator: exit codes,
//! output, the 401 hint, and no secret or token anywhere in what it prints or writes.
#![allow(clippy::unwrap_used)]

mod support;

use platform_sim::{SimConfig, Simulator};
use support::{
    Cli, Finished, bin, hostile_sim, json_lines, seeded_sim, sim, sim_with, target, temp_dir,
    total, truth,
};

/// The binary against `sim` with `args`, and every log on (what must not leak).
fn cli(sim: &Simulator, args: &[&str]) -> Cli {
    bin().target(&target(sim)).log("trace").args(args)
}

/// `collect -q --rate 500` of `sim`, then `args`.
fn quick_collect(sim: &Simulator, args: &[&str]) -> Cli {
    cli(sim, &["collect", "-q", "--rate", "500"]).args(args)
}

async fn output(cmd: Cli) -> Finished {
    cmd.output().await
}

/// A fresh temporary directory (named after `prefix`, removed when dropped) and the path of a
/// file `name` in it.
fn temp_file(prefix: &str, name: &str) -> (test_support::TempDir, std::path::PathBuf) {
    let dir = temp_dir(prefix);
    let path = dir.path().join(name);
    (dir, path)
}

/// The TOML lines of the MSP credentials of `sim`: client id, secret and workspace.
fn credentials_toml(sim: &Simulator) -> String {
    let creds = sim.credentials();
    format!(
        "client_id = {:?}\nclient_secret = {:?}\nworkspace_id = {:?}\n",
        creds.client_id, creds.client_secret, creds.workspace_id
    )
}

/// Writes `text` to `path` with the Unix permissions `mode`.
#[cfg(unix)]
fn write_with_mode(path: &std::path::Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn assert_no_secrets(sim: &Simulator, texts: &[&str]) {
    let secret = sim.credentials().client_secret;
    let tokens = sim.stats().issued_tokens;
    assert!(
        !tokens.is_empty(),
        "the run must have been issued tokens for this check to mean anything"
    );
    for text in texts {
        assert!(!text.contains(&secret), "the client secret leaked");
        for token in &tokens {
            assert!(!text.contains(token.as_str()), "an issued token leaked");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_writes_every_record_and_exits_zero_without_leaking() {
    // A secret that needs form-encoding: the run only succeeds if the client encodes it.
    let sim = hostile_sim(8).await;
    let dir = temp_dir("cli");
    let out_file = dir.path().join("records.jsonl");
    let failed = dir.path().join("failed.txt");
    let cmd = cli(
        &sim,
        &[
            "collect",
            "device-inventory",
            "aps",
            "--rate",
            "500",
            "--output",
        ],
    )
    .arg(&out_file)
    .arg("--failed-out")
    .arg(&failed);
    let out = output(cmd).await;
    let stderr = out.stderr.clone();
    out.assert_code(0);
    let records = std::fs::read_to_string(&out_file).unwrap();
    let truth = truth(&sim);
    let expected: u64 = truth["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t["counts"]["device-inventory"].as_u64().unwrap() + t["counts"]["aps"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(records.lines().count() as u64, expected);
    for line in records.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["tenant_id"].is_string() && v["data"].is_object());
    }
    assert!(stderr.contains("8 tenants: 8 ok, 0 failed"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&failed).unwrap(), "");
    assert_no_secrets(&sim, &[&stderr, &out.stdout, &records]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_lists_every_tenant_and_usage_errors_exit_two() {
    let sim = sim(5).await;
    let out = output(cli(&sim, &["tenants", "--format", "jsonl"])).await;
    assert_eq!(out.code, Some(0));
    let stdout = out.stdout.clone();
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    assert_no_secrets(&sim, &[&stdout, &out.stderr]);
    let out = output(cli(&sim, &["collect", "--format", "xml"])).await;
    assert_eq!(out.code, Some(2));
    let out = output(cli(&sim, &["collect", "bogus-resource"])).await;
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("device-inventory"));
    // A usage error is found before anything is contacted, whatever the credential.
    let before = sim.stats().total_requests;
    let out =
        output(cli(&sim, &["collect", "aps", "bogus-resource"]).env("GLP_CLIENT_SECRET", "wrong"))
            .await;
    assert_eq!(out.code, Some(2));
    assert_eq!(sim.stats().total_requests, before);
}

#[test]
fn missing_configuration_lists_every_problem() {
    let out = bin().env_remove("PATH").arg("collect").run();
    assert_eq!(out.code, Some(1));
    insta::assert_snapshot!(out.stderr);
}

/// A usage error's usage line names what the command needs, not the settings the environment
/// holds (clap lists every argument that has a value, env-set ones included).
#[test]
fn a_usage_error_under_a_configured_environment_shows_the_plain_usage() {
    for (args, usage) in [
        (&["plan"][..], "Usage: msp-orchestrator plan <MANIFEST>"),
        (
            &["prune"],
            "Usage: msp-orchestrator prune <--keep <N>|--older-than <DAYS>>",
        ),
        (&["apply"], "Usage: msp-orchestrator apply <MANIFEST|PLAN>"),
    ] {
        let out = bin()
            .env("GLP_CLIENT_ID", "an-id")
            .env("GLP_WORKSPACE_ID", "8c5d0a4e-7e2a-4b1e-9f3c-2a6b8d9e0f11")
            .env("GLP_BASE_URL", "http://127.0.0.1:9")
            .env("CENTRAL_CLUSTER", "auto")
            .args(args)
            .run();
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(
            out.stderr.lines().any(|l| l == usage),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("--client-id"), "{}", out.stderr);
    }
}

#[test]
fn help_snapshot() {
    let out = bin().arg("--help").run();
    assert_eq!(out.code, Some(0));
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn help_of_each_command_snapshot() {
    for command in ["tenants", "overview", "collect", "demo"] {
        let out = bin().args([command, "--help"]).run();
        assert_eq!(out.code, Some(0));
        insta::assert_snapshot!(format!("help_{command}"), out.stdout);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_table_and_summary_snapshots() {
    let sim = seeded_sim(6, 3).await;
    let out = output(cli(&sim, &["tenants"])).await;
    assert_eq!(out.code, Some(0));
    insta::with_settings!({filters => vec![(r"127\.0\.0\.1:[0-9]+", "127.0.0.1:[port]")]}, {
        insta::assert_snapshot!("tenants_table", out.stdout);
    });

    let cmd = quick_collect(&sim, &[]).env("RUST_LOG", "off");
    let out = output(cmd).await;
    assert_eq!(out.code, Some(0));
    let stderr = out.stderr.clone();
    insta::with_settings!({filters => vec![(r"\| [0-9.]+ s", "| [time] s")]}, {
        insta::assert_snapshot!("collect_summary", stderr);
    });
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_is_read_under_env_and_warns_when_others_can_read_its_secret() {
    use std::os::unix::fs::PermissionsExt;
    // `+`, `&`, `%2B`, `:` and a space in the secret, through TOML and the token request.
    let sim = hostile_sim(3).await;
    let (_dir, path) = temp_file("cfg", "config.toml");
    let base = sim.base_url();
    let toml = format!(
        "{}glp_base_url = {base:?}\ncentral_base_url = {base:?}\nrate = 100.0\n",
        credentials_toml(&sim)
    );
    write_with_mode(&path, &toml, 0o644);
    let out = output(
        bin()
            .arg("--config")
            .arg(&path)
            .args(["tenants", "--format", "csv"]),
    )
    .await;
    let stderr = out.stderr.clone();
    out.assert_code(0);
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert_eq!(out.stdout.lines().count(), 4);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    // The environment wins over the file: a wrong secret there is used, and refused.
    let cmd = bin().env("GLP_CLIENT_SECRET", "wrong");
    let out = output(cmd.arg("--config").arg(&path).arg("tenants")).await;
    let stderr = out.stderr.clone();
    out.assert_code(1);
    assert!(!stderr.contains("chmod 600"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_source_resolves_by_name_and_id_lists_rerun_exactly_those() {
    let sim = sim(7).await;
    let truth = truth(&sim);
    let tenants = truth["tenants"].as_array().unwrap();

    // Central lists its own tenant ids; each row is resolved to its GreenLake workspace.
    let out = output(cli(
        &sim,
        &["tenants", "--source", "central", "--format", "jsonl"],
    ))
    .await;
    out.assert_code(0);
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 7);
    for t in tenants {
        let row = rows
            .iter()
            .find(|r| r["workspace_id"] == t["workspace_id"])
            .unwrap();
        assert_eq!(row["tenant_id"], t["workspace_id"]);
        assert_eq!(row["central_tenant_id"], t["central_tenant_id"]);
        assert_eq!(row["name"], t["name"]);
    }

    // A list of two workspace ids (one compact, one hyphenated) runs exactly those two.
    let dir = temp_dir("ids");
    let ids = dir.path().join("ids.txt");
    let first = tenants[0]["workspace_id"].as_str().unwrap();
    let second = tenants[1]["workspace_id"].as_str().unwrap();
    std::fs::write(
        &ids,
        format!("# rerun\n{}\n{second}\n", first.replace('-', "")),
    )
    .unwrap();
    let cmd = quick_collect(&sim, &["--tenant-ids-from"]).arg(&ids);
    let out = output(cmd).await;
    out.assert_code(0);
    let expected = tenants[0]["counts"]["device-inventory"].as_u64().unwrap()
        + tenants[1]["counts"]["device-inventory"].as_u64().unwrap();
    assert_eq!(out.stdout.lines().count() as u64, expected);
    assert!(out.stderr.contains("2 tenants: 2 ok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_tenant_timeout_fails_the_tenant_with_exit_three() {
    let sim = sim_with(SimConfig {
        tenants: 3,
        latency: std::time::Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let out = output(cli(&sim, &["collect", "-q", "--timeout", "0.1"])).await;
    let stderr = out.stderr.clone();
    out.assert_code(3);
    assert!(
        stderr.contains("3 failed") && stderr.contains("[tenant_timeout]"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_output_is_refused_before_any_request_unless_overwrite_or_append() {
    let sim = sim(3).await;
    let (_dir, path) = temp_file("existing", "records.jsonl");
    std::fs::write(&path, "{\"first\":\"run\"}\n").unwrap();
    let run = |extra: &[&str]| {
        let cmd = quick_collect(&sim, &["-o"]).arg(&path).args(extra);
        output(cmd)
    };
    let out = run(&[]).await;
    let stderr = out.stderr.clone();
    out.assert_code(2);
    assert!(
        stderr.contains("--overwrite") && stderr.contains("--append"),
        "{stderr}"
    );
    assert_eq!(sim.stats().total_requests, 0, "refused before any request");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\"first\":\"run\"}\n"
    );

    // --append: the first run's line stays, the records land after it.
    let out = run(&["--append"]).await;
    out.assert_code(0);
    let text = std::fs::read_to_string(&path).unwrap();
    let truth = truth(&sim);
    let total = total(&truth, "device-inventory");
    assert!(text.starts_with("{\"first\":\"run\"}\n"));
    assert_eq!(text.lines().count() as u64, total + 1);

    // --overwrite: only this run's records.
    let out = run(&["--overwrite"]).await;
    out.assert_code(0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count() as u64, total);
    let out = run(&["--overwrite", "--append"]).await;
    assert_eq!(out.code, Some(2), "conflicting flags");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_append_keeps_one_header_and_json_cannot_be_appended() {
    let sim = sim(2).await;
    let (dir, path) = temp_file("csv-append", "records.csv");
    for extra in [&[][..], &["--append"][..]] {
        let cmd = quick_collect(&sim, &["-o"]).arg(&path).args(extra);
        let out = output(cmd).await;
        out.assert_code(0);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let header = text.lines().next().unwrap().to_owned();
    assert_eq!(text.lines().filter(|l| **l == *header).count(), 1, "{text}");
    let json = dir.path().join("records.json");
    std::fs::write(&json, "[]\n").unwrap();
    let before = sim.stats().total_requests;
    let cmd = cli(&sim, &["collect", "-q", "--append", "-o"]).arg(&json);
    let out = output(cmd).await;
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("--append works for jsonl, csv and yaml")
    );
    assert_eq!(sim.stats().total_requests, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dash_is_stdout_and_stdin_and_the_format_follows_the_extension() {
    let sim = sim(3).await;
    let dir = temp_dir("dash");
    // `-o -` is stdout: no file named `-`.
    let cmd = quick_collect(&sim, &["-o", "-"]).current_dir(&dir);
    let out = output(cmd).await;
    out.assert_code(0);
    assert!(!dir.path().join("-").exists());
    assert!(out.stdout.lines().count() > 0);
    assert!(!out.stderr.contains("records to -"));

    // `--tenant-ids-from -` reads the ids from stdin.
    let truth = truth(&sim);
    let first = truth["tenants"][0].clone();
    let id = first["workspace_id"].as_str().unwrap();
    let cmd = quick_collect(&sim, &["--tenant-ids-from", "-"]).stdin(format!("{id}\n"));
    let out = output(cmd).await;
    out.assert_code(0);
    assert_eq!(
        out.stdout.lines().count() as u64,
        first["counts"]["device-inventory"].as_u64().unwrap()
    );

    // The extension chooses the format; a contradicting --format is a usage error.
    let csv = dir.path().join("records.csv");
    let cmd = quick_collect(&sim, &["-o"]).arg(&csv);
    let out = output(cmd).await;
    out.assert_code(0);
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("tenant_id,")
    );
    let before = sim.stats().total_requests;
    let cmd =
        cli(&sim, &["collect", "--format", "table", "-o"]).arg(dir.path().join("table.jsonl"));
    let out = output(cmd).await;
    out.assert_code(2);
    assert!(out.stderr.contains("contradicts"), "{}", out.stderr);
    assert_eq!(sim.stats().total_requests, before);
    assert!(!dir.path().join("table.jsonl").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mistakes_in_the_arguments_are_usage_errors_before_any_request() {
    let sim = sim(3).await;
    let dir = temp_dir("mistakes");
    let missing = dir.path().join("no-such-dir").join("report.json");
    let missing = missing.to_str().unwrap();
    let long = format!("deviceName eq '{}'", "x".repeat(260));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // A path of a spec family that is no GET of the specs: the nearest GET paths.
        (
            vec!["collect", "network-config/v1alpha9/wlan-ssids"],
            "the nearest are network-config/v1alpha1/wlan-ssids",
        ),
        (
            vec!["collect", "monitoring/v2/clients"],
            "network-monitoring/v1/clients",
        ),
        (vec!["collect", "swiches"], "did you mean `switches`"),
        // There is no network-monitoring `sites` list: site health is `sites-health`.
        (vec!["collect", "sites"], "did you mean `sites-health`"),
        (
            vec!["collect", "network-monitoring/v1/sites"],
            "did you mean `sites-health`",
        ),
        (
            vec!["collect", "network-monitoring/v1/aps?status=ONLINE"],
            "--param",
        ),
        (vec!["collect", "--report", missing], "--report"),
        (vec!["collect", "--failed-out", missing], "--failed-out"),
        (vec!["collect", "--report", "-"], "--report takes a file"),
        (vec!["collect", "--filter", &long], "at most 256"),
        (vec!["collect", "--param", "limit=5"], "`limit` is set by"),
        (vec!["collect", "--param", "site-id"], "KEY=VALUE"),
        (
            vec!["collect", "--source", "central", "--tenant-ids-from", "x"],
            "cannot be used with",
        ),
    ];
    for (args, says) in cases {
        let out = output(cli(&sim, &args)).await;
        let stderr = out.stderr.clone();
        assert_eq!(out.code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(
            stderr.matches("error:").count(),
            1,
            "one error, not one per tenant: {stderr}"
        );
    }
    assert_eq!(sim.stats().total_requests, 0, "nothing was contacted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_patterns_that_match_nothing_are_a_usage_error() {
    let sim = sim(3).await;
    let truth = truth(&sim);
    let name = truth["tenants"][0]["name"].as_str().unwrap().to_owned();
    for command in ["collect", "tenants"] {
        let out = output(cli(
            &sim,
            &[command, "-q", "--include", "nomatch*", "--include", &name],
        ))
        .await;
        let stderr = out.stderr.clone();
        assert_eq!(out.code, Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("'nomatch*'") && !stderr.contains(&format!("'{name}'")),
            "{command}: {stderr}"
        );
    }
    let out = output(cli(&sim, &["tenants", "--include", &name])).await;
    out.assert_code(0);
    assert!(out.stderr.contains("1 tenant\n"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_sort_and_params_reach_every_tenant() {
    let sim = sim(4).await;
    let out = output(quick_collect(
        &sim,
        &[
            "aps",
            "--filter",
            "status eq 'OFFLINE'",
            "--sort",
            "deviceName desc",
        ],
    ))
    .await;
    out.assert_code(0);
    let records = json_lines(&out.stdout);
    let truth = truth(&sim);
    let all_aps = total(&truth, "aps");
    assert!(!records.is_empty() && (records.len() as u64) < all_aps);
    assert!(records.iter().all(|r| r["data"]["status"] == "OFFLINE"));
    let tenants: std::collections::BTreeSet<&str> = records
        .iter()
        .map(|r| r["tenant_id"].as_str().unwrap())
        .collect();
    assert!(tenants.len() > 1, "the filter applies to every tenant");
    for tenant in tenants {
        let names: Vec<&str> = records
            .iter()
            .filter(|r| r["tenant_id"] == tenant)
            .map(|r| r["data"]["deviceName"].as_str().unwrap())
            .collect();
        let mut sorted = names.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(names, sorted, "sorted by deviceName desc");
    }

    let out = output(quick_collect(
        &sim,
        &["--param", "site-assigned=UNASSIGNED"],
    ))
    .await;
    out.assert_code(0);
    let stdout = out.stdout.clone();
    assert!(stdout.lines().count() > 0);
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["data"]["siteAssigned"], "UNASSIGNED", "{line}");
    }
}

fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_name_the_workspace_whatever_listed_the_tenant_and_the_report_names_the_run() {
    let sim = sim(3).await;
    let truth = truth(&sim);
    let tenants = truth["tenants"].as_array().unwrap().clone();
    let dir = temp_dir("fields");
    let ids = dir.path().join("ids.txt");
    let compact: Vec<String> = tenants
        .iter()
        .map(|t| t["workspace_id"].as_str().unwrap().replace('-', ""))
        .collect();
    std::fs::write(&ids, compact.join("\n")).unwrap();
    let report = dir.path().join("report.json");
    for source in [
        &["--source", "glp"][..],
        &["--source", "central"][..],
        &[][..],
    ] {
        let mut cmd = quick_collect(&sim, &[]).args(source);
        if source.is_empty() {
            cmd = cmd.arg("--tenant-ids-from").arg(&ids);
        }
        let cmd = cmd.arg("--report").arg(&report);
        let out = output(cmd).await;
        out.assert_code(0);
        let stdout = out.stdout.clone();
        assert!(stdout.lines().count() > 0);
        for line in stdout.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let t = tenants
                .iter()
                .find(|t| t["workspace_id"] == v["workspace_id"])
                .unwrap_or_else(|| panic!("{source:?}: no tenant has {line}"));
            assert_eq!(v["tenant_id"], t["workspace_id"], "{source:?}");
            assert_eq!(v["tenant_name"], t["name"]);
            assert!(
                is_rfc3339_utc(v["collected_at"].as_str().unwrap()),
                "{line}"
            );
            if source == ["--source", "central"] {
                assert_eq!(v["central_tenant_id"], t["central_tenant_id"]);
            } else {
                assert!(v.get("central_tenant_id").is_none(), "{line}");
            }
            // A gateway given by a URL of no cluster table is named by its host and port.
            assert_eq!(
                v["cluster"].as_str(),
                sim.base_url().strip_prefix("http://"),
                "{line}"
            );
        }
        let text = std::fs::read_to_string(&report).unwrap();
        let r: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(is_rfc3339_utc(r["run"]["started_at"].as_str().unwrap()));
        assert!(
            r["run"]["version"]
                .as_str()
                .unwrap()
                .starts_with(env!("CARGO_PKG_VERSION"))
        );
        assert!(r["run"]["arguments"][0] == "collect", "{text}");
        assert_no_secrets(&sim, &[&text, &stdout]);
    }
}

#[test]
fn version_names_the_commit() {
    let out = bin().arg("--version").run();
    assert_eq!(out.code, Some(0));
    let text = out.stdout.clone();
    let prefix = format!("msp-orchestrator {} (", env!("CARGO_PKG_VERSION"));
    assert!(
        text.starts_with(&prefix) && text.trim_end().ends_with(')'),
        "{text}"
    );
    let commit = &text.trim_end()[prefix.len()..text.trim_end().len() - 1];
    assert!(
        commit == "unknown"
            || commit
                .trim_end_matches("-modified")
                .chars()
                .all(|c| c.is_ascii_hexdigit()),
        "{commit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_has_real_columns_per_resource_and_columns_chooses_them() {
    let sim = seeded_sim(8, 5).await;
    let mut shown = String::new();
    // Every Central resource, in its fixed order.
    for resource in central_api::Resource::all().iter().map(|r| r.name()) {
        let truth = truth(&sim);
        let first = truth["tenants"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["counts"][resource].as_u64().unwrap() > 1)
            .min_by_key(|t| t["counts"][resource].as_u64().unwrap())
            .unwrap_or_else(|| panic!("no tenant with {resource}: {truth}"))["workspace_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let cmd = quick_collect(&sim, &[resource, "--format", "csv", "--include"]).arg(&first);
        let out = output(cmd).await;
        out.assert_code(0);
        let text = out.stdout.clone();
        let header = text.lines().next().unwrap();
        assert!(
            !header.contains("data"),
            "no JSON blob by default: {header}"
        );
        if resource == "clients" {
            // The id of a client is its MAC: one per client, not one per site.
            let macs: std::collections::BTreeSet<&str> = text
                .lines()
                .skip(1)
                .map(|l| l.split(',').nth(3).unwrap())
                .collect();
            assert!(macs.len() > 1);
            assert_eq!(macs.len(), text.lines().count() - 1, "{text}");
        }
        shown.push_str(&format!("== {resource}\n"));
        for line in text.lines().take(3) {
            shown.push_str(line);
            shown.push('\n');
        }
    }
    insta::with_settings!({filters => vec![(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]")]}, {
        insta::assert_snapshot!("csv_per_resource", shown);
    });

    let out = output(quick_collect(
        &sim,
        &[
            "aps",
            "--format",
            "csv",
            "--columns",
            "workspace_id,serialNumber,radios.0.band,data",
        ],
    ))
    .await;
    out.assert_code(0);
    let text = out.stdout.clone();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("workspace_id,serialNumber,radios.0.band,data")
    );
    let row = lines.next().unwrap();
    assert!(row.contains(",\"{\"\"id\"\""), "{row}");
    let out = output(cli(&sim, &["collect", "--columns", "a,b"])).await;
    assert_eq!(out.code, Some(2), "--columns needs csv");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_table_has_a_row_per_tenant_and_a_failure_is_told_once() {
    let sim = seeded_sim(4, 3).await;
    let cmd = quick_collect(
        &sim,
        &["device-inventory", "sites-health", "--summary", "table"],
    )
    .env("RUST_LOG", "off")
    .env("NO_COLOR", "1");
    let out = output(cmd).await;
    out.assert_code(0);
    let stderr = out.stderr.clone();
    assert!(!stderr.contains('\u{1b}'), "no colour when not a terminal");
    insta::with_settings!({filters => vec![
        (r"\s+[0-9]+\.[0-9]s\n", "  [time]\n"),
        (r"\| [0-9.]+ s", "| [time] s"),
    ]}, {
        insta::assert_snapshot!("summary_table", stderr);
    });

    // Every tenant fails (a list the server does not have): one line each, no WARN beside it.
    let cmd = quick_collect(
        &sim,
        &["network-monitoring/v1/no-such-list", "--retries", "1"],
    )
    .env("RUST_LOG", "warn");
    let out = output(cmd).await;
    let stderr = out.stderr.clone();
    out.assert_code(3);
    assert_eq!(stderr.matches("FAILED").count(), 4, "{stderr}");
    assert!(!stderr.contains("WARN"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no ANSI when stderr is piped: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_from_greenlake_needs_no_central_gateway() {
    let sim = sim(2).await;
    let cmd = cli(&sim, &["tenants", "--format", "jsonl"]).env_remove("CENTRAL_BASE_URL");
    let out = output(cmd).await;
    out.assert_code(0);
    assert_eq!(out.stdout.lines().count(), 2);
    // Listing by Central, or collecting, still needs one.
    for args in [&["tenants", "--source", "central"][..], &["collect"][..]] {
        let cmd = cli(&sim, args).env_remove("CENTRAL_BASE_URL");
        let out = output(cmd).await;
        assert_eq!(out.code, Some(1), "{args:?}");
        assert!(out.stderr.contains("no Central gateway"), "{args:?}");
    }
}

#[test]
fn completions_and_the_man_page_need_no_configuration() {
    for (shell, says) in [
        ("bash", "_msp__orchestrator()"),
        ("zsh", "#compdef msp-orchestrator"),
        ("fish", "complete -c msp-orchestrator"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = bin().args(["completions", shell]).run();
        assert_eq!(out.code, Some(0), "{shell}");
        let text = out.stdout;
        assert!(text.contains(says), "{shell}: {text}");
        assert!(text.contains("--tenant-ids-from"), "{shell}");
    }
    let out = bin().args(["completions", "tcsh"]).run();
    assert_eq!(out.code, Some(2));
    let out = bin().arg("man").run();
    assert_eq!(out.code, Some(0));
    let text = out.stdout;
    assert!(
        text.starts_with(".ie") || text.contains(".TH msp-orchestrator"),
        "{text}"
    );
    // With a directory: a page per command besides the top-level one, each path printed.
    let dir = temp_dir("man");
    let out = bin().arg("man").arg(dir.path()).run();
    out.assert_code(0);
    let listed = out.stdout.clone();
    for page in [
        "msp-orchestrator.1",
        "msp-orchestrator-collect.1",
        "msp-orchestrator-tenants.1",
        "msp-orchestrator-config-show.1",
        "msp-orchestrator-snapshot.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(".TH msp-orchestrator"), "{page}");
        assert!(listed.contains(page), "{listed}");
    }
    assert!(
        !dir.path().join("msp-orchestrator-man.1").exists(),
        "a hidden command has no page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_lists_the_tenants_and_estimates_without_contacting_them() {
    let sim = sim(5).await;
    let (_dir, path) = temp_file("dry-run", "out.csv");
    let truth = truth(&sim);
    let name = truth["tenants"][1]["name"].as_str().unwrap().to_owned();
    let cmd = cli(
        &sim,
        &[
            "collect",
            "aps",
            "clients",
            "--dry-run",
            "--exclude",
            &name,
            "-o",
        ],
    )
    .arg(&path);
    let out = output(cmd).await;
    let stderr = out.stderr.clone();
    out.assert_code(0);
    let stdout = out.stdout.clone();
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    assert!(!stdout.contains(&name));
    assert!(
        stderr.contains("4 tenants would run") && stderr.contains("at least 12 requests"),
        "{stderr}"
    );
    assert!(!path.exists(), "a dry run writes no file");
    assert_eq!(sim.stats().token_exchanges, 0, "no tenant was contacted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_dry_run_lists_the_tenants_and_writes_no_store() {
    let sim = sim(3).await;
    let dir = temp_dir("snapshot-dry-run");
    let db = dir.path().join("inventory.sqlite");
    let cmd = cli(&sim, &["snapshot", "aps", "--dry-run", "--db"]).arg(&db);
    let out = output(cmd).await;
    let stderr = out.stderr.clone();
    out.assert_code(0);
    let stdout = out.stdout.clone();
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(stderr.contains("3 tenants would run"), "{stderr}");
    assert!(!db.exists(), "a dry run creates no store");
    assert_eq!(sim.stats().token_exchanges, 0, "no tenant was contacted");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_choose_a_set_of_keys_and_config_show_tells_each_source() {
    let sim = sim(2).await;
    let creds = sim.credentials();
    let dir = temp_dir("profiles");
    // The default file of the platform's config directory (XDG_CONFIG_HOME on Linux).
    let config_dir = dir.path().join("glp-msp");
    std::fs::create_dir_all(&config_dir).unwrap();
    let path = config_dir.join("config.toml");
    let base = sim.base_url();
    let toml = format!(
        "{}glp_base_url = \"http://127.0.0.1:9\"\ncentral_base_url = \"http://127.0.0.1:9\"\n\
         [profiles.sim]\nglp_base_url = {base:?}\ncentral_base_url = {base:?}\nconcurrency = 3\n",
        credentials_toml(&sim)
    );
    write_with_mode(&path, &toml, 0o600);
    let bin = |args: &[&str]| {
        bin()
            .env("XDG_CONFIG_HOME", dir.path())
            .env("HOME", dir.path())
            .args(args)
    };
    // The profile, by env, is the one whose URLs work.
    let cmd = bin(&["tenants", "--format", "jsonl"]).env("GLP_PROFILE", "sim");
    let out = output(cmd).await;
    out.assert_code(0);
    assert_eq!(out.stdout.lines().count(), 2);

    let out = output(bin(&["--profile", "nope", "tenants"])).await;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("no profile `nope`") && out.stderr.contains("sim"),
        "{}",
        out.stderr
    );

    let cmd = bin(&["config", "show", "--profile", "sim", "--rate", "20"])
        .env("GLP_WORKSPACE_ID", "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c");
    let out = output(cmd).await;
    out.assert_code(0);
    let stdout = out.stdout.clone();
    assert!(
        !stdout.contains(&creds.client_secret),
        "the secret is never shown"
    );
    let shown = stdout
        .replace(&dir.path().display().to_string(), "[dir]")
        .replace(&sim.base_url(), "[sim]")
        .replace(&creds.client_id, "[client id]");
    insta::assert_snapshot!("config_show", shown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_output_follows_the_extension_one_entry_per_record() {
    let sim = sim(3).await;
    let (_dir, path) = temp_file("yaml", "sites.yaml");
    let cmd = quick_collect(&sim, &["sites-health", "-o"]).arg(&path);
    let out = output(cmd).await;
    out.assert_code(0);
    let text = std::fs::read_to_string(&path).unwrap();
    let truth = truth(&sim);
    let sites = total(&truth, "sites-health");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("- ")).count() as u64,
        sites
    );
    assert!(text.starts_with("- tenant_id: \""), "{text}");
    assert!(
        text.contains("\n  data:\n    address:\n      address: \"")
            && text.contains("\n    siteName: \""),
        "{text}"
    );
}

#[test]
fn config_show_tells_a_flag_from_a_variable_clap_read() {
    let (home, config) = (temp_dir("show-env"), temp_dir("show-env-config"));
    let show = |args: &[&str]| {
        let out = bin()
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", config.path())
            .env("GLP_CLIENT_ID", "id-from-env")
            .env("CENTRAL_BASE_URL", "  ")
            .env("CENTRAL_CLUSTER", "EU-1")
            .env(
                "CENTRAL_CLUSTER_URLS",
                "EU-1=https://eu.example.com,UK=https://uk.example.com",
            )
            .args(args)
            .args(["config", "show"])
            .run();
        out.assert_code(0);
        out.stdout.clone()
    };
    let row = |text: &str, key: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let text = show(&[]);
    assert_eq!(row(&text, "client_id"), "id-from-env (env GLP_CLIENT_ID)");
    // A blank variable is unset: the cluster decides.
    assert_eq!(row(&text, "central_base_url"), "(not set)", "{text}");
    assert_eq!(row(&text, "central_cluster"), "EU-1 (env CENTRAL_CLUSTER)");
    assert_eq!(
        row(&text, "cluster_urls"),
        "EU-1=https://eu.example.com,UK=https://uk.example.com (env CENTRAL_CLUSTER_URLS)"
    );
    assert!(row(&text, "db").ends_with("(default)"), "{text}");
    let text = show(&[
        "--client-id",
        "id-from-flag",
        "--central-base-url",
        "https://a.example.com",
    ]);
    assert_eq!(row(&text, "client_id"), "id-from-flag (flag --client-id)");
    assert_eq!(
        row(&text, "central_base_url"),
        "https://a.example.com (flag --central-base-url)"
    );
    assert_eq!(
        row(&text, "central_cluster"),
        "(not used) (central_base_url decides)"
    );
}

#[test]
fn demo_uses_its_own_environment_not_the_process_s() {
    // clap reads these into the flags' fields; the demo must still use the simulator's.
    let dir = temp_dir("demo-env");
    let out = bin()
        .env("GLP_CLIENT_ID", "a-real-client")
        .env("GLP_BASE_URL", "https://greenlake.invalid")
        .env("CENTRAL_BASE_URL", "https://central.invalid")
        .args(["demo", "--tenants", "2", "-q", "-o"])
        .arg(dir.path().join("demo.jsonl"))
        .run();
    out.assert_code(0);
    assert!(!out.stderr.contains(".invalid"), "{}", out.stderr);
}

#[test]
fn the_store_of_a_profile_is_the_one_the_store_commands_open() {
    let dir = temp_dir("db-profile");
    let db = dir.path().join("profile.sqlite");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "db = \"{}/top.sqlite\"\n[profiles.p]\ndb = {:?}\n",
            dir.path().display(),
            db.display().to_string()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| bin().args(args).env("HOME", dir.path()).run();
    let c = config.to_str().unwrap();
    let out = run(&["runs", "--config", c, "--profile", "p"]);
    // A reading command opens an existing store only: the error names the one it looked for.
    out.assert_code(2);
    assert!(
        out.stderr.contains("profile.sqlite"),
        "the profile's db was looked for: {}",
        out.stderr
    );
    assert!(!out.stderr.contains("top.sqlite"), "not the top level's");
    let shown = run(&["config", "show", "--config", c, "--profile", "p"]);
    let text = shown.stdout;
    let line = text.lines().find(|l| l.starts_with("db ")).unwrap();
    assert!(line.contains("profile.sqlite"), "{line}");
}
