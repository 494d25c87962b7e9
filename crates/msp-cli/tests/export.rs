//! Issue 25: `export` writes a run's records as `collect` writes them: the same fields
//! (`workspace_id`, `central_tenant_id`, `cluster`), the same formats (from the extension), the
//! same CSV columns and the same file safety; `--run latest` is the default.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use support::{Finished, bin, json_lines, temp_dir};

const TENANTS: &str = "3";

fn export(db: &Path, args: &[&str]) -> Finished {
    bin().arg("export").args(args).arg("--db").arg(db).run()
}

/// Writes what `collect` writes of the demo population's `device-inventory` and `devices` to
/// `file` (its format from the extension).
fn collect_to(file: &Path) {
    bin()
        .args(["demo", "-q", "--tenants", TENANTS])
        .args(["device-inventory", "devices", "-o"])
        .arg(file)
        .run()
        .assert_code(0);
}

/// The keys of a record and of its item.
fn shape(record: &serde_json::Value) -> BTreeSet<String> {
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    keys(record).into_iter().collect()
}

#[test]
fn export_has_collect_s_fields_formats_columns_and_file_safety() {
    let dir = temp_dir("export");
    let db = dir.path().join("inventory.sqlite");
    bin()
        .args(["demo", "--snapshot", "-q", "--tenants", TENANTS, "--db"])
        .arg(&db)
        .run()
        .assert_code(0);
    // What collect writes of the same population and resources.
    let collected = dir.path().join("collected.jsonl");
    collect_to(&collected);
    let collected = json_lines(&std::fs::read_to_string(&collected).unwrap());

    // `-o x.json` is a JSON array, as collect's; the default run is the latest.
    let json = dir.path().join("run.json");
    let out = bin()
        .args(["export", "-o"])
        .arg(&json)
        .arg("--db")
        .arg(&db)
        .run();
    out.assert_code(0);
    let text = std::fs::read_to_string(&json).unwrap();
    let exported: Vec<serde_json::Value> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("-o run.json is one JSON array: {e}"));
    assert_eq!(exported.len(), collected.len());
    for record in &exported {
        assert_eq!(shape(record), shape(&collected[0]), "{record}");
        assert!(record["cluster"].is_string(), "{record}");
        assert!(record["central_tenant_id"].is_string(), "{record}");
        let at = record["collected_at"].as_str().unwrap();
        assert_eq!(at.len(), "2026-12-01T00:00:00Z".len(), "{at}");
    }
    let key = |r: &serde_json::Value| {
        (
            r["workspace_id"].as_str().unwrap().to_owned(),
            r["cluster"].as_str().unwrap().to_owned(),
            r["resource"].as_str().unwrap().to_owned(),
            r["data"]["serialNumber"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let a: BTreeSet<_> = exported.iter().map(key).collect();
    let b: BTreeSet<_> = collected.iter().map(key).collect();
    assert_eq!(a, b, "the same tenants, clusters and items");

    // An existing file is left as it is unless --overwrite or --append says otherwise.
    let before = std::fs::read(&json).unwrap();
    let out = export(&db, &["--run", "latest", "-o", json.to_str().unwrap()]);
    out.assert_code(2);
    assert!(out.stderr.contains("--overwrite"), "{}", out.stderr);
    assert_eq!(
        std::fs::read(&json).unwrap(),
        before,
        "the file was not touched"
    );
    export(
        &db,
        &["--run", "1", "--overwrite", "-o", json.to_str().unwrap()],
    )
    .assert_code(0);
    assert_eq!(std::fs::read(&json).unwrap(), before, "the same run again");

    // CSV: collect's columns for the same resources.
    let csv = dir.path().join("run.csv");
    export(&db, &["-o", csv.to_str().unwrap()]).assert_code(0);
    let collect_csv = dir.path().join("collected.csv");
    collect_to(&collect_csv);
    let header = |p: &Path| {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header(&csv), header(&collect_csv));
    let rows = std::fs::read_to_string(&csv).unwrap().lines().count();
    assert_eq!(rows, exported.len() + 1);

    // --run takes a number or latest; anything else is a usage error.
    let out = export(&db, &["--run", "newest"]);
    out.assert_code(2);
    assert!(out.stderr.contains("latest"), "{}", out.stderr);
    let out = export(&db, &["--run", "9"]);
    out.assert_code(2);
    assert!(out.stderr.contains("no run 9"), "{}", out.stderr);
    // A format that contradicts the extension, as for collect.
    let out = export(
        &db,
        &[
            "--format",
            "csv",
            "-o",
            dir.path().join("x.jsonl").to_str().unwrap(),
        ],
    );
    out.assert_code(2);
}
