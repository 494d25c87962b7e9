//! The renderers of a [`LicenseReport`]: aligned tables for a terminal and one CSV, every cell
//! escaped.

use super::*;
use crate::csv_columns::lookup;
use crate::table::dash_empty;

/// The widest tenant name in a table.
const NAME: usize = 32;

impl LicenseReport {
    /// The report as aligned tables for a terminal, one per part, each under a title line;
    /// every cell escaped.
    pub fn table(&self) -> String {
        let mut out = format!(
            "Subscriptions per tenant and tier (live at {}):\n",
            self.now
        );
        out.push_str(&section(TIER_TABLE, &cells(TIER_TABLE, &self.tiers)));
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
        out.push_str(&section(
            &[("TENANT", ""), ("TYPE", ""), ("DEVICES", "")],
            &rows,
        ));
        if !self.unsubscribed.is_empty() {
            out.push_str("(--format csv or json lists each device)\n");
        }
        out.push_str(&format!(
            "\nSubscriptions ending within {} days: {}\n",
            self.within_days,
            self.ending.len()
        ));
        out.push_str(&section(ENDING_TABLE, &cells(ENDING_TABLE, &self.ending)));
        out.push_str(&format!(
            "\nLicences expiring per month, every tenant ({} months):\n",
            self.months
        ));
        out.push_str(&section(
            BURNDOWN_TABLE,
            &cells(BURNDOWN_TABLE, &self.burndown),
        ));
        out
    }

    /// The report as one CSV table: a `section` column (`tier`, `unsubscribed`, `ending`,
    /// `burndown`) and the union of the parts' columns ([`CSV_COLUMNS`], each a field of the
    /// part's rows), a cell empty where its part has none.
    pub fn csv(&self) -> String {
        let mut out = CSV_COLUMNS.join(",") + "\n";
        csv_part(&mut out, "tier", &self.tiers);
        csv_part(&mut out, "unsubscribed", &self.unsubscribed);
        csv_part(&mut out, "ending", &self.ending);
        csv_part(&mut out, "burndown", &self.burndown);
        out
    }
}

/// A table's columns: (title, the field of the row shown in it).
type TableColumns = &'static [(&'static str, &'static str)];

/// The columns of the table of [`TierRow`]s.
const TIER_TABLE: TableColumns = &[
    ("TENANT", "tenant_name"),
    ("TIER", "tier"),
    ("SUBSCRIPTIONS", "subscriptions"),
    ("QUANTITY", "quantity"),
    ("AVAILABLE", "available"),
    ("ASSIGNED", "assigned"),
    ("ENDED", "ended"),
    ("NEXT END", "next_end"),
];

/// The columns of the table of [`EndingSubscription`]s.
const ENDING_TABLE: TableColumns = &[
    ("TENANT", "tenant_name"),
    ("TIER", "tier"),
    ("KEY", "key"),
    ("QUANTITY", "quantity"),
    ("END", "end_time"),
    ("DAYS LEFT", "days_left"),
];

/// The columns of the table of [`BurndownMonth`]s.
const BURNDOWN_TABLE: TableColumns = &[
    ("MONTH", "month"),
    ("SUBSCRIPTIONS", "subscriptions"),
    ("EXPIRING", "expiring"),
    ("REMAINING", "remaining"),
];

/// The cells of `rows` under `columns`: each the text of its field, the tenant's name cut to
/// [`NAME`] columns (and marked `(MSP)` in a row of the MSP workspace's own).
fn cells<T: Serialize>(columns: TableColumns, rows: &[T]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| {
            let fields = serde_json::to_value(row).unwrap_or_default();
            columns
                .iter()
                .map(|&(_, field)| {
                    let text = lookup(&fields, &[field]).unwrap_or_default();
                    match field {
                        "tenant_name" if fields["msp"] == true => {
                            format!("{} (MSP)", cut(&text, NAME))
                        }
                        "tenant_name" => cut(&text, NAME),
                        _ => text,
                    }
                })
                .collect()
        })
        .collect()
}

/// The CSV lines of one part of the report: `section`, then each of [`CSV_COLUMNS`] the
/// field of that name of the row.
fn csv_part<T: Serialize>(out: &mut String, section: &str, rows: &[T]) {
    for row in rows {
        let fields = serde_json::to_value(row).unwrap_or_default();
        let line: Vec<String> = CSV_COLUMNS
            .iter()
            .map(|&column| match column {
                "section" => csv_field(section),
                _ => lookup(&fields, &[column])
                    .map(|value| csv_field(&value))
                    .unwrap_or_default(),
            })
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
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

/// A part of the table: its rows under the titles of `columns` (counts right-aligned), or
/// `(none)`.
fn section(columns: TableColumns, rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return "(none)\n".into();
    }
    let rows = dash_empty(rows);
    let titles: Vec<&str> = columns.iter().map(|&(title, _)| title).collect();
    Table::fit(&titles, &rows)
        .align_right(|title| COUNTS.contains(&title))
        .render(&rows)
}
