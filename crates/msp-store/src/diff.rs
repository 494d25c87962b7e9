//! Comparing two runs: per tenant x resource, items keyed by serial number.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::db::vals;
use crate::{RunId, Store, StoreError};

/// The fields compared by default, each with the item fields it is read from (the first
/// present wins).
pub const TRACKED_FIELDS: &[(&str, &[&str])] = &[
    ("status", &["status", "connectionStatus"]),
    (
        "firmware",
        &["firmwareVersion", "softwareVersion", "firmware"],
    ),
    ("site", &["siteName", "siteId"]),
    ("name", &["deviceName", "name", "hostname"]),
    ("ip", &["ipv4", "ipAddress", "ip"]),
];

/// How to compare.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Compare every top-level field, not only [`TRACKED_FIELDS`].
    pub all_fields: bool,
    /// Only this tenant (id or name).
    pub tenant: Option<String>,
    /// Only this resource.
    pub resource: Option<String>,
}

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// In the second run only.
    Added,
    /// In the first run only.
    Removed,
    /// In both, with different fields.
    Changed,
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field (a tracked name like `firmware`, or the item's own key with all fields).
    pub field: String,
    /// Its value in the first run (`null` when absent).
    pub before: Value,
    /// Its value in the second run.
    pub after: Value,
}

/// One item added, removed or changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The resource.
    pub resource: String,
    /// The item's key (serial number).
    pub key: String,
    /// What happened.
    pub change: ChangeKind,
    /// The fields that differ (for `changed`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// What the item is, so that a line says more than a serial number: its name, model and
    /// status in the second run (in the first for `removed`), when it has them.
    #[serde(flatten)]
    pub about: About,
}

/// An item's name, model and status, read as the `devices` view reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct About {
    /// `deviceName`, `name` or `hostname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `model` or `deviceModel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `status` or `connectionStatus`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl About {
    fn of(item: &Value) -> Self {
        let text = |sources: &[&str]| match tracked(item, sources) {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        };
        Self {
            name: text(&["deviceName", "name", "hostname"]),
            model: text(&["model", "deviceModel"]),
            status: text(&["status", "connectionStatus"]),
        }
    }
}

/// A tenant x resource that one of the runs does not hold complete (so its items are not
/// reported as all added or all removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The resource.
    pub resource: String,
    /// The run that lacks it.
    pub missing_in: RunId,
}

/// The differences between two runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// The first run.
    pub run_a: RunId,
    /// The second run.
    pub run_b: RunId,
    /// Items added, removed or changed, by tenant, resource and key.
    pub changes: Vec<Change>,
    /// Tenant x resource pairs one run lacks.
    pub missing: Vec<Missing>,
}

impl Diff {
    /// Whether the runs hold the same items (for the compared fields) and the same tenants.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.missing.is_empty()
    }
}

struct EntryRow {
    tenant_name: String,
    ok: bool,
    items: String,
}

type Pair = (String, String);

impl Store {
    fn entries_of(&self, run: RunId) -> Result<BTreeMap<Pair, EntryRow>, StoreError> {
        self.db
            .rows(
                "SELECT tenant_id, resource, tenant_name, status, items FROM entries
                 WHERE run_id = ?1",
                vals![run],
            )?
            .iter()
            .map(|r| {
                Ok((
                    (r.get(0)?, r.get(1)?),
                    EntryRow {
                        tenant_name: r.get(2)?,
                        ok: r.get::<String>(3)? == "ok",
                        items: r.get(4)?,
                    },
                ))
            })
            .collect()
    }

    /// The differences from run `a` to run `b`.
    pub fn diff(&self, a: RunId, b: RunId, options: &DiffOptions) -> Result<Diff, StoreError> {
        self.run_status(a)?;
        self.run_status(b)?;
        let ea = self.entries_of(a)?;
        let eb = self.entries_of(b)?;
        let mut pairs: Vec<&Pair> = ea.keys().chain(eb.keys()).collect();
        pairs.sort();
        pairs.dedup();
        let mut diff = Diff {
            run_a: a,
            run_b: b,
            changes: Vec::new(),
            missing: Vec::new(),
        };
        let load = |id: i64| -> Result<(String, String), StoreError> {
            let row = self
                .db
                .row("SELECT key, data FROM payloads WHERE id = ?1", vals![id])?
                .ok_or_else(|| StoreError::Corrupt(format!("no payload {id}")))?;
            Ok((row.get(0)?, row.get(1)?))
        };
        for pair in pairs {
            let (ra, rb) = (ea.get(pair), eb.get(pair));
            let name = rb.or(ra).map(|e| e.tenant_name.clone()).unwrap_or_default();
            if let Some(t) = &options.tenant
                && *t != pair.0
                && *t != name
            {
                continue;
            }
            if options.resource.as_ref().is_some_and(|r| *r != pair.1) {
                continue;
            }
            let (ra, rb) = match (ra.filter(|e| e.ok), rb.filter(|e| e.ok)) {
                (Some(x), Some(y)) => (x, y),
                (x, y) => {
                    for (held, run) in [(x, a), (y, b)] {
                        if held.is_none() {
                            diff.missing.push(Missing {
                                tenant_id: pair.0.clone(),
                                tenant_name: name.clone(),
                                resource: pair.1.clone(),
                                missing_in: run,
                            });
                        }
                    }
                    continue;
                }
            };
            if ra.items == rb.items {
                continue;
            }
            let ids_a = parse_ids(&ra.items)?;
            let ids_b = parse_ids(&rb.items)?;
            let set_a: HashSet<i64> = ids_a.iter().copied().collect();
            let set_b: HashSet<i64> = ids_b.iter().copied().collect();
            let only = |ids: &[i64], other: &HashSet<i64>| -> Result<_, StoreError> {
                let mut by_key: HashMap<String, Value> = HashMap::new();
                for id in ids.iter().filter(|id| !other.contains(id)) {
                    let (key, data) = load(*id)?;
                    let value = serde_json::from_str(&data).unwrap_or(Value::Null);
                    let mut key = key;
                    let mut n = 2;
                    while by_key.contains_key(&key) {
                        key = format!("{key}#{n}");
                        n += 1;
                    }
                    by_key.insert(key, value);
                }
                Ok(by_key)
            };
            let before = only(&ids_a, &set_b)?;
            let mut after = only(&ids_b, &set_a)?;
            let mut changes = Vec::new();
            for (key, old) in before {
                let change = |kind, fields, about| Change {
                    tenant_id: pair.0.clone(),
                    tenant_name: name.clone(),
                    resource: pair.1.clone(),
                    key: key.clone(),
                    change: kind,
                    fields,
                    about,
                };
                match after.remove(&key) {
                    // An append-only resource's entries never leave: one the later run
                    // does not hold was not asked for again.
                    None if crate::is_append_only(&pair.1) => {}
                    None => changes.push(change(ChangeKind::Removed, Vec::new(), About::of(&old))),
                    Some(new) => {
                        let fields = compare(&old, &new, options.all_fields);
                        if !fields.is_empty() {
                            changes.push(change(ChangeKind::Changed, fields, About::of(&new)));
                        }
                    }
                }
            }
            for (key, new) in after {
                changes.push(Change {
                    tenant_id: pair.0.clone(),
                    tenant_name: name.clone(),
                    resource: pair.1.clone(),
                    key,
                    change: ChangeKind::Added,
                    fields: Vec::new(),
                    about: About::of(&new),
                });
            }
            changes.sort_by(|x, y| x.key.cmp(&y.key));
            diff.changes.extend(changes);
        }
        Ok(diff)
    }
}

fn parse_ids(text: &str) -> Result<Vec<i64>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("an entry's items: {e}")))
}

fn tracked(item: &Value, sources: &[&str]) -> Value {
    sources
        .iter()
        .find_map(|k| item.get(k).filter(|v| !v.is_null()).cloned())
        .unwrap_or(Value::Null)
}

/// The fields that differ between two versions of an item.
fn compare(old: &Value, new: &Value, all_fields: bool) -> Vec<FieldChange> {
    if all_fields {
        let empty = serde_json::Map::new();
        let (a, b) = (
            old.as_object().unwrap_or(&empty),
            new.as_object().unwrap_or(&empty),
        );
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort();
        keys.dedup();
        return keys
            .into_iter()
            .filter_map(|k| {
                let (x, y) = (
                    a.get(k).cloned().unwrap_or(Value::Null),
                    b.get(k).cloned().unwrap_or(Value::Null),
                );
                (x != y).then(|| FieldChange {
                    field: k.clone(),
                    before: x,
                    after: y,
                })
            })
            .collect();
    }
    TRACKED_FIELDS
        .iter()
        .filter_map(|(field, sources)| {
            let (x, y) = (tracked(old, sources), tracked(new, sources));
            (x != y).then(|| FieldChange {
                field: (*field).to_owned(),
                before: x,
                after: y,
            })
        })
        .collect()
}
