//! Issue 25: a write that fails (a full disk: `/dev/full` on Linux) is reported as a write
//! error naming the file, never as an interruption.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

mod support;

use support::{assert_refused, bin, temp_dir};

/// What a write to `/dev/full` is reported as.
const FULL_DISK: &[&str] = &["cannot write /dev/full", "No space left"];

#[test]
fn a_full_disk_is_a_write_error_naming_the_file() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full");
        return;
    }
    let out = bin()
        .args(["demo", "-q", "--tenants", "4", "-o", "/dev/full"])
        .run();
    assert_refused(&out, 1, FULL_DISK);
    assert!(
        !out.stderr.contains("interrupt"),
        "no interruption happened: {}",
        out.stderr
    );

    // export too.
    let dir = temp_dir("write-errors");
    let db = dir.path().join("inventory.sqlite");
    bin()
        .args(["demo", "--snapshot", "-q", "--tenants", "2", "--db"])
        .arg(&db)
        .run()
        .assert_code(0);
    for format in ["jsonl", "csv"] {
        let out = bin()
            .args(["export", "--format", format, "-o", "/dev/full", "--db"])
            .arg(&db)
            .run();
        assert_refused(&out, 1, FULL_DISK);
    }
}
