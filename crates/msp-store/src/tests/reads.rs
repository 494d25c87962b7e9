//! The reading side of the store: diff, status, export, prune and the guide's queries on the
//! views.

use serde_json::json;

use super::*;

#[test]
fn diff_reports_added_removed_changed_and_missing_tenants() {
    each_store!(|store| {
        let a = run_with(
            store,
            &[
                (
                    "t1",
                    vec![
                        device("SN1", "ONLINE", "1.0"),
                        device("SN2", "ONLINE", "1.0"),
                    ],
                ),
                ("t2", vec![device("SN9", "ONLINE", "1.0")]),
            ],
        );
        let mut uptime_only: serde_json::Value =
            serde_json::from_str(&device("SN4", "ONLINE", "1.0")).expect("json");
        let b = run_with(
            store,
            &[(
                "t1",
                vec![
                    device("SN1", "OFFLINE", "2.0"),
                    device("SN3", "ONLINE", "1.0"),
                ],
            )],
        );
        let diff = store.diff(a, b, &DiffOptions::default()).expect("diff");
        let summary: Vec<(String, ChangeKind, Vec<String>)> = diff
            .changes
            .iter()
            .map(|c| {
                (
                    c.key.clone(),
                    c.change,
                    c.fields.iter().map(|f| f.field.clone()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "SN1".into(),
                    ChangeKind::Changed,
                    vec!["status".into(), "firmware".into()]
                ),
                ("SN2".into(), ChangeKind::Removed, vec![]),
                ("SN3".into(), ChangeKind::Added, vec![]),
            ]
        );
        assert_eq!(diff.changes[0].fields[0].before, json!("ONLINE"));
        assert_eq!(diff.changes[0].fields[0].after, json!("OFFLINE"));
        assert_eq!(
            diff.missing,
            vec![Missing {
                tenant_id: "t2".into(),
                tenant_name: "t2 Inc".into(),
                resource: "aps".into(),
                missing_in: b,
            }]
        );
        assert!(!diff.is_empty());
        // Equal runs: nothing. A change in an untracked field shows only with all_fields.
        let c = run_with(store, &[("t1", vec![uptime_only.to_string()])]);
        uptime_only["uptimeSeconds"] = json!(6);
        let d = run_with(store, &[("t1", vec![uptime_only.to_string()])]);
        assert!(
            store
                .diff(c, d, &DiffOptions::default())
                .expect("diff")
                .is_empty()
        );
        let all = DiffOptions {
            all_fields: true,
            ..DiffOptions::default()
        };
        let diff = store.diff(c, d, &all).expect("diff");
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(diff.changes[0].fields[0].field, "uptimeSeconds");
        assert!(store.diff(c, c, &all).expect("diff").is_empty());
    });
}

#[test]
fn status_counts_the_latest_complete_data_offline_first() {
    each_store!(|store| {
        run_with(
            store,
            &[
                ("t1", vec![device("SN1", "ONLINE", "1.0")]),
                ("t2", vec![device("SN5", "ONLINE", "1.0")]),
            ],
        );
        let second = begin(store, "aps");
        let items = [
            device("SN5", "OFFLINE", "1.0"),
            device("SN6", "ONLINE", "1.0"),
        ];
        write(store, second, "t2", "aps", &items);
        store
            .note_incomplete(second, "t1", "t1 Inc", "aps", Incomplete::Failed, "boom")
            .expect("noted");
        store.end_run(second, RunStatus::Partial).expect("end");
        let rows = store.status(None, None).expect("status");
        let shown: Vec<(&str, RunId, &str, u64)> = rows
            .iter()
            .map(|r| (r.tenant_id.as_str(), r.run_id, r.status.as_str(), r.count))
            .collect();
        // t2 has an offline device: first, offline row first; t1 from the first run (its second
        // failed).
        assert_eq!(
            shown,
            vec![
                ("t2", second, "OFFLINE", 1),
                ("t2", second, "ONLINE", 1),
                ("t1", 1, "ONLINE", 1)
            ]
        );
        assert_eq!(
            store
                .status(Some("t1 Inc"), Some("aps"))
                .expect("status")
                .len(),
            1
        );
        assert!(
            store
                .status(None, Some("switches"))
                .expect("status")
                .is_empty()
        );
    });
}

#[test]
fn export_returns_the_texts_as_collected() {
    each_store!(|store| {
        let text = r#"{"serialNumber": "SN1",  "z": 1, "a": "ü"}"#;
        let run = run_with(store, &[("t1", vec![text.to_owned()])]);
        let mut seen = Vec::new();
        let n = store
            .export(run, Some("aps"), |item| {
                seen.push(item);
                Ok::<_, StoreError>(())
            })
            .expect("export");
        assert_eq!(n, 1);
        assert_eq!(seen[0].data, text);
        assert_eq!(seen[0].tenant_name, "t1 Inc");
        assert!(matches!(
            store.export(42, None, |_| Ok::<_, StoreError>(())),
            Err(StoreError::NoSuchRun(42))
        ));
    });
}

#[test]
fn prune_keeps_the_newest_runs_and_the_payloads_they_use() {
    each_store!(|store| {
        let r1 = run_with(store, &[("t1", vec![device("OLD", "ONLINE", "1.0")])]);
        let r2 = run_with(store, &[("t1", vec![device("SN1", "ONLINE", "1.0")])]);
        let r3 = run_with(store, &[("t1", vec![device("SN1", "ONLINE", "1.0")])]);
        let running = begin(store, "aps");
        let pruned = store.prune(PruneBy::Keep(2)).expect("prune");
        // The newest two are r3 and the running one; r2 goes too, and so does OLD's payload, not
        // SN1's (r3 uses it).
        assert_eq!(
            pruned,
            Pruned {
                runs: 2,
                payloads: 1
            }
        );
        let ids: Vec<RunId> = store.runs().expect("runs").iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![r3, running]);
        assert!(!ids.contains(&r1) && !ids.contains(&r2));
        assert_eq!(count(store, "devices"), 1);
        // By age: backdate r3.
        store
            .db
            .execute(
                "UPDATE runs SET started = '2020-01-01T00:00:00.000Z' WHERE id = ?1",
                crate::db::vals![r3],
            )
            .expect("backdate");
        let pruned = store.prune(PruneBy::OlderThanDays(30)).expect("prune");
        assert_eq!(
            pruned,
            Pruned {
                runs: 1,
                payloads: 1
            }
        );
        assert_eq!(count(store, "payloads"), 0);
        assert_eq!(
            store.complete_runs().expect("complete"),
            Vec::<RunId>::new()
        );
    });
}

#[test]
fn the_guides_example_queries_work_on_the_views() {
    each_store!(|store| {
        let day1 = vec![
            device("SN1", "ONLINE", "1.0"),
            device("SN2", "ONLINE", "1.0"),
        ];
        let day2 = vec![
            device("SN1", "OFFLINE", "2.0"),
            device("SN2", "ONLINE", "1.0"),
        ];
        run_of(store, "devices", &[("t1", day1)]);
        run_of(store, "devices", &[("t1", day2)]);
        let text = |t: &str| db::Value::Text(t.to_owned().into());
        let int = db::Value::Int;
        // Each of the guide's queries: what it asks, its SQL, the columns compared, whether its
        // rows are compared in any order (ties of its ORDER BY), and the rows.
        let queries = [
            (
                "offline APs now, per tenant",
                "SELECT tenant_name, count(*) AS offline_aps FROM latest_devices
         WHERE resource = 'devices' AND type = 'ACCESS_POINT' AND status = 'OFFLINE'
         GROUP BY tenant_name ORDER BY offline_aps DESC",
                &[0, 1][..],
                false,
                vec![vec![text("t1 Inc"), int(1)]],
            ),
            (
                "firmware per model",
                "SELECT model, firmware, count(*) AS devices, count(DISTINCT tenant_id) AS tenants
         FROM latest_devices WHERE resource = 'devices'
         GROUP BY model, firmware ORDER BY model, devices DESC",
                &[0, 1, 2, 3],
                true,
                vec![
                    vec![text("AP-505"), text("1.0"), int(1), int(1)],
                    vec![text("AP-505"), text("2.0"), int(1), int(1)],
                ],
            ),
            (
                "one device's history",
                "SELECT run_id, started, status, firmware, site FROM devices
         WHERE serial = 'SN1' ORDER BY run_id",
                &[0, 2, 3, 4],
                false,
                vec![
                    vec![int(1), text("ONLINE"), text("1.0"), text("HQ")],
                    vec![int(2), text("OFFLINE"), text("2.0"), text("HQ")],
                ],
            ),
        ];
        for (what, sql, columns, any_order, want) in queries {
            let mut got: Vec<Vec<db::Value<'_>>> = store
                .db
                .rows(sql, &[])
                .expect(what)
                .iter()
                .map(|r| columns.iter().map(|&i| r.0[i].clone()).collect())
                .collect();
            if any_order {
                got.sort_by_key(|row| format!("{row:?}"));
            }
            assert_eq!(got, want, "{what}");
        }
    });
}
