//! What `serve`'s notifications read and record: the open alerts of one run, the run before
//! another, and the events already sent to each target.

use std::collections::HashSet;

use rusqlite::{OptionalExtension as _, params};

use crate::{RunId, Store, StoreError};

/// One open alert of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlert {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The alert's id (its key).
    pub id: String,
    /// Its name or summary, when it has one.
    pub name: Option<String>,
    /// The serial number of the device it is about, when it names one.
    pub device: Option<String>,
}

impl Store {
    /// The finished run before `run`, if any.
    pub fn finished_run_before(&self, run: RunId) -> Result<Option<RunId>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT max(id) FROM runs WHERE ended IS NOT NULL AND id < ?1",
                [run],
                |r| r.get::<_, Option<RunId>>(0),
            )
            .optional()?
            .flatten())
    }

    /// The tenants whose alerts (`resource`) run `run` holds complete, and their open (not
    /// `Cleared`) alerts of `severity` (any case).
    pub fn open_alerts_of_run(
        &self,
        run: RunId,
        resource: &str,
        severity: &str,
    ) -> Result<(HashSet<String>, Vec<OpenAlert>), StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT tenant_id FROM entries WHERE run_id = ?1 AND resource = ?2 AND status = 'ok'",
        )?;
        let tenants = stmt
            .query_map(params![run, resource], |r| r.get(0))?
            .collect::<Result<HashSet<String>, _>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT e.tenant_id, e.tenant_name, p.key,
                    coalesce(json_extract(p.data, '$.name'), json_extract(p.data, '$.summary')),
                    coalesce(json_extract(p.data, '$.deviceSerial'),
                             json_extract(p.data, '$.serialNumber'))
             FROM entries e
             JOIN json_each(e.items) j
             JOIN payloads p ON p.id = j.value
             WHERE e.run_id = ?1 AND e.resource = ?2 AND e.status = 'ok'
               AND lower(trim(coalesce(json_extract(p.data, '$.severity'), ''))) = lower(?3)
               AND lower(trim(coalesce(json_extract(p.data, '$.status'), ''))) <> 'cleared'
             ORDER BY e.tenant_id, p.key",
        )?;
        let text = |v: rusqlite::types::ValueRef<'_>| {
            Some(crate::query::value_text(v)).filter(|s| !s.is_empty())
        };
        let alerts = stmt
            .query_map(params![run, resource, severity], |r| {
                Ok(OpenAlert {
                    tenant_id: r.get(0)?,
                    tenant_name: r.get(1)?,
                    id: r.get(2)?,
                    name: text(r.get_ref(3)?),
                    device: text(r.get_ref(4)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok((tenants, alerts))
    }

    /// The event keys of run `run` already sent to `target`.
    pub fn sent_notifications(
        &self,
        target: &str,
        run: RunId,
    ) -> Result<HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key FROM notifications WHERE target = ?1 AND run_id = ?2")?;
        let keys = stmt
            .query_map(params![target, run], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(keys)
    }

    /// Records that the events `keys` of run `run` were sent to `target`.
    pub fn record_notifications<'a>(
        &mut self,
        target: &str,
        run: RunId,
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO notifications (target, key, run_id, sent)
                 VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            )?;
            for key in keys {
                insert.execute(params![target, key, run])?;
            }
        }
        tx.commit()?;
        self.committed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunStatus;

    #[test]
    fn open_critical_alerts_of_a_run_and_sent_keys_per_target() {
        let (_dir, _, mut store) = crate::tests::open_temp();
        let run = crate::tests::begin(&mut store, "alerts");
        let items = [
            r#"{"id":"a1","severity":"Critical","status":"Active","name":"AP down","deviceSerial":"SN1"}"#,
            r#"{"id":"a2","severity":"critical","status":"Cleared"}"#,
            r#"{"id":"a3","severity":"Minor","status":"Active"}"#,
        ];
        store
            .write_entry(run, "t1", "One", "alerts", items)
            .expect("entry");
        store.end_run(run, RunStatus::Complete).expect("end");
        let (tenants, alerts) = store
            .open_alerts_of_run(run, "alerts", "Critical")
            .expect("alerts");
        assert_eq!(tenants, HashSet::from(["t1".to_owned()]));
        assert_eq!(
            alerts,
            [OpenAlert {
                tenant_id: "t1".into(),
                tenant_name: "One".into(),
                id: "a1".into(),
                name: Some("AP down".into()),
                device: Some("SN1".into()),
            }]
        );
        assert_eq!(store.finished_run_before(run).expect("before"), None);
        store
            .record_notifications("x", run, ["k1", "k2", "k1"])
            .expect("record");
        assert_eq!(
            store.sent_notifications("x", run).expect("sent"),
            HashSet::from(["k1".to_owned(), "k2".to_owned()])
        );
        assert!(store.sent_notifications("y", run).expect("sent").is_empty());
    }
}
