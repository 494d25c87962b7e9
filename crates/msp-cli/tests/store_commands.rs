//! Issue 25: the reading commands of the store (`runs`, `status`, `diff`, `export`, `prune`)
//! refuse what they cannot do instead of succeeding on it: a store that is not there, a tenant
//! or a resource the store does not hold.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;

use support::{Finished, assert_refused, bin, on_store, temp_dir, temp_store};

#[test]
fn reading_commands_need_an_existing_store() {
    let dir = temp_dir("store-missing");
    let typo = dir.path().join("typo.sqlite");
    for args in [
        &["runs"][..],
        &["status"],
        &["diff"],
        &["export", "--run", "1"],
        &["prune", "--keep", "1"],
    ] {
        let out = on_store(&typo, args);
        out.assert_code(2);
        assert!(
            out.stderr.contains(&typo.display().to_string())
                && out.stderr.contains("run `snapshot` first")
                && out.stderr.contains("--db"),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(out.stdout, "", "{args:?}: no empty table");
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
}

#[test]
fn tenants_match_as_include_does_and_unknown_ones_are_errors() {
    let (_dir, db) = temp_store("store-tenants", "6");
    let tenants = |out: &Finished| -> std::collections::BTreeSet<String> {
        let rows: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
        rows.iter()
            .map(|r| r["tenant_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = on_store(&db, &["status", "--format", "json"]);
    all.assert_code(0);
    let names = tenants(&all);
    assert!(names.len() > 1, "{names:?}");
    // A name that starts with three letters (so `Abc*` is a name's glob) and has an accent
    // or a symbol further on.
    let name = names
        .iter()
        .find(|n| n.chars().take(3).all(|c| c.is_ascii_alphabetic()))
        .unwrap()
        .clone();
    let prefix: String = name.chars().take(3).collect();

    // Any case, the whole name; or a glob.
    for pattern in [
        name.to_lowercase(),
        name.to_uppercase(),
        format!("{prefix}*"),
    ] {
        let out = on_store(&db, &["status", "--format", "json", "--tenant", &pattern]);
        out.assert_code(0);
        let chosen = tenants(&out);
        assert!(chosen.contains(&name), "{pattern}: {chosen:?}");
        assert!(
            chosen
                .iter()
                .all(|n| n.to_lowercase().starts_with(&prefix.to_lowercase())),
            "{pattern}: {chosen:?}"
        );
    }

    // A name the store does not hold: exit 2, with the nearest names.
    let mut near: String = name.chars().take(name.chars().count() - 1).collect();
    near.push('x');
    for command in [&["status"][..], &["diff"]] {
        let out = bin()
            .args(command)
            .args(["--tenant", &near, "--db"])
            .arg(&db)
            .run();
        out.assert_code(2);
        assert!(
            out.stderr.contains("no tenant of the store matches")
                && out.stderr.contains(&format!("did you mean `{name}`")),
            "{}",
            out.stderr
        );
        assert_eq!(out.stdout, "");
    }
    let out = on_store(&db, &["status", "--tenant", "acme"]);
    out.assert_code(2);
    assert!(
        !out.stderr.contains("run `snapshot` first"),
        "{}",
        out.stderr
    );

    // An id selects its tenant alone.
    let ids: std::collections::BTreeMap<String, String> = {
        let rows: Vec<serde_json::Value> = serde_json::from_str(&all.stdout).unwrap();
        rows.iter()
            .map(|r| {
                (
                    r["tenant_name"].as_str().unwrap().to_owned(),
                    r["tenant_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let out = on_store(
        &db,
        &["status", "--format", "json", "--tenant", &ids[&name]],
    );
    out.assert_code(0);
    assert_eq!(tenants(&out), [name.clone()].into_iter().collect());

    // A name typed without its accents: the suggestion has them.
    if let Some(accented) = names.iter().find(|n| n.contains(['é', 'ü', 'è', 'û'])) {
        let plain: String = accented
            .chars()
            .map(|c| match c {
                'é' | 'è' => 'e',
                'ü' | 'û' => 'u',
                other => other,
            })
            .collect();
        let out = on_store(&db, &["diff", "--tenant", &plain.to_lowercase()]);
        out.assert_code(2);
        assert!(
            out.stderr.contains(&format!("did you mean `{accented}`")),
            "{}",
            out.stderr
        );
    }

    // diff of one tenant lists only that tenant.
    let out = on_store(
        &db,
        &[
            "diff",
            "--format",
            "jsonl",
            "--tenant",
            &name.to_lowercase(),
        ],
    );
    out.assert_code(1);
    for line in out.stdout_json_lines() {
        assert_eq!(line["tenant_name"], name.as_str(), "{line}");
    }
}

/// The global selection (`--include`, `--exclude`, `--include-id`, `--exclude-id`) narrows the
/// store's readers as it narrows a live run; the commands that read the store whole refuse it
/// instead of ignoring it.
#[test]
fn the_global_selection_narrows_status_diff_and_export_and_is_refused_elsewhere() {
    use std::collections::BTreeSet;
    let (_dir, db) = temp_store("store-selection", "6");
    let names_of = |out: &Finished| -> BTreeSet<String> {
        out.assert_code(0);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
        rows.iter()
            .map(|r| r["tenant_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let names = names_of(&on_store(&db, &["status", "--format", "json"]));
    let name = names
        .iter()
        .find(|n| n.chars().take(3).all(|c| c.is_ascii_alphabetic()))
        .unwrap()
        .clone();
    let glob = format!("{}*", name.chars().take(3).collect::<String>());
    let starts = |n: &String| n.to_lowercase().starts_with(&glob[..3].to_lowercase());

    let chosen = names_of(&on_store(
        &db,
        &["status", "--format", "json", "--include", &glob],
    ));
    assert!(chosen.contains(&name), "{chosen:?}");
    assert!(chosen.iter().all(starts), "{chosen:?}");
    assert!(chosen.len() < names.len(), "{chosen:?} of {names:?}");
    let rest = names_of(&on_store(
        &db,
        &["status", "--format", "json", "--exclude", &glob],
    ));
    assert_eq!(rest, &names - &chosen);
    // With --tenant, both must choose the tenant.
    let other = rest.iter().next().unwrap();
    let both = names_of(&on_store(
        &db,
        &[
            "status",
            "--format",
            "json",
            "--include",
            &glob,
            "--tenant",
            other,
        ],
    ));
    assert!(both.is_empty(), "{both:?}");

    for command in [
        &["export", "--format", "jsonl"][..],
        &["diff", "--format", "jsonl"],
    ] {
        let out = bin()
            .args(command)
            .args(["--include", &glob, "--db"])
            .arg(&db)
            .run();
        assert!(
            matches!(out.code, Some(0 | 1)),
            "{command:?}: {}",
            out.stderr
        );
        let lines = out.stdout_json_lines();
        assert!(!lines.is_empty(), "{command:?}");
        for line in lines {
            let tenant = line["tenant_name"].as_str().unwrap().to_owned();
            assert!(chosen.contains(&tenant), "{command:?}: {line}");
        }
    }

    // An --include that matches no stored tenant is refused, as for a live run.
    let out = on_store(&db, &["status", "--include", "zzz-nobody"]);
    assert_refused(
        &out,
        2,
        &[
            "--include 'zzz-nobody' matched none of the",
            "stored tenants",
        ],
    );
    assert_eq!(out.stdout, "");
    // The commands that read the store whole refuse a selection rather than ignore it.
    for args in [
        &["runs", "--include", "x*"][..],
        &["prune", "--keep", "1", "--exclude", "x*"],
        &["changes", "--include-id", "ab*"],
    ] {
        let out = on_store(&db, args);
        assert_refused(
            &out,
            2,
            &["does not (status, diff, export and licenses --db"],
        );
        assert_eq!(out.stdout, "", "{args:?}");
    }
    // A live run's id list is no choice among stored tenants: refused, naming what is.
    for command in ["status", "runs", "export"] {
        let out = on_store(&db, &[command, "--tenant-ids-from", "ids.txt"]);
        assert_refused(&out, 2, &["--tenant-ids-from", "--include-id"]);
    }
}

#[test]
fn unknown_resources_are_errors_with_did_you_mean() {
    let (_dir, db) = temp_store("store-resources", "6");
    for args in [
        &["diff", "--resource", "devcies"][..],
        &["status", "--resource", "devcies"],
        &["export", "--run", "1", "--resource", "devcies"],
    ] {
        let out = on_store(&db, args);
        assert_refused(
            &out,
            2,
            &[
                "no resource `devcies`",
                "did you mean `devices`",
                "device-inventory, devices",
            ],
        );
        assert!(!out.stderr.contains("0 added"), "{}", out.stderr);
    }
    on_store(&db, &["diff", "--resource", "devices", "--format", "jsonl"]).assert_code(1);
}

#[test]
fn prune_dry_runs_asks_before_deleting_every_run_and_gives_the_space_back() {
    let (dir, db) = temp_store("store-prune", "6");
    let runs = |db: &Path| -> usize {
        let out = on_store(db, &["runs", "--format", "json"]);
        out.assert_code(0);
        serde_json::from_str::<Vec<serde_json::Value>>(&out.stdout)
            .unwrap()
            .len()
    };
    assert_eq!(runs(&db), 2);

    // --dry-run deletes nothing and says what it would.
    let out = on_store(&db, &["prune", "--keep", "1", "--dry-run"]);
    out.assert_code(0);
    assert!(
        out.stderr.contains("would delete 1 run (1) and keep 1 run"),
        "{}",
        out.stderr
    );
    assert_eq!(runs(&db), 2);

    // Every run: not without --yes (no terminal here to ask on).
    let out = on_store(&db, &["prune", "--keep", "0"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("every run") && out.stderr.contains("--yes"),
        "{}",
        out.stderr
    );
    assert_eq!(runs(&db), 2, "nothing was deleted");

    // One run, in the singular.
    let out = on_store(&db, &["prune", "--keep", "1"]);
    out.assert_code(0);
    assert!(out.stderr.contains("deleted 1 run (1)"), "{}", out.stderr);

    // All of them, and the file shrinks (VACUUM), the WAL too.
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let wal = dir.path().join("inventory.sqlite-wal");
    let before = size(&db) + size(&wal);
    let out = on_store(&db, &["prune", "--keep", "0", "--yes"]);
    out.assert_code(0);
    assert_eq!(runs(&db), 0);
    let after = size(&db) + size(&wal);
    assert!(
        after * 10 < before,
        "{before} bytes before, {after} after: {}",
        out.stderr
    );
}
