//! New payloads are inserted together ([`Ex::insert_ids`](crate::db::Ex::insert_ids): on
//! PostgreSQL multi-row statements of 512, 256, ... rows): every item keeps its own payload,
//! equal items of one entry share one, and the entry lists them all.

use super::backends::each_store;
use super::{begin, count, device, one, write};
use crate::db::vals;
use crate::{RunStatus, Store};

/// The texts of an entry's items, in its order of payload ids.
fn items_of(store: &Store, run: i64, tenant: &str) -> Vec<String> {
    store
        .db
        .column(
            "SELECT p.data FROM entries e JOIN json_each(e.items) j
             JOIN payloads p ON p.id = j.value
             WHERE e.run_id = ?1 AND e.tenant_id = ?2 ORDER BY j.key",
            vals![run, tenant],
        )
        .expect("items")
}

#[test]
fn an_entry_of_more_items_than_a_batch_keeps_each_and_shares_equal_ones() {
    each_store!(|store| {
        // 1,000 distinct devices (512 + 256 + 128 + 64 + 32 + 8 on PostgreSQL), each
        // of the first 10 twice, and an empty entry.
        let mut items: Vec<String> = (0..1000)
            .map(|i| device(&format!("SN{i:04}"), "ONLINE", "1.0"))
            .collect();
        items.extend(items[..10].to_vec());
        let run = begin(store, "aps");
        write(store, run, "t1", "aps", &items);
        write(store, run, "t2", "aps", &[]);
        store.end_run(run, RunStatus::Complete).expect("end");
        assert_eq!(count(store, "payloads"), 1000);
        let records: i64 = one(
            store,
            "SELECT records FROM entries WHERE run_id = ?1 AND tenant_id = 't1'",
            vals![run],
        );
        assert_eq!(records, 1010);
        let mut stored = items_of(store, run, "t1");
        stored.sort();
        items.sort();
        assert_eq!(stored, items, "each item is read back as written");
        assert!(items_of(store, run, "t2").is_empty());

        // The next run finds them all but one, changed: one new payload.
        let next: Vec<String> = (0..1000)
            .map(|i| {
                let status = if i == 500 { "OFFLINE" } else { "ONLINE" };
                device(&format!("SN{i:04}"), status, "1.0")
            })
            .collect();
        let second = begin(store, "aps");
        write(store, second, "t1", "aps", &next);
        store.end_run(second, RunStatus::Complete).expect("end");
        assert_eq!(count(store, "payloads"), 1001);
        assert_eq!(items_of(store, second, "t1").len(), 1000);
    });
}
