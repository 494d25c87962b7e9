//! The record of applies.

use super::*;

fn change(seq: u32, action: &str, status: &str, writes: u32) -> ChangeRecord {
    ChangeRecord {
        seq,
        action: action.into(),
        tenant_id: (action != "create").then(|| "0f00".into()),
        tenant_name: format!("Tenant {seq}"),
        status: status.into(),
        http_status: (writes > 0).then_some(201),
        answer: "Tenant created".into(),
        writes,
        answer_lost: false,
        before: None,
        after: Some(r#"{"workspaceName":"x"}"#.into()),
    }
}

#[test]
fn apply_runs_record_each_action_and_read_back_by_run_and_tenant() {
    each_location!(|path| {
        let mut store = Store::open(path).expect("open");
        let new = NewApply {
            who: "client-id-1".into(),
            version: "0.1.0".into(),
            manifest_fingerprint: "aaaa".into(),
            state_fingerprint: "bbbb".into(),
        };
        let first = store.begin_apply(&new).expect("begin");
        store
            .record_change(first, &change(0, "create", "done", 1))
            .expect("record");
        store
            .record_change(first, &change(1, "nothing", "skipped", 0))
            .expect("record");
        // Interrupted here: what was done is kept, the run reads `running`.
        drop(store);
        let mut store = Store::open(path).expect("reopen");
        let runs = store.apply_runs(10).expect("runs");
        assert_eq!(runs.len(), 1);
        assert_eq!(
            (runs[0].status.as_str(), runs[0].actions, runs[0].writes),
            ("running", 2, 1)
        );
        let second = store.begin_apply(&new).expect("begin");
        store.end_apply(second, "complete").expect("end");
        let runs = store.apply_runs(10).expect("runs");
        assert_eq!((runs[0].id, runs[0].status.as_str()), (second, "complete"));
        assert!(runs[0].ended.is_some());

        let writes = store.changes(None, None, false).expect("changes");
        assert_eq!(writes.len(), 1);
        assert_eq!(writes[0].who, "client-id-1");
        assert_eq!(writes[0].change, change(0, "create", "done", 1));
        assert_eq!(
            store.changes(Some(first), None, true).expect("all").len(),
            2
        );
        assert_eq!(
            store
                .changes(None, Some("Tenant 1"), true)
                .expect("by tenant")
                .len(),
            1
        );
        assert!(matches!(
            store.changes(Some(99), None, true),
            Err(StoreError::NoSuchRun(99))
        ));
        assert!(matches!(
            store.end_apply(99, "complete"),
            Err(StoreError::NoSuchRun(99))
        ));
    });
}
