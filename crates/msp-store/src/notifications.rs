//! What `serve`'s notifications read and record: the open alerts of one run, the run before
//! another, and the events already sent to each target.

use std::collections::HashSet;

use crate::db::vals;
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
        self.max_id(
            "SELECT max(id) FROM runs WHERE ended IS NOT NULL AND id < ?1",
            vals![run],
        )
    }

    /// The tenants whose alerts (`resource`) run `run` holds complete, and their open (not
    /// `Cleared`) alerts of `severity` (any case).
    pub fn open_alerts_of_run(
        &self,
        run: RunId,
        resource: &str,
        severity: &str,
    ) -> Result<(HashSet<String>, Vec<OpenAlert>), StoreError> {
        let tenants = self.db.column(
            "SELECT tenant_id FROM entries WHERE run_id = ?1 AND resource = ?2 AND status = 'ok'",
            vals![run, resource],
        )?;
        let alerts = self
            .db
            .rows(
                "SELECT e.tenant_id, e.tenant_name, p.key,
                    coalesce(json_extract(p.data, '$.name'), json_extract(p.data, '$.summary')),
                    coalesce(json_extract(p.data, '$.deviceSerial'),
                             json_extract(p.data, '$.serialNumber'))
                 FROM entries e
                 JOIN json_each(e.items) j
                 JOIN payloads p ON p.id = j.value
                 WHERE e.run_id = ?1 AND e.resource = ?2 AND e.status = 'ok'
                   AND lower(trim(coalesce(json_extract(p.data, '$.severity'), '')))
                       = lower(CAST(?3 AS TEXT))
                   AND lower(trim(coalesce(json_extract(p.data, '$.status'), ''))) <> 'cleared'
                 ORDER BY e.tenant_id, p.key",
                vals![run, resource, severity],
            )?
            .iter()
            .map(|r| {
                Ok(OpenAlert {
                    tenant_id: r.get(0)?,
                    tenant_name: r.get(1)?,
                    id: r.get(2)?,
                    name: r.some_text(3),
                    device: r.some_text(4),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((tenants.into_iter().collect(), alerts))
    }

    /// The event keys of run `run` already sent to `target`.
    pub fn sent_notifications(
        &self,
        target: &str,
        run: RunId,
    ) -> Result<HashSet<String>, StoreError> {
        Ok(self
            .db
            .column::<String>(
                "SELECT key FROM notifications WHERE target = ?1 AND run_id = ?2",
                vals![target, run],
            )?
            .into_iter()
            .collect())
    }

    /// Records that the events `keys` of run `run` were sent to `target`.
    pub fn record_notifications<'a>(
        &mut self,
        target: &str,
        run: RunId,
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), StoreError> {
        self.db.transaction(false, |tx| {
            for key in keys {
                tx.execute(
                    "INSERT INTO notifications (target, key, run_id, sent)
                     VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     ON CONFLICT DO NOTHING",
                    vals![target, key, run],
                )?;
            }
            Ok(())
        })?;
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
        crate::tests::each_store!(|store| {
            let run = crate::tests::begin(store, "alerts");
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
        });
    }
}
