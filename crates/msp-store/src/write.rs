//! Writing entries: the items of one tenant x resource of a run, each distinct text stored once.

use std::collections::{HashMap, HashSet};

use crate::alerts::resource_key;
use crate::db::{Ex, Value, vals};
use crate::hash::content_hash;
use crate::{Incomplete, RunId, Store, StoreError};

impl Store {
    /// Writes every item of one tenant x resource of a run, in one transaction: all of them
    /// or (on any error) none. Replaces what the run held for that tenant x resource. Each
    /// item is the JSON text of one record; a text that one of the last three complete entries
    /// of this tenant x resource holds is not stored again. An append-only resource
    /// ([`is_append_only`](crate::is_append_only)) keeps its latest complete entry's items and
    /// adds those whose key it lacks. Returns the number of items.
    pub fn write_entry<'a>(
        &mut self,
        run: RunId,
        tenant_id: &str,
        tenant_name: &str,
        resource: &str,
        items: impl IntoIterator<Item = &'a str>,
    ) -> Result<u64, StoreError> {
        let count = self.db.transaction(false, |tx| {
            write_in(tx, run, tenant_id, tenant_name, resource, items)
        })?;
        self.committed();
        Ok(count)
    }

    /// Writes several complete tenant x resources of a run in one transaction (each as
    /// [`write_entry`](Self::write_entry) would): fewer commits, the same atomicity (all of them
    /// or none). Returns the number of items.
    pub fn write_entries(&mut self, run: RunId, entries: &[Entry]) -> Result<u64, StoreError> {
        let count = self.db.transaction(false, |tx| {
            let mut count = 0;
            for e in entries {
                count += write_in(
                    tx,
                    run,
                    &e.tenant_id,
                    &e.tenant_name,
                    &e.resource,
                    e.items.iter().map(|item| &**item),
                )?;
            }
            Ok(count)
        })?;
        self.committed();
        Ok(count)
    }

    /// Notes where tenants of a run were found (replacing what the run held of them), in one
    /// transaction.
    pub fn write_tenants(&mut self, run: RunId, tenants: &[RunTenant]) -> Result<(), StoreError> {
        self.db.transaction(false, |tx| {
            for t in tenants {
                tx.execute(
                    "INSERT INTO run_tenants
                         (run_id, tenant_id, workspace_id, central_tenant_id, cluster)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (run_id, tenant_id) DO UPDATE SET
                         workspace_id = excluded.workspace_id,
                         central_tenant_id = excluded.central_tenant_id,
                         cluster = excluded.cluster",
                    vals![
                        run,
                        &t.tenant_id,
                        &t.workspace_id,
                        t.central_tenant_id.as_deref(),
                        t.cluster.as_deref()
                    ],
                )?;
            }
            Ok(())
        })?;
        self.committed();
        Ok(())
    }

    /// Notes that a tenant x resource of a run did not complete (unless it already has: a
    /// completed entry is never overwritten by a failure).
    pub fn note_incomplete(
        &mut self,
        run: RunId,
        tenant_id: &str,
        tenant_name: &str,
        resource: &str,
        how: Incomplete,
        error: &str,
    ) -> Result<(), StoreError> {
        let status = match how {
            Incomplete::Failed => "failed",
            Incomplete::Skipped => "skipped",
        };
        self.db.execute(
            "INSERT INTO entries (run_id, tenant_id, tenant_name, resource, status, error, records,
                                  items, written)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, '[]', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             ON CONFLICT (run_id, tenant_id, resource) DO UPDATE SET
                 status = excluded.status, error = excluded.error, written = excluded.written
             WHERE entries.status != 'ok'",
            vals![run, tenant_id, tenant_name, resource, status, error],
        )?;
        Ok(())
    }

    /// The tenant x resource pairs a run holds complete.
    pub fn completed(&self, run: RunId) -> Result<HashSet<(String, String)>, StoreError> {
        self.db
            .rows(
                "SELECT tenant_id, resource FROM entries WHERE run_id = ?1 AND status = 'ok'",
                vals![run],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
    }
}

/// Where a tenant of a run was found, for [`Store::write_tenants`]: what a record of it says
/// besides its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunTenant {
    /// The tenant's id, as its entries have it.
    pub tenant_id: String,
    /// Its GreenLake workspace id.
    pub workspace_id: String,
    /// Central's id of it, when Central listed it.
    pub central_tenant_id: Option<String>,
    /// Its Central cluster.
    pub cluster: Option<String>,
}

/// One tenant x resource's items, for [`Store::write_entries`].
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The resource.
    pub resource: String,
    /// Each item's JSON text.
    pub items: Vec<Box<str>>,
}

/// The body of [`Store::write_entry`], inside the caller's transaction.
fn write_in<'a>(
    tx: &mut Ex<'_>,
    run: RunId,
    tenant_id: &str,
    tenant_name: &str,
    resource: &str,
    items: impl IntoIterator<Item = &'a str>,
) -> Result<u64, StoreError> {
    let mut ids: Vec<i64> = Vec::new();
    // An append-only resource's entry starts from its latest complete entry; an item whose key
    // that entry holds is not stored again.
    let mut held: HashSet<String> = HashSet::new();
    let append_only = crate::is_append_only(resource);
    if append_only {
        let sql = previous_payloads("p.id, p.key", 1);
        for row in tx.rows(&sql, vals![tenant_id, resource])? {
            if held.insert(row.get(1)?) {
                ids.push(row.get(0)?);
            }
        }
    }
    // The payloads of this tenant x resource's latest complete entries, by hash: an item
    // seen there is found (and confirmed on its text); any other is new.
    // No global index on the hash: new payloads are appended, never inserted at random
    // places of an index, which keeps a first snapshot fast.
    let mut known: HashMap<i64, Vec<i64>> = HashMap::new();
    // The last 3 complete entries (a device that flaps between two states keeps reusing its
    // two payloads).
    // On PostgreSQL (a round trip a statement) their texts too, read at once, so that a match
    // is confirmed without a query per item; SQLite confirms each in the file (no copy).
    let pg = matches!(tx, Ex::Pg(_));
    let mut texts: HashMap<i64, String> = HashMap::new();
    let columns = if pg {
        "DISTINCT p.hash, p.id, p.data"
    } else {
        "DISTINCT p.hash, p.id"
    };
    for row in tx.rows(&previous_payloads(columns, 3), vals![tenant_id, resource])? {
        let id = row.get(1)?;
        known.entry(row.get(0)?).or_default().push(id);
        if pg {
            texts.insert(id, row.get(2)?);
        }
    }
    // New payloads are inserted together at the end ([`Ex::insert_ids`]: a few round trips
    // on PostgreSQL); `pending` holds them, and the index in it of each new text by hash.
    let mut pending: Vec<Vec<Value<'a>>> = Vec::new();
    let mut pending_by_hash: HashMap<i64, Vec<usize>> = HashMap::new();
    // Each new item's index in `pending` (an item twice in an entry is there twice).
    let mut slots: Vec<usize> = Vec::new();
    for item in items {
        if append_only && !held.insert(resource_key(resource, item)) {
            continue;
        }
        let hash = content_hash(item.as_bytes());
        let mut found = None;
        for &id in known.get(&hash).map(Vec::as_slice).unwrap_or_default() {
            let same = match texts.get(&id) {
                Some(text) => text == item,
                None => {
                    let same = "SELECT 1 FROM payloads WHERE id = ?1 AND data = ?2";
                    tx.row(same, vals![id, item])?.is_some()
                }
            };
            if same {
                found = Some(id);
                break;
            }
        }
        if let Some(id) = found {
            ids.push(id);
            continue;
        }
        // Two equal items in one entry share one payload.
        let twins = pending_by_hash.entry(hash).or_default();
        let twin = twins
            .iter()
            .copied()
            .find(|&i| matches!(pending[i].get(2), Some(Value::Text(t)) if t == item));
        let slot = twin.unwrap_or_else(|| {
            twins.push(pending.len());
            pending.push(vec![
                Value::Int(hash),
                Value::from(resource_key(resource, item)),
                Value::from(item),
            ]);
            pending.len() - 1
        });
        slots.push(slot);
    }
    let new = tx.insert_ids("payloads", &["hash", "key", "data"], &pending)?;
    for slot in slots {
        let id = new
            .get(slot)
            .ok_or_else(|| StoreError::Corrupt("fewer payload ids than payloads".into()))?;
        ids.push(*id);
    }
    ids.sort_unstable();
    let count = ids.len() as u64;
    let items = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let changed = tx.execute(
        "INSERT INTO entries (run_id, tenant_id, tenant_name, resource, status, error, records,
                              items, written)
         SELECT CAST(?1 AS BIGINT), CAST(?2 AS TEXT), CAST(?3 AS TEXT), CAST(?4 AS TEXT), 'ok',
                NULL, CAST(?5 AS BIGINT), CAST(?6 AS TEXT),
                strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE EXISTS (SELECT 1 FROM runs WHERE id = ?1)
         ON CONFLICT (run_id, tenant_id, resource) DO UPDATE SET
             tenant_name = excluded.tenant_name, status = 'ok', error = NULL,
             records = excluded.records, items = excluded.items, written = excluded.written",
        vals![run, tenant_id, tenant_name, resource, count as i64, items],
    )?;
    if changed == 0 {
        return Err(StoreError::NoSuchRun(run));
    }
    Ok(count)
}

/// A query of the `columns` of the payloads (`p`) of the latest `entries` complete entries of
/// the tenant `?1` x the resource `?2`. The limit is written into the text: a bound LIMIT made
/// SQLite prepare the query again at each run of it.
fn previous_payloads(columns: &str, entries: u32) -> String {
    format!(
        "SELECT {columns}
         FROM (SELECT items FROM entries
               WHERE tenant_id = ?1 AND resource = ?2 AND status = 'ok'
               ORDER BY run_id DESC LIMIT {entries}) e
         JOIN json_each(e.items) j
         JOIN payloads p ON p.id = j.value"
    )
}
