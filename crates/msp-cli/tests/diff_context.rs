//! Issue 25: `diff` and `status` tables with context: a device listed by two resources is one
//! row, added and removed rows say what the device is, each tenant has a line of counts, and
//! every column lines up in terminal columns whatever the script of the names.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;

use msp_orchestrator::table::width;
use support::{on_store, temp_store};

/// The terminal column where `needle` starts on `line`.
fn column_of(line: &str, needle: &str) -> Option<usize> {
    line.find(needle).map(|at| width(&line[..at]))
}

#[test]
fn diff_lists_each_device_once_with_what_it_is_and_counts_per_tenant() {
    let (_dir, db) = temp_store("diff-context", "12");
    let out = on_store(&db, &["diff"]);
    out.assert_code(1);
    let text = out.stdout.clone();
    let (changes, per_tenant) = text.split_once("\n\n").expect("two tables");
    let mut lines = changes.lines();
    let header = lines.next().unwrap();
    for title in [
        "TENANT", "RESOURCE", "SERIAL", "CHANGE", "NAME", "MODEL", "STATUS",
    ] {
        assert!(header.contains(title), "{header}");
    }
    let start = |title: &str| column_of(header, title).unwrap();
    let cell = |line: &str, from: &str, to: &str| -> String {
        // Cells by terminal column: walk the characters.
        let (a, b) = (start(from), start(to));
        let mut at = 0;
        let mut out = String::new();
        for c in line.chars() {
            if at >= a && at < b {
                out.push(c);
            }
            at += width(&c.to_string());
        }
        out.trim().to_owned()
    };
    let mut seen = BTreeMap::new();
    let mut both = 0;
    for line in lines {
        let key = (
            cell(line, "TENANT", "RESOURCE"),
            cell(line, "SERIAL", "CHANGE"),
            cell(line, "CHANGE", "NAME"),
        );
        let resource = cell(line, "RESOURCE", "SERIAL");
        both += usize::from(resource == "device-inventory+devices");
        assert!(
            seen.insert(key.clone(), line.to_owned()).is_none(),
            "listed twice: {key:?}\n{line}"
        );
        if key.2 == "added" || key.2 == "removed" {
            assert_ne!(cell(line, "NAME", "MODEL"), "-", "{line}");
            assert_ne!(cell(line, "MODEL", "STATUS"), "-", "{line}");
        }
    }
    assert!(both > 0, "a device in both resources is one row: {changes}");

    // One line of counts per tenant with a change, the counts adding up to the rows.
    let mut rows = per_tenant.lines();
    let header = rows.next().unwrap();
    assert!(header.starts_with("PER TENANT"), "{per_tenant}");
    let total: usize = rows
        .map(|l| {
            l.split_whitespace()
                .rev()
                .take(4)
                .map(|n| n.parse::<usize>().unwrap())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(total, seen.len(), "{per_tenant}");
    assert!(
        out.stderr
            .contains(&format!("in {} tenants", per_tenant.lines().count() - 1)),
        "{}",
        out.stderr
    );
}

#[test]
fn status_and_diff_line_up_by_terminal_columns() {
    // 40 tenants: CJK and emoji names among them.
    let (_dir, db) = temp_store("diff-columns", "40");
    let status = on_store(&db, &["status"]);
    status.assert_code(0);
    let diff = on_store(&db, &["diff"]);
    diff.assert_code(1);
    for (what, text, title) in [
        ("status", &status.stdout, "TENANT ID"),
        ("diff", &diff.stdout, "RESOURCE"),
    ] {
        let table = text.split("\n\n").next().unwrap();
        let mut lines = table.lines();
        let header = lines.next().unwrap();
        let expected = column_of(header, title).unwrap();
        let mut wide = 0;
        for line in lines {
            let name_end = line.find("  ").unwrap();
            wide += usize::from(width(&line[..name_end]) != line[..name_end].chars().count());
            let rest = line[name_end..].trim_start();
            let at = width(&line[..line.len() - rest.len()]);
            assert_eq!(
                at, expected,
                "{what}: the second column starts at {at}:\n{line}"
            );
        }
        assert!(
            wide > 0,
            "{what}: some names are wider than their characters"
        );
    }
}
