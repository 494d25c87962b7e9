//! Choosing tenants (issue 25): `--include` and `--exclude` match names, ids only for a pattern
//! that looks like one (or with `--include-id` / `--exclude-id`), `--dry-run` says why each
//! tenant matched, and an `--include` that matches nothing stops the run before any tenant is
//! contacted.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;

use platform_sim::Simulator;
use serde_json::Value;
use support::{Cli, Finished, assert_refused, cli, sim};

async fn output(cmd: Cli) -> Finished {
    cmd.output().await
}

/// (workspace id, name) of every tenant of the simulator.
fn tenants(sim: &Simulator) -> Vec<(String, String)> {
    sim.truth()
        .tenants
        .iter()
        .map(|t| (t.workspace_id.clone(), t.name.clone()))
        .collect()
}

/// The names `tenants --format jsonl` lists with `args`.
async fn selected(sim: &Simulator, args: &[&str]) -> BTreeSet<String> {
    let out = output(cli(sim).args(["tenants", "--format", "jsonl"]).args(args)).await;
    out.assert_code(0);
    out.stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["name"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn names_where(all: &[(String, String)], keep: impl Fn(&str, &str) -> bool) -> BTreeSet<String> {
    all.iter()
        .filter(|(id, name)| keep(id, name))
        .map(|(_, name)| name.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_and_exclude_match_names_not_hex_ids() {
    let sim = sim(40).await;
    let all = tenants(&sim);
    for letter in ["a", "c"] {
        // The reproduction needs a tenant whose id starts with the letter and whose name
        // does not (the issue's `大阪ロジスティクス`, `🚀 Rocket Labs`).
        assert!(
            all.iter().any(
                |(id, name)| id.starts_with(letter) && !name.to_lowercase().starts_with(letter)
            ),
            "no tenant id starts with {letter}: {all:?}"
        );
        let by_name = names_where(&all, |_, name| name.to_lowercase().starts_with(letter));
        let pattern = format!("{}*", letter.to_uppercase());
        assert_eq!(
            selected(&sim, &["--include", &pattern]).await,
            by_name,
            "--include {pattern}"
        );
        let rest = names_where(&all, |_, name| !name.to_lowercase().starts_with(letter));
        assert_eq!(
            selected(&sim, &["--exclude", &pattern]).await,
            rest,
            "--exclude {pattern}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patterns_that_look_like_ids_and_the_id_flags_match_ids() {
    let sim = sim(12).await;
    let all = tenants(&sim);
    let (id, name) = all[3].clone();
    let one = BTreeSet::from([name.clone()]);
    // A whole id, hyphenated or not, any case; its first 8 hex digits, with or without `*`.
    let compact = id.replace('-', "");
    for pattern in [
        id.clone(),
        id.to_uppercase(),
        compact.clone(),
        compact[..8].to_owned(),
        format!("{}*", &id[..13]),
    ] {
        assert_eq!(
            selected(&sim, &["--include", &pattern]).await,
            one,
            "--include {pattern}"
        );
    }
    // --include-id takes any glob over the id: the tenants whose id starts with its first digit.
    let digit = &id[..1];
    assert_eq!(
        selected(&sim, &["--include-id", &format!("{digit}*")]).await,
        names_where(&all, |i, _| i.starts_with(digit))
    );
    assert_eq!(
        selected(&sim, &["--exclude-id", &format!("{digit}*")]).await,
        names_where(&all, |i, _| !i.starts_with(digit))
    );
    // A pattern too short to be an id never matches one.
    let out = output(cli(&sim).args(["tenants", "--include", &id[..4]])).await;
    assert_eq!(out.code, Some(2), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_says_why_each_tenant_matched() {
    let sim = sim(12).await;
    let all = tenants(&sim);
    let (id, name) = all[5].clone();
    let first = name.chars().next().unwrap().to_lowercase().to_string();
    let name_pattern = format!("{first}*");
    let out = output(cli(&sim).args([
        "collect",
        "--dry-run",
        "--include",
        &name_pattern,
        "--include",
        &id[..8],
    ]))
    .await;
    out.assert_code(0);
    let stdout = &out.stdout;
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("{id} not listed: {stdout}"));
    assert!(
        line.contains(&format!("--include '{name_pattern}' by name"))
            && line.contains(&format!("--include '{}' by id", &id[..8])),
        "{line}"
    );
    for line in stdout.lines() {
        assert!(line.contains("(matched --include '"), "{line}");
    }
    assert_eq!(
        sim.stats().exchanges_per_tenant.len(),
        0,
        "nothing contacted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_include_that_matches_nothing_stops_before_any_tenant_is_contacted() {
    let sim = sim(6).await;
    let all = tenants(&sim);
    // A typo of a name: one letter changed.
    let (_, name) = all
        .iter()
        .find(|(_, n)| n.chars().count() >= 6 && n.is_ascii())
        .unwrap_or_else(|| panic!("an ASCII name: {all:?}"))
        .clone();
    let mut typo: Vec<char> = name.chars().collect();
    typo[2] = if typo[2] == 'x' { 'y' } else { 'x' };
    let typo: String = typo.into_iter().collect();
    let dir = support::temp_dir("selection-unmatched");
    let file = dir.path().join("out.jsonl");
    let out = output(
        cli(&sim)
            .args([
                "collect",
                "-q",
                "--include",
                "nomatch*",
                "--include",
                &typo,
                "--include",
                &all[0].1,
                "-o",
            ])
            .arg(&file),
    )
    .await;
    assert_refused(
        &out,
        2,
        &[
            "--include 'nomatch*' matched none of the 6 listed tenants",
            &format!("did you mean '{name}'"),
            "no tenant was contacted",
        ],
    );
    assert!(
        sim.stats().exchanges_per_tenant.is_empty(),
        "no token exchange"
    );
    let written = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(written.is_empty(), "nothing collected: {written}");
    // snapshot: the same, before a run is begun.
    let db = dir.path().join("inventory.sqlite");
    let out = output(
        cli(&sim)
            .args(["snapshot", "-q", "--include", "nomatch*", "--db"])
            .arg(&db),
    )
    .await;
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("'nomatch*'"), "{}", out.stderr);
    assert!(sim.stats().exchanges_per_tenant.is_empty());
    let out = output(cli(&sim).args(["runs", "--db"]).arg(&db)).await;
    assert!(!out.stdout.contains("partial"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_names_an_unmatched_include_with_near_names() {
    let sim = sim(6).await;
    let all = tenants(&sim);
    let name = &all[1].1;
    let typo = format!(
        "{}*",
        name.chars().skip(1).collect::<String>().to_lowercase()
    );
    let out = output(cli(&sim).args(["collect", "--dry-run", "--include", &typo])).await;
    assert_refused(
        &out,
        2,
        &[
            "matched none of the 6 listed tenants",
            &format!("did you mean '{name}'"),
        ],
    );
}
