//! Append-only resources: logs whose entries never change and never leave the history
//! (`glp/audit-logs`). A run asks the platform only for what is newer than the latest entry
//! stored ([`Store::newest_values`]), so its entry holds the previous entry's items plus the
//! new ones, each item once by its key (its `id`): an item seen again is not stored again,
//! and `diff` reports additions only.

use std::collections::HashMap;

use crate::db::vals;
use crate::{Store, StoreError};

/// The resources kept append-only, as the records name them.
pub const APPEND_ONLY: &[&str] = &["glp/audit-logs"];

/// Whether `resource`'s entries are kept append-only (see [`APPEND_ONLY`]).
pub fn is_append_only(resource: &str) -> bool {
    APPEND_ONLY.contains(&resource)
}

impl Store {
    /// For every tenant with a complete entry of `resource`, the largest value of the
    /// top-level text field `field` (e.g. `createdAt`) among the items of its latest complete
    /// entry: the watermark of an append-only resource. Values compare as text (right for the
    /// RFC 3339 UTC times the platform writes; parse and check them before use: they are the
    /// server's text). Items without the field are ignored; a tenant whose items all lack it
    /// is left out. `field` is letters, digits and `_` only (anything else finds nothing).
    pub fn newest_values(
        &self,
        resource: &str,
        field: &str,
    ) -> Result<HashMap<String, String>, StoreError> {
        if field.is_empty() || !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Ok(HashMap::new());
        }
        let rows = self.db.rows(
            "SELECT e.tenant_id, max(json_extract(p.data, '$.' || CAST(?2 AS TEXT)))
             FROM entries e
             JOIN json_each(e.items) j
             JOIN payloads p ON p.id = j.value
             WHERE e.resource = ?1 AND e.status = 'ok'
               AND e.run_id = (SELECT max(l.run_id) FROM entries l
                               WHERE l.tenant_id = e.tenant_id AND l.resource = e.resource
                                 AND l.status = 'ok')
             GROUP BY e.tenant_id",
            vals![resource, field],
        )?;
        let mut newest = HashMap::new();
        for row in rows {
            if let (tenant, Some(value)) = (row.get(0)?, row.get::<Option<String>>(1)?) {
                newest.insert(tenant, value);
            }
        }
        Ok(newest)
    }
}
