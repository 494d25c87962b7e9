//! Append-only resources (`glp/audit-logs`): each entry once by its id across runs, the
//! watermark per tenant, and a diff that never reports an entry removed.

use super::*;

const AUDIT: &str = "glp/audit-logs";

fn entry(n: u32) -> String {
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "type": "/audit-log/log",
        "createdAt": format!("2026-12-01T00:{:02}:00Z", n),
        "description": format!("entry {n}"),
    })
    .to_string()
}

fn entries(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(entry).collect()
}

#[test]
fn runs_keep_every_entry_once_and_the_watermark_is_the_newest() {
    each_store!(|store| {
        assert!(is_append_only(AUDIT));
        assert!(!is_append_only("glp/devices"));
        let first = begin(store, AUDIT);
        write(store, first, "t1", AUDIT, &entries(0..5));
        write(store, first, "t2", AUDIT, &entries(0..2));
        store.end_run(first, RunStatus::Complete).expect("end");
        let newest = store.newest_values(AUDIT, "createdAt").expect("newest");
        assert_eq!(newest["t1"], "2026-12-01T00:04:00Z");
        assert_eq!(newest["t2"], "2026-12-01T00:01:00Z");
        assert!(
            store
                .newest_values(AUDIT, "x') OR 1=1 --")
                .expect("q")
                .is_empty()
        );

        // The second run asked from the watermark (`ge`): the newest stored entry comes again.
        let second = begin(store, AUDIT);
        write(store, second, "t1", AUDIT, &entries(4..8));
        write(store, second, "t2", AUDIT, &[]);
        store.end_run(second, RunStatus::Complete).expect("end");
        // t1: 0..5, then 5..8 (4 came again); t2: 0..2.
        assert_eq!(
            count(store, "payloads"),
            5 + 3 + 2,
            "each entry stored once"
        );
        let newest = store.newest_values(AUDIT, "createdAt").expect("newest");
        assert_eq!(newest["t1"], "2026-12-01T00:07:00Z");
        assert_eq!(newest["t2"], "2026-12-01T00:01:00Z");
        let held: i64 = one(
            store,
            "SELECT records FROM entries WHERE run_id = ?1 AND tenant_id = 't1'",
            crate::db::vals![second],
        );
        assert_eq!(held, 8, "the entry holds the history");

        let diff = store
            .diff(first, second, &DiffOptions::default())
            .expect("diff");
        let kinds: Vec<(String, ChangeKind)> = diff
            .changes
            .iter()
            .map(|c| (c.tenant_id.clone(), c.change))
            .collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert!(
            kinds
                .iter()
                .all(|(t, k)| t == "t1" && *k == ChangeKind::Added)
        );
    });
}
