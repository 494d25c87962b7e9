//! Collected JSON Lines against the simulator's truth, record by record.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::{HarnessError, Result, Truth};

/// The outcome of [`compare`]: exact, or a list of every kind of difference.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// Lines read, over all files.
    pub lines: u64,
    /// Records the truth holds for the resources compared.
    pub expected: u64,
    /// Every problem found, most important first within each tenant.
    pub problems: Vec<String>,
}

impl Comparison {
    /// No record missing, extra, duplicated, altered or attributed to the wrong tenant, and
    /// every line complete JSON.
    pub fn is_exact(&self) -> bool {
        self.problems.is_empty() && self.lines == self.expected
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lines read, {} records expected",
            self.lines, self.expected
        )?;
        for p in self.problems.iter().take(25) {
            write!(f, "\n  - {p}")?;
        }
        if self.problems.len() > 25 {
            write!(f, "\n  - ... {} more", self.problems.len() - 25)?;
        }
        Ok(())
    }
}

/// Canonical text of a JSON value (serde_json's maps are sorted, so equal values print alike).
fn canon(v: &Value) -> String {
    v.to_string()
}

fn normalize(id: &str) -> String {
    id.replace('-', "").to_ascii_lowercase()
}

/// Reads `files` (JSON Lines, as `collect --format jsonl` writes) and checks them against
/// `truth` (with records) for `resources`: each record of each tenant exactly once, with the
/// tenant's id (workspace id or Central tenant id, with or without hyphens) and name.
pub fn compare(truth: &Truth, resources: &[&str], files: &[&Path]) -> Result<Comparison> {
    let mut out = Comparison::default();
    // Tenant index by every id it may be listed under.
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, t) in truth.tenants.iter().enumerate() {
        by_id.insert(normalize(&t.workspace_id), i);
        by_id.insert(normalize(&t.central_tenant_id), i);
    }
    // What each tenant should have: (tenant, resource) -> record text -> count.
    let mut expected: BTreeMap<(usize, String), HashMap<String, u64>> = BTreeMap::new();
    // Which tenants hold a given record (to name misattributed ones).
    let mut owners: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, t) in truth.tenants.iter().enumerate() {
        let Some(records) = &t.records else {
            return Err(HarnessError::Sim {
                path: "/_sim/truth".into(),
                message: "the truth has no records: ask with ?records=true".into(),
            });
        };
        for &r in resources {
            let slot = expected.entry((i, r.to_owned())).or_default();
            for v in records.get(r).map(Vec::as_slice).unwrap_or_default() {
                let text = canon(v);
                *slot.entry(text.clone()).or_default() += 1;
                owners.entry(text).or_default().push(i);
                out.expected += 1;
            }
        }
    }
    let mut got: BTreeMap<(usize, String), HashMap<String, u64>> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(HarnessError::io(format!("reading {}", file.display())))?;
        if !text.is_empty() && !text.ends_with('\n') {
            out.problems
                .push(format!("{}: the last line is not complete", file.display()));
        }
        for (n, line) in text.lines().enumerate() {
            out.lines += 1;
            let where_ = format!("{} line {}", file.display(), n + 1);
            let v: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    out.problems.push(format!("{where_}: not JSON ({e})"));
                    continue;
                }
            };
            let (Some(id), Some(name), Some(resource), Some(data)) = (
                v["tenant_id"].as_str(),
                v["tenant_name"].as_str(),
                v["resource"].as_str(),
                v.get("data"),
            ) else {
                out.problems.push(format!(
                    "{where_}: not a record (tenant_id, tenant_name, resource, data)"
                ));
                continue;
            };
            let Some(&i) = by_id.get(&normalize(id)) else {
                out.problems.push(format!(
                    "{where_}: tenant id {id} is not a tenant of the MSP"
                ));
                continue;
            };
            if name != truth.tenants[i].name {
                out.problems.push(format!(
                    "{where_}: tenant {id} is named {:?}, not {name:?}",
                    truth.tenants[i].name
                ));
            }
            if !resources.contains(&resource) {
                out.problems
                    .push(format!("{where_}: resource {resource} was not asked for"));
                continue;
            }
            *got.entry((i, resource.to_owned()))
                .or_default()
                .entry(canon(data))
                .or_default() += 1;
        }
    }
    for ((i, resource), want) in &expected {
        let have = got.remove(&(*i, resource.clone())).unwrap_or_default();
        let name = &truth.tenants[*i].name;
        let missing: u64 = want
            .iter()
            .map(|(k, n)| n.saturating_sub(have.get(k).copied().unwrap_or(0)))
            .sum();
        let (mut duplicated, mut foreign, mut altered) = (0u64, 0u64, 0u64);
        for (k, n) in &have {
            let allowed = want.get(k).copied().unwrap_or(0);
            if allowed > 0 {
                duplicated += n.saturating_sub(allowed);
            } else if owners.get(k).is_some_and(|o| !o.contains(i)) {
                foreign += n;
            } else {
                altered += n;
            }
        }
        for (count, what) in [
            (missing, "missing"),
            (duplicated, "duplicated"),
            (foreign, "belonging to another tenant"),
            (altered, "altered or unknown"),
        ] {
            if count > 0 {
                out.problems.push(format!(
                    "tenant {name} ({}), {resource}: {count} records {what} (of {})",
                    truth.tenants[*i].workspace_id,
                    want.values().sum::<u64>()
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn truth() -> Truth {
        serde_json::from_value(serde_json::json!({
            "seed": 1, "msp_workspace_id": "m", "tenant_count": 2, "total_devices": 3,
            "tenants": [
                {"workspace_id": "aaaaaaaa-0000-0000-0000-000000000001", "central_tenant_id": "c1",
                 "name": "A", "inventory_ownership": "MSP_OWNED_INVENTORY",
                 "counts": {"aps": 2}, "records": {"aps": [{"serial": "A1"}, {"serial": "A2"}]}},
                {"workspace_id": "bbbbbbbb-0000-0000-0000-000000000002", "central_tenant_id": "c2",
                 "name": "B", "inventory_ownership": "MSP_OWNED_INVENTORY",
                 "counts": {"aps": 1}, "records": {"aps": [{"serial": "B1"}]}}
            ]
        }))
        .unwrap()
    }

    fn line(id: &str, name: &str, serial: &str) -> String {
        format!(
            "{}\n",
            serde_json::json!({"tenant_id": id, "tenant_name": name, "resource": "aps",
                               "data": {"serial": serial}})
        )
    }

    fn check(text: &str) -> Comparison {
        let dir = std::env::temp_dir().join(format!("glp-msp-compare-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("{n}.jsonl"));
        std::fs::write(&path, text).unwrap();
        let out = compare(&truth(), &["aps"], &[&path]).unwrap();
        let _ = std::fs::remove_file(&path);
        out
    }

    const A: &str = "aaaaaaaa-0000-0000-0000-000000000001";
    const B: &str = "bbbbbbbb-0000-0000-0000-000000000002";

    #[test]
    fn exact_in_any_order_and_under_any_id_form() {
        let text =
            line(B, "B", "B1") + &line("c1", "A", "A2") + &line(&A.replace('-', ""), "A", "A1");
        let c = check(&text);
        assert!(c.is_exact(), "{c}");
    }

    #[test]
    fn every_kind_of_difference_is_named() {
        let cases = [
            (line(A, "A", "A1") + &line(B, "B", "B1"), "missing"),
            (
                line(A, "A", "A1")
                    + &line(A, "A", "A2")
                    + &line(A, "A", "A2")
                    + &line(B, "B", "B1"),
                "duplicated",
            ),
            (
                line(A, "A", "A1") + &line(A, "A", "A2") + &line(A, "A", "B1"),
                "belonging to another tenant",
            ),
            (
                line(A, "A", "A1") + &line(A, "A", "A9") + &line(B, "B", "B1"),
                "altered",
            ),
            (
                line(A, "A", "A1") + &line(A, "A", "A2") + &line(B, "X", "B1"),
                "is named",
            ),
            (
                line(A, "A", "A1") + &line(A, "A", "A2") + &line("dd", "B", "B1"),
                "not a tenant",
            ),
            (
                line(A, "A", "A1") + &line(A, "A", "A2") + r#"{"tenant_id": "#,
                "not JSON",
            ),
        ];
        for (text, expected) in cases {
            let c = check(&text);
            assert!(!c.is_exact(), "{expected}: {c}");
            assert!(
                c.problems.iter().any(|p| p.contains(expected)),
                "{expected}: {c}"
            );
        }
    }
}
