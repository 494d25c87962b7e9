//! `plan`, `apply` and `changes` as a user meets them: manifests refused before any contact,
//! a plan file that is not one, an update in the server's words, a delete that needs its flag,
//! and the record.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;

use platform_sim::Simulator;
use support::{Finished, assert_refused, bin, cli, sim, temp_dir};

#[test]
fn a_manifest_that_does_not_parse_or_check_is_a_usage_error_before_any_contact() {
    let dir = temp_dir("apply-usage");
    for (text, says) in [
        (
            "[[tenants]]\nworkspaceName = \"A\"\ncolour = \"red\"\n",
            "unknown field `colour`",
        ),
        (
            "[[tenants]]\ndescription = \"no name\"\n",
            "missing field `workspaceName`",
        ),
        (
            "[[tenants]]\nworkspaceName = \"Acme\"\n[[tenants]]\nworkspaceName = \" ACME \"\n",
            "#1 (line 1) and #2 (line 3) name the same workspace",
        ),
        (
            "[[device_assignments]]\ntenants = [\"*\"]\n",
            "[[device_assignments]] #1 (line 1): give 'device_types', 'serials' or both",
        ),
    ] {
        let path = dir.path().join("m.toml");
        std::fs::write(&path, text).unwrap();
        // No credential at all: the manifest is refused first.
        let out = bin().arg("plan").arg(&path).run();
        assert_refused(&out, 2, &[says]);
        let out = bin().args(["apply", "--yes"]).arg(&path).run();
        assert_refused(&out, 2, &[says]);
    }
    // Several problems: one a line. A TOML error keeps its snippet, the caret under the key.
    let path = dir.path().join("two.toml");
    std::fs::write(
        &path,
        "[[device_assignments]]\ntenants = [\"*\"]\napplication = \"x\"\n",
    )
    .unwrap();
    let out = bin().arg("plan").arg(&path).run();
    let lines: Vec<&str> = out.stderr.lines().map(str::trim).collect();
    for line in [
        "[[device_assignments]] #1 (line 1): give 'device_types', 'serials' or both",
        "[[device_assignments]] #1 (line 1): 'application' and 'region' go together",
    ] {
        assert!(lines.contains(&line), "{}", out.stderr);
    }
    std::fs::write(
        &path,
        "[[tenants]]\nworkspaceName = \"A\"\ncolour = \"red\"\n",
    )
    .unwrap();
    let out = bin().arg("plan").arg(&path).run();
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(lines.contains(&"3 | colour = \"red\""), "{}", out.stderr);
    assert!(lines.contains(&"  | ^^^^^^"), "{}", out.stderr);
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, "{\"format\": 1}").unwrap();
    let out = bin().args(["apply", "--yes"]).arg(&plan).run();
    assert_refused(&out, 2, &["is not a plan file"]);
}

/// `apply --yes EXTRA --db DB MANIFEST` against `sim`.
async fn apply(sim: &Simulator, db: &Path, manifest: &Path, extra: &[&str]) -> Finished {
    cli(sim)
        .args(["apply", "--yes"])
        .args(extra)
        .arg("--db")
        .arg(db)
        .arg(manifest)
        .output()
        .await
}

#[tokio::test]
async fn updates_deletes_and_the_record() {
    let sim = sim(3).await;
    let dir = temp_dir("apply-cli");
    let truth = sim.truth();
    let keep = &truth.workspaces[0];
    let manifest = dir.path().join("m.toml");
    let db = dir.path().join("store.sqlite");
    std::fs::write(
        &manifest,
        format!(
            "[[tenants]]\nworkspaceName = {}\ndescription = \"Managed since 2020\"\n\n\
             [[delete_tenants]]\nworkspaceName = \"Gone Ltd\"\n",
            serde_json::Value::from(keep.workspace_name.as_str())
        ),
    )
    .unwrap();
    let out = cli(&sim).arg("plan").arg(&manifest).output().await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("~ update"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("description: null -> \"Managed since 2020\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("= nothing 'Gone Ltd'"),
        "absent: nothing to delete"
    );

    let out = apply(&sim, &db, &manifest, &[]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("done    update"), "{}", out.stdout);
    let now = sim.truth();
    assert_eq!(
        now.workspaces[0].description.as_deref(),
        Some("Managed since 2020")
    );

    // A tenant with devices cannot be deleted: GreenLake's words, exit 3.
    let full = truth
        .tenants
        .iter()
        .find(|t| t.counts["device-inventory"] > 0)
        .unwrap();
    std::fs::write(
        &manifest,
        format!("[[delete_tenants]]\nid = \"{}\"\n", full.workspace_id),
    )
    .unwrap();
    let out = apply(&sim, &db, &manifest, &[]).await;
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(
        out.stdout.contains("cannot: deleting needs --allow-delete"),
        "{}",
        out.stdout
    );
    let out = apply(&sim, &db, &manifest, &["--allow-delete"]).await;
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(out.stdout.contains("failed  delete"), "{}", out.stdout);
    assert!(out.stdout.contains("HTTP 412"), "{}", out.stdout);
    assert!(out.stdout.contains("still holds"), "{}", out.stdout);
    assert_eq!(sim.truth().workspaces.len(), 3);

    let out = bin().args(["changes", "--db"]).arg(&db).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "a header, the update and the refused delete:\n{}",
        out.stdout
    );
    assert!(lines[1].contains("update") && lines[1].contains("done"));
    assert!(lines[2].contains("delete") && lines[2].contains("failed") && lines[2].contains("412"));
    let out = bin()
        .args(["changes", "--runs", "--format", "csv", "--db"])
        .arg(&db)
        .run();
    let runs: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(runs.len(), 4, "{}", out.stdout);
    assert!(runs[1].contains(",partial,"), "{}", out.stdout);
    assert!(runs[3].contains(",complete,"), "{}", out.stdout);
}
