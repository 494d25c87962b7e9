//! Licensing across the MSP: pure functions from GreenLake subscription and device items (as
//! `subscriptions/v1/subscriptions` and `devices/v1/devices` send them) and a given "now" to the
//! rows of one [`LicenseReport`]; its table and CSV renderers.
//!
//! The fields read are those of HPE's `subscription-management.json` and
//! `device-management.json`: a subscription's `tier`, `quantity`, `availableQuantity` (numbers
//! or numbers in strings, see [`glp_workspaces::shapes::count`]), `endTime`, `subscriptionStatus`,
//! `key`, `sku`; a device's `subscription` (a list of `{id, ...}` in the schema, one object in
//! the spec's examples: both are read), `serialNumber`, `deviceType`, `model`, `archived`.
//! Server text is kept as text; every number is bounded (sums saturate), and no item, however
//! odd, makes a function fail or panic.
//!
//! - **Tiers**: per workspace and tier, the live subscriptions (not `ENDED`/`CANCELLED` and not
//!   past their `endTime`): their count, `quantity`, available and assigned
//!   (`quantity - availableQuantity`; the spec has no assigned field; without an
//!   `availableQuantity`, the devices that name the subscription), and the quantity of those
//!   that ended.
//! - **Devices without a subscription**: a device that is not archived and whose `subscription`
//!   is absent, `null`, empty or names no id.
//! - **Ending**: live subscriptions whose `endTime` is after now and at most `within_days` days
//!   later, soonest first.
//! - **Burndown**: for each calendar month (UTC) from now's month on, the quantity of every
//!   workspace's subscriptions whose `endTime` falls in it (and after now), and the live
//!   quantity left after it.

use std::collections::{BTreeMap, HashMap};

use glp_workspaces::shapes::count;
use serde::Serialize;
use serde_json::Value;

use crate::csv_field;

use crate::table::{Table, cut};

/// Seconds in a day.
const DAY: i64 = 86_400;
/// The longest `--within` accepted, in days (ten years).
pub const MAX_WITHIN_DAYS: u32 = 3_650;
/// The burndown's months: at least this many...
pub const MIN_MONTHS: u32 = 12;
/// ...and at most this many.
pub const MAX_MONTHS: u32 = 60;
/// The tier of a subscription that names none.
pub const NO_TIER: &str = "UNKNOWN";

/// One workspace's licensing data: its subscriptions and devices, as received.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceItems {
    /// The workspace id (a tenant's, or the MSP workspace's own).
    pub tenant_id: String,
    /// Its name.
    pub tenant_name: String,
    /// Whether this is the MSP workspace itself (its own subscriptions, read with the MSP
    /// token), not a tenant.
    pub msp: bool,
    /// Its `subscriptions/v1/subscriptions` items.
    pub subscriptions: Vec<Value>,
    /// Its `devices/v1/devices` items.
    pub devices: Vec<Value>,
}

/// What the report looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenseOptions {
    /// "Now", in seconds since the Unix epoch (injected: a test sets it).
    pub now: i64,
    /// Subscriptions ending within this many days are listed (bounded to
    /// 1..=[`MAX_WITHIN_DAYS`]).
    pub within_days: u32,
    /// Months of the burndown (bounded to [`MIN_MONTHS`]..=[`MAX_MONTHS`]).
    pub months: u32,
}

/// Licensing across the MSP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenseReport {
    /// The report's "now" (RFC 3339).
    pub now: String,
    /// Subscriptions ending within this many days are in [`ending`](Self::ending).
    pub within_days: u32,
    /// Months of [`burndown`](Self::burndown).
    pub months: u32,
    /// Per workspace and tier.
    pub tiers: Vec<TierRow>,
    /// Devices without a subscription.
    pub unsubscribed: Vec<UnsubscribedDevice>,
    /// Live subscriptions ending within [`within_days`](Self::within_days), soonest first.
    pub ending: Vec<EndingSubscription>,
    /// Licences expiring per month, across every workspace.
    pub burndown: Vec<BurndownMonth>,
}

/// One workspace's subscriptions of one tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierRow {
    /// The workspace id.
    pub tenant_id: String,
    /// The workspace's name.
    pub tenant_name: String,
    /// The MSP workspace's own subscriptions.
    pub msp: bool,
    /// The tier (`UNKNOWN` when the subscription names none).
    pub tier: String,
    /// Live subscriptions of the tier.
    pub subscriptions: u64,
    /// Their total quantity (licences).
    pub quantity: u64,
    /// Of which available.
    pub available: u64,
    /// Of which assigned to devices.
    pub assigned: u64,
    /// The quantity of the tier's subscriptions that ended (not counted above).
    pub ended: u64,
    /// The soonest `endTime` of a live subscription of the tier.
    pub next_end: Option<String>,
}

/// A device that holds no subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsubscribedDevice {
    /// The workspace id.
    pub tenant_id: String,
    /// The workspace's name.
    pub tenant_name: String,
    /// `serialNumber`.
    pub serial_number: String,
    /// `deviceType`.
    pub device_type: String,
    /// `model`.
    pub model: String,
}

/// A live subscription that ends soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndingSubscription {
    /// The workspace id.
    pub tenant_id: String,
    /// The workspace's name.
    pub tenant_name: String,
    /// The subscription's `id`.
    pub subscription_id: String,
    /// Its `key`.
    pub key: String,
    /// Its `tier`.
    pub tier: String,
    /// Its `quantity`.
    pub quantity: u64,
    /// Its `endTime`, as received.
    pub end_time: String,
    /// Whole days from now to `endTime` (0: within the day).
    pub days_left: u64,
}

/// One month of the burndown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BurndownMonth {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// Subscriptions ending in the month.
    pub subscriptions: u64,
    /// Their quantity: the licences that expire in the month.
    pub expiring: u64,
    /// The live quantity left at the month's end (when nothing is renewed).
    pub remaining: u64,
}

/// `days` as `--within` accepts it: `90d` or `90` (days), 1..=[`MAX_WITHIN_DAYS`].
pub fn parse_within(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let digits = t.strip_suffix(['d', 'D']).unwrap_or(t);
    match digits.parse::<u32>() {
        Ok(n)
            if (1..=MAX_WITHIN_DAYS).contains(&n) && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(n)
        }
        _ => Err(format!(
            "`{}` is no number of days: give Nd with N from 1 to {MAX_WITHIN_DAYS} (90d)",
            crate::one_line(&t.chars().take(40).collect::<String>())
        )),
    }
}

/// Seconds since the Unix epoch of an RFC 3339 date-time (`2026-12-01T00:00:00Z`,
/// `...00.123+01:00`, `T` or a blank between date and time) or of a date alone (its midnight,
/// UTC); `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let date = days_from_civil(year, month, day) * DAY;
    if b.len() == 10 {
        return Some(date);
    }
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, m, s) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), hh @ ..] if hh.len() == 5 && hh[2] == b':' => {
            let (oh, om) = (num(&hh[0..2])?, num(&hh[3..5])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3_600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some(date + h * 3_600 + m * 60 + s.min(59) - offset)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The month of `secs` as `year * 12 + month - 1` (UTC).
fn month_index(secs: i64) -> i64 {
    let text = glp_core::date::rfc3339_from_unix(secs);
    // `YYYY-MM-...`; years past 9999 have more digits before the first `-`.
    let mut parts = text.splitn(3, '-');
    let year: i64 = parts.next().and_then(|y| y.parse().ok()).unwrap_or(0);
    let month: i64 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(1);
    year * 12 + month - 1
}

fn month_name(index: i64) -> String {
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

/// `item[field]` as text, when it is a string.
fn text<'a>(item: &'a Value, field: &str) -> &'a str {
    item.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// The ids of the subscriptions a device names in its `subscription` field: a list of objects
/// (the spec's schema), one object (its examples), absent or `null` (none).
fn device_subscriptions(device: &Value) -> Vec<&str> {
    fn id(s: &Value) -> Option<&str> {
        s.get("id")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|id| !id.is_empty())
    }
    match device.get("subscription") {
        Some(Value::Array(list)) => list.iter().filter_map(id).collect(),
        Some(one @ Value::Object(_)) => id(one).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The fields of a device item the report reads (`serialNumber`, `deviceType`, `model`,
/// `archived`, `subscription`), the rest dropped: what a caller keeps of each device while it
/// gathers a large MSP's inventory.
pub fn device_fields(device: &Value) -> Value {
    let Some(all) = device.as_object() else {
        return Value::Null;
    };
    let kept = [
        "serialNumber",
        "deviceType",
        "model",
        "archived",
        "subscription",
    ]
    .iter()
    .filter_map(|k| all.get(*k).map(|v| ((*k).to_owned(), v.clone())))
    .collect();
    Value::Object(kept)
}

/// One subscription, read.
struct Sub<'a> {
    id: &'a str,
    tier: String,
    quantity: u64,
    available: Option<u64>,
    end: Option<i64>,
    end_text: &'a str,
    live: bool,
}

fn read_subscription(item: &Value, now: i64) -> Sub<'_> {
    let end_text = text(item, "endTime");
    let end = parse_rfc3339(end_text);
    let status = text(item, "subscriptionStatus");
    let stopped = ["ENDED", "CANCELLED"]
        .iter()
        .any(|s| status.eq_ignore_ascii_case(s));
    let tier = match text(item, "tier").trim() {
        "" => NO_TIER.to_owned(),
        t => t.to_owned(),
    };
    Sub {
        id: text(item, "id"),
        tier,
        quantity: count(item, "quantity").unwrap_or(0),
        available: count(item, "availableQuantity"),
        end,
        end_text,
        live: !stopped && end.is_none_or(|e| e > now),
    }
}

/// The report of `workspaces` at `options.now` (the options are bounded first).
pub fn report(workspaces: &[WorkspaceItems], options: LicenseOptions) -> LicenseReport {
    let now = options.now;
    let within_days = options.within_days.clamp(1, MAX_WITHIN_DAYS);
    let months = options.months.clamp(MIN_MONTHS, MAX_MONTHS);
    let horizon = now.saturating_add(i64::from(within_days) * DAY);
    let first_month = month_index(now);
    let mut tiers = Vec::new();
    let mut unsubscribed = Vec::new();
    let mut ending = Vec::new();
    let mut expiring: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    let mut live_total: u64 = 0;
    for ws in workspaces {
        // Devices per subscription id: the assigned count of a subscription without
        // `availableQuantity`.
        let mut holders: HashMap<&str, u64> = HashMap::new();
        for device in &ws.devices {
            if !device.is_object() || device.get("archived").and_then(Value::as_bool) == Some(true)
            {
                continue;
            }
            let held = device_subscriptions(device);
            if held.is_empty() {
                unsubscribed.push(UnsubscribedDevice {
                    tenant_id: ws.tenant_id.clone(),
                    tenant_name: ws.tenant_name.clone(),
                    serial_number: text(device, "serialNumber").to_owned(),
                    device_type: text(device, "deviceType").to_owned(),
                    model: text(device, "model").to_owned(),
                });
            }
            for id in held {
                let n = holders.entry(id).or_default();
                *n = n.saturating_add(1);
            }
        }
        let mut by_tier: BTreeMap<String, TierRow> = BTreeMap::new();
        for item in ws.subscriptions.iter().filter(|s| s.is_object()) {
            let sub = read_subscription(item, now);
            let row = by_tier.entry(sub.tier.clone()).or_insert_with(|| TierRow {
                tenant_id: ws.tenant_id.clone(),
                tenant_name: ws.tenant_name.clone(),
                msp: ws.msp,
                tier: sub.tier.clone(),
                subscriptions: 0,
                quantity: 0,
                available: 0,
                assigned: 0,
                ended: 0,
                next_end: None,
            });
            if !sub.live {
                row.ended = row.ended.saturating_add(sub.quantity);
                continue;
            }
            let available = match sub.available {
                Some(a) => a.min(sub.quantity),
                None => sub
                    .quantity
                    .saturating_sub(holders.get(sub.id).copied().unwrap_or(0)),
            };
            row.subscriptions = row.subscriptions.saturating_add(1);
            row.quantity = row.quantity.saturating_add(sub.quantity);
            row.available = row.available.saturating_add(available);
            row.assigned = row.assigned.saturating_add(sub.quantity - available);
            live_total = live_total.saturating_add(sub.quantity);
            if let Some(end) = sub.end {
                let sooner = row
                    .next_end
                    .as_deref()
                    .and_then(parse_rfc3339)
                    .is_none_or(|e| end < e);
                if sooner {
                    row.next_end = Some(sub.end_text.to_owned());
                }
                if end <= horizon {
                    ending.push(EndingSubscription {
                        tenant_id: ws.tenant_id.clone(),
                        tenant_name: ws.tenant_name.clone(),
                        subscription_id: sub.id.to_owned(),
                        key: text(item, "key").to_owned(),
                        tier: sub.tier.clone(),
                        quantity: sub.quantity,
                        end_time: sub.end_text.to_owned(),
                        days_left: u64::try_from((end - now) / DAY).unwrap_or(0),
                    });
                }
                let month = month_index(end);
                if month < first_month.saturating_add(i64::from(months)) {
                    let slot = expiring.entry(month).or_default();
                    slot.0 = slot.0.saturating_add(1);
                    slot.1 = slot.1.saturating_add(sub.quantity);
                }
            }
        }
        tiers.extend(by_tier.into_values());
    }
    ending.sort_by(|a, b| {
        (parse_rfc3339(&a.end_time), &a.tenant_name, &a.key).cmp(&(
            parse_rfc3339(&b.end_time),
            &b.tenant_name,
            &b.key,
        ))
    });
    let mut remaining = live_total;
    let burndown = (0..i64::from(months))
        .map(|i| {
            let month = first_month + i;
            let (subscriptions, quantity) = expiring.get(&month).copied().unwrap_or_default();
            remaining = remaining.saturating_sub(quantity);
            BurndownMonth {
                month: month_name(month),
                subscriptions,
                expiring: quantity,
                remaining,
            }
        })
        .collect();
    LicenseReport {
        now: glp_core::date::rfc3339_from_unix(now),
        within_days,
        months,
        tiers,
        unsubscribed,
        ending,
        burndown,
    }
}

mod render;
pub use render::CSV_COLUMNS;

#[cfg(test)]
mod tests;
