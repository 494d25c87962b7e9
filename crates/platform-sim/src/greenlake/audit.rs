//! A workspace's audit log (`GET /audit-log/v2beta1/logs`, `getAuditLogs` of HPE's
//! `audit-logs.json`), generated from the population: logins, device and subscription
//! changes, each with its `id` (a UUID), `createdAt` and the spec's required fields.
//!
//! A workspace holds `base` (3 to 60) entries in generation 0 and [`PER_GENERATION`]-ish more with
//! each generation ([`SimConfig::generation`](crate::SimConfig::generation)); entry `k` (in
//! time order, 0 the oldest) was created at `START + k * STEP + jitter` and never changes, so a
//! later generation only adds newer entries. The list is served newest first (the spec's
//! default sort is descending), so record `i` of the list is entry `count - 1 - i`.

use serde_json::{Value, json};

use crate::ids;
use crate::population::{NOW, Population, Tenant, rfc3339};
use crate::rng::{hash, mix64};

/// When a workspace's oldest entry was written: three days before [`NOW`].
const START: i64 = NOW - 3 * 86_400;
/// Seconds between two consecutive entries (plus up to `STEP - 1` of jitter, so times are
/// strictly increasing).
const STEP: i64 = 120;
/// Entries a generation adds to a workspace, at least (plus up to three).
const PER_GENERATION: u32 = 4;

/// The platform's own service offer (the spec's example: GreenLake platform logs).
const PLATFORM_OFFER: &str = "00000000-0000-0000-0000-000000000000";

/// Entries of a workspace in generation 0: 3 to 60, the same in every generation (a
/// generation changes the inventory, never the past).
fn base(pop: &Population, t: &Tenant) -> u32 {
    3 + (hash(&[pop.seed, 0xA0D0, u64::from(t.index)]) % 58) as u32
}

/// Entries of workspace `t` in the population's generation.
pub(crate) fn count(pop: &Population, t: &Tenant) -> u32 {
    base(pop, t) + pop.generation * (PER_GENERATION + t.index % 4)
}

/// The creation time of entry `k` (in time order) of workspace `t`, epoch seconds.
pub(crate) fn created_at(pop: &Population, t: &Tenant, k: u32) -> i64 {
    let jitter = hash(&[pop.seed, 0xA0D7, u64::from(t.index), u64::from(k)]) % STEP as u64;
    START + i64::from(k) * STEP + jitter as i64
}

/// Record `i` of the list in its default order (newest first).
pub(crate) fn record(pop: &Population, t: &Tenant, i: u32) -> Value {
    let n = count(pop, t);
    entry(pop, t, n.saturating_sub(1).saturating_sub(i))
}

/// Entry `k` (in time order) of workspace `t`.
pub(crate) fn entry(pop: &Population, t: &Tenant, k: u32) -> Value {
    let h = hash(&[pop.seed, 0xA0D1, u64::from(t.index), u64::from(k)]);
    let id = ids::hyphenated(ids::as_uuid_v4(
        (u128::from(h) << 64) | u128::from(mix64(h ^ 0xA0D2)),
    ));
    let user = format!("admin{}@tenant{}.example.com", h % 3, t.index);
    let ip = format!("192.0.2.{}", 1 + (h >> 8) % 250);
    let (category, description) = match (h >> 16) % 4 {
        0 | 1 => (
            "User Activity",
            format!("User {user} logged in via ping mode."),
        ),
        // The device of an old entry may have left the inventory since: named by a serial
        // of its own.
        2 => (
            "Device Management",
            format!(
                "Device CN{:08X} assigned to application",
                (h >> 24) & 0xFFFF_FFFF
            ),
        ),
        _ => (
            "Subscription Management",
            format!("Subscription PAY{:09} updated", (h >> 32) % 1_000_000_000),
        ),
    };
    let workspace_type = if t.index == crate::population::MSP_OWN_INDEX {
        "MSP"
    } else {
        "TENANT"
    };
    json!({
        "id": id,
        "type": "/audit-log/log",
        "category": category,
        "createdAt": rfc3339(created_at(pop, t, k)),
        "description": description,
        "username": user,
        "ipAddress": ip,
        "hasDetails": false,
        "serviceOffer": {
            "id": PLATFORM_OFFER,
            "name": "HPE GreenLake Platform",
            "region": "global",
        },
        "workspace": {
            "id": ids::hyphenated(t.workspace_id),
            "name": &*t.name,
            "type": workspace_type,
        },
    })
}

/// A `createdAt` bound of the filter: `ge` (at or after) or `lt` (before), epoch seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeBound {
    /// `createdAt ge 'T'`.
    AtOrAfter(i64),
    /// `createdAt lt 'T'`.
    Before(i64),
}

impl TimeBound {
    /// Whether an entry created at `secs` passes.
    pub(crate) fn admits(self, secs: i64) -> bool {
        match self {
            TimeBound::AtOrAfter(t) => secs >= t,
            TimeBound::Before(t) => secs < t,
        }
    }
}

/// Splits the `createdAt ge|lt '<RFC 3339>'` clauses off an audit-log filter (clauses are
/// joined by ` and `; the spec's only operators on `createdAt` are `lt` and `ge`), leaving the
/// rest for the common filter parser. A bad date or another operator on `createdAt` is an
/// error, as the spec's `InvalidDateFormatError` and `InvalidFilterOperatorError` say.
pub(crate) fn split_time(filter: &str) -> Result<(Vec<TimeBound>, Option<String>), String> {
    let mut bounds = Vec::new();
    let mut rest = Vec::new();
    for clause in filter.split(" and ") {
        let words: Vec<&str> = clause.trim().splitn(3, ' ').collect();
        match words.as_slice() {
            ["createdAt", op, value] => {
                let text = value
                    .strip_prefix('\'')
                    .and_then(|v| v.strip_suffix('\''))
                    .unwrap_or(value);
                let secs = glp_core::date::parse_rfc3339(text).ok_or_else(|| {
                    format!(
                        "Invalid date format '{text}' provided for createdAt filter. Expected \
                         an RFC 3339 timestamp"
                    )
                })?;
                bounds.push(match *op {
                    "ge" => TimeBound::AtOrAfter(secs),
                    "lt" => TimeBound::Before(secs),
                    other => {
                        return Err(format!(
                            "Invalid operator '{other}' used on createdAt: use lt or ge"
                        ));
                    }
                });
            }
            _ => rest.push(clause),
        }
    }
    let rest = (!rest.is_empty()).then(|| rest.join(" and "));
    Ok((bounds, rest))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::SimConfig;

    fn pop(generation: u32) -> Population {
        Population::build(&SimConfig {
            tenants: 4,
            generation,
            ..SimConfig::default()
        })
    }

    #[test]
    fn entries_are_ordered_in_time_and_a_generation_only_adds_newer_ones() {
        let (g0, g1) = (pop(0), pop(1));
        for (t0, t1) in g0.tenants.iter().zip(&g1.tenants) {
            let (n0, n1) = (count(&g0, t0), count(&g1, t1));
            assert!(n1 > n0, "{n0} -> {n1}");
            for k in 0..n0 {
                assert_eq!(entry(&g0, t0, k), entry(&g1, t1, k));
            }
            for k in 1..n1 {
                assert!(created_at(&g1, t1, k) > created_at(&g1, t1, k - 1));
            }
            assert!(created_at(&g1, t1, n1 - 1) < NOW);
            // Newest first.
            assert_eq!(record(&g1, t1, 0), entry(&g1, t1, n1 - 1));
        }
    }

    #[test]
    fn time_clauses_are_split_off_and_checked() {
        let (bounds, rest) = split_time(
            "category eq 'API Gateway' and createdAt ge '2025-01-16T07:54:55.0Z' and \
             createdAt lt '2025-02-16T07:54:55.0Z'",
        )
        .unwrap();
        assert_eq!(
            bounds,
            [
                TimeBound::AtOrAfter(1_737_014_095),
                TimeBound::Before(1_739_692_495)
            ]
        );
        assert_eq!(rest.as_deref(), Some("category eq 'API Gateway'"));
        assert!(split_time("createdAt ge 'invalid-date'").is_err());
        assert!(split_time("createdAt gt '2025-01-16T07:54:55Z'").is_err());
        assert_eq!(split_time("username eq 'a'").unwrap().0, []);
    }
}
