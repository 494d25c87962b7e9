//! The renderers of a [`LicenseReport`]: aligned tables for a terminal and one CSV, every cell
//! escaped.

use super::*;

/// The widest tenant name in a table.
const NAME: usize = 32;

impl LicenseReport {
    /// The report as aligned tables for a terminal, one per part, each under a title line;
    /// every cell escaped.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let name = |row_name: &str, msp: bool| {
            if msp {
                format!("{} (MSP)", cut(row_name, NAME))
            } else {
                cut(row_name, NAME)
            }
        };
        out.push_str(&format!(
            "Subscriptions per tenant and tier (live at {}):\n",
            self.now
        ));
        let rows: Vec<Vec<String>> = self
            .tiers
            .iter()
            .map(|r| {
                vec![
                    name(&r.tenant_name, r.msp),
                    r.tier.clone(),
                    r.subscriptions.to_string(),
                    r.quantity.to_string(),
                    r.available.to_string(),
                    r.assigned.to_string(),
                    r.ended.to_string(),
                    r.next_end.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        out.push_str(&section(
            &[
                "TENANT",
                "TIER",
                "SUBSCRIPTIONS",
                "QUANTITY",
                "AVAILABLE",
                "ASSIGNED",
                "ENDED",
                "NEXT END",
            ],
            &rows,
        ));
        out.push_str(&format!(
            "\nDevices without a subscription: {}\n",
            self.unsubscribed.len()
        ));
        // Counted per tenant and device type here; CSV and JSON list each device.
        let mut per_type: BTreeMap<(&str, &str, &str), u64> = BTreeMap::new();
        for d in &self.unsubscribed {
            *per_type
                .entry((&d.tenant_name, &d.tenant_id, &d.device_type))
                .or_default() += 1;
        }
        let rows: Vec<Vec<String>> = per_type
            .iter()
            .map(|((name, _, device_type), n)| {
                vec![cut(name, NAME), (*device_type).to_owned(), n.to_string()]
            })
            .collect();
        out.push_str(&section(&["TENANT", "TYPE", "DEVICES"], &rows));
        if !self.unsubscribed.is_empty() {
            out.push_str("(--format csv or json lists each device)\n");
        }
        out.push_str(&format!(
            "\nSubscriptions ending within {} days: {}\n",
            self.within_days,
            self.ending.len()
        ));
        let rows: Vec<Vec<String>> = self
            .ending
            .iter()
            .map(|e| {
                vec![
                    cut(&e.tenant_name, NAME),
                    e.tier.clone(),
                    e.key.clone(),
                    e.quantity.to_string(),
                    e.end_time.clone(),
                    e.days_left.to_string(),
                ]
            })
            .collect();
        out.push_str(&section(
            &["TENANT", "TIER", "KEY", "QUANTITY", "END", "DAYS LEFT"],
            &rows,
        ));
        out.push_str(&format!(
            "\nLicences expiring per month, every tenant ({} months):\n",
            self.months
        ));
        let rows: Vec<Vec<String>> = self
            .burndown
            .iter()
            .map(|m| {
                vec![
                    m.month.clone(),
                    m.subscriptions.to_string(),
                    m.expiring.to_string(),
                    m.remaining.to_string(),
                ]
            })
            .collect();
        out.push_str(&section(
            &["MONTH", "SUBSCRIPTIONS", "EXPIRING", "REMAINING"],
            &rows,
        ));
        out
    }

    /// The report as one CSV table: a `section` column (`tier`, `unsubscribed`, `ending`,
    /// `burndown`) and the union of the parts' columns ([`CSV_COLUMNS`]), a cell empty where
    /// its part has none.
    pub fn csv(&self) -> String {
        let mut out = CSV_COLUMNS.join(",") + "\n";
        let mut line = |cells: &[(&str, String)]| {
            let row: Vec<String> = CSV_COLUMNS
                .iter()
                .map(|column| {
                    cells
                        .iter()
                        .find(|(name, _)| name == column)
                        .map(|(_, value)| csv_field(value))
                        .unwrap_or_default()
                })
                .collect();
            out.push_str(&row.join(","));
            out.push('\n');
        };
        for r in &self.tiers {
            line(&[
                ("section", "tier".into()),
                ("tenant_id", r.tenant_id.clone()),
                ("tenant_name", r.tenant_name.clone()),
                ("msp", r.msp.to_string()),
                ("tier", r.tier.clone()),
                ("subscriptions", r.subscriptions.to_string()),
                ("quantity", r.quantity.to_string()),
                ("available", r.available.to_string()),
                ("assigned", r.assigned.to_string()),
                ("ended", r.ended.to_string()),
                ("next_end", r.next_end.clone().unwrap_or_default()),
            ]);
        }
        for d in &self.unsubscribed {
            line(&[
                ("section", "unsubscribed".into()),
                ("tenant_id", d.tenant_id.clone()),
                ("tenant_name", d.tenant_name.clone()),
                ("serial_number", d.serial_number.clone()),
                ("device_type", d.device_type.clone()),
                ("model", d.model.clone()),
            ]);
        }
        for e in &self.ending {
            line(&[
                ("section", "ending".into()),
                ("tenant_id", e.tenant_id.clone()),
                ("tenant_name", e.tenant_name.clone()),
                ("tier", e.tier.clone()),
                ("quantity", e.quantity.to_string()),
                ("subscription_id", e.subscription_id.clone()),
                ("key", e.key.clone()),
                ("end_time", e.end_time.clone()),
                ("days_left", e.days_left.to_string()),
            ]);
        }
        for m in &self.burndown {
            line(&[
                ("section", "burndown".into()),
                ("month", m.month.clone()),
                ("subscriptions", m.subscriptions.to_string()),
                ("expiring", m.expiring.to_string()),
                ("remaining", m.remaining.to_string()),
            ]);
        }
        out
    }
}

/// The columns of [`LicenseReport::csv`], in order.
pub const CSV_COLUMNS: [&str; 21] = [
    "section",
    "tenant_id",
    "tenant_name",
    "msp",
    "tier",
    "subscriptions",
    "quantity",
    "available",
    "assigned",
    "ended",
    "next_end",
    "serial_number",
    "device_type",
    "model",
    "subscription_id",
    "key",
    "end_time",
    "days_left",
    "month",
    "expiring",
    "remaining",
];

/// The columns of the table that hold counts: right-aligned.
const COUNTS: [&str; 9] = [
    "SUBSCRIPTIONS",
    "QUANTITY",
    "AVAILABLE",
    "ASSIGNED",
    "ENDED",
    "DEVICES",
    "DAYS LEFT",
    "EXPIRING",
    "REMAINING",
];

/// A part of the table: its rows under `titles` (counts right-aligned), or `(none)`.
fn section(titles: &[&'static str], rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return "(none)\n".into();
    }
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| if c.is_empty() { "-" } else { c.as_str() })
                .collect()
        })
        .collect();
    let columns: Vec<Column> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let widest = rows
                .iter()
                .filter_map(|row| row.get(i))
                .map(|cell| width(&escape_control(cell)))
                .fold(width(title), usize::max);
            if COUNTS.contains(title) {
                Column::right(title, Width::AtLeast(widest))
            } else {
                Column::left(title, Width::AtLeast(widest))
            }
        })
        .collect();
    Table::new(columns).render(&rows)
}
