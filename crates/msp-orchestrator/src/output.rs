//! [`RecordWriter`]: writes records as JSON Lines, JSON, CSV or a table, line-complete.

use std::io::{self, Write};
use std::str::FromStr;

use serde_json::Value;

use crate::table::{Column, Table, Width};
use crate::{Columns, Record};

/// Output formats of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One JSON object per line (default): `{"tenant_id", "tenant_name", "resource", "data"}`.
    #[default]
    Jsonl,
    /// One JSON array of those objects.
    Json,
    /// CSV with the columns of [`WriterOptions::columns`] (by default a generic set: tenant,
    /// resource, id, name, status, time, and the item's JSON).
    Csv,
    /// An aligned table for people: tenant, resource, id, name, model, status.
    Table,
    /// A YAML sequence of the records (block style, every string quoted); appending to one
    /// keeps it a sequence.
    Yaml,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 5] = [
        Format::Jsonl,
        Format::Json,
        Format::Csv,
        Format::Table,
        Format::Yaml,
    ];

    /// The format's name, as `--format` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Table => "table",
            Self::Yaml => "yaml",
        }
    }

    /// One line saying what the format is (`--help` shows it).
    pub fn about(self) -> &'static str {
        match self {
            Self::Jsonl => "One JSON object per line",
            Self::Json => "One JSON array",
            Self::Csv => "Comma-separated values",
            Self::Table => "Aligned columns",
            Self::Yaml => "A YAML sequence of records",
        }
    }

    /// The extension a file of this format gets.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Table => "txt",
            other => other.name(),
        }
    }

    /// The format the extension of `path` stands for, if it stands for one (`.jsonl` or
    /// `.ndjson`, `.json`, `.csv`, `.txt`, `.yaml` or `.yml`).
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "txt" => Some(Self::Table),
            "table" => None,
            ext => ext.parse().ok(),
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" => Ok(Self::Jsonl),
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "table" => Ok(Self::Table),
            "yaml" | "yml" => Ok(Self::Yaml),
            other => Err(format!(
                "unknown format `{other}`: use jsonl, json, csv, table or yaml"
            )),
        }
    }
}

/// Buffers whole lines and writes them in large, line-aligned chunks, so the output is always
/// made of complete lines, even when the process is interrupted between two writes.
pub struct RecordWriter {
    format: Format,
    columns: Columns,
    out: Box<dyn Write + Send>,
    buf: Vec<u8>,
    written: u64,
}

const CHUNK: usize = 64 * 1024;
/// The columns of [`Format::Table`].
static RECORD_TABLE: std::sync::LazyLock<Table> = std::sync::LazyLock::new(|| {
    Table::new([
        Column::left("TENANT", Width::Fixed(24)),
        Column::left("RESOURCE", Width::Fixed(18)),
        Column::left("ID", Width::Fixed(20)),
        Column::left("NAME", Width::Fixed(24)),
        Column::left("MODEL", Width::Fixed(14)),
        Column::left("STATUS", Width::Fixed(10)),
        // An alert's (Critical, Major, Minor, Warning, Info); blank for other items.
        Column::left("SEVERITY", Width::Fixed(8)),
    ])
});

impl std::fmt::Debug for RecordWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordWriter")
            .field("format", &self.format)
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

/// How a [`RecordWriter`] starts its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Write the format's header (the CSV header line, the table's column names). Off when
    /// appending to a file that has one already.
    pub header: bool,
    /// The CSV columns; `None`: [`Columns::for_resources`] of no resource (a generic set that
    /// includes the item's JSON).
    pub columns: Option<Columns>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            header: true,
            columns: None,
        }
    }
}

impl WriterOptions {
    fn resolved_columns(&self) -> Columns {
        self.columns
            .clone()
            .unwrap_or_else(|| Columns::for_resources(&[]))
    }
}

/// The CSV header line (without its newline) a writer with these options writes.
pub fn csv_header(options: &WriterOptions) -> String {
    options.resolved_columns().header()
}

impl RecordWriter {
    /// A writer of `format` into `out`; writes the header the format needs.
    pub fn new(format: Format, out: Box<dyn Write + Send>) -> io::Result<Self> {
        Self::with_options(format, out, WriterOptions::default())
    }

    /// A writer of `format` into `out` with `options`.
    pub fn with_options(
        format: Format,
        out: Box<dyn Write + Send>,
        options: WriterOptions,
    ) -> io::Result<Self> {
        let mut w = Self {
            format,
            columns: options.resolved_columns(),
            out,
            buf: Vec::with_capacity(CHUNK),
            written: 0,
        };
        match format {
            Format::Json => w.buf.extend_from_slice(b"[\n"),
            Format::Csv if !options.header => {}
            Format::Csv => {
                w.buf.extend_from_slice(csv_header(&options).as_bytes());
                w.buf.push(b'\n');
            }
            Format::Table if !options.header => {}
            Format::Table => w.buf.extend_from_slice(RECORD_TABLE.header().as_bytes()),
            Format::Jsonl | Format::Yaml => {}
        }
        Ok(w)
    }

    /// Records written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Adds one record.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.buf, record)?;
                self.buf.push(b'\n');
            }
            Format::Json => {
                if self.written > 0 {
                    self.buf.extend_from_slice(b",\n");
                }
                serde_json::to_writer(&mut self.buf, record)?;
            }
            Format::Csv => {
                let item = if self.columns.reads_item() {
                    record.value()
                } else {
                    Value::Null
                };
                let cells = self.columns.cells(record, &item);
                let line: Vec<String> = cells.iter().map(|f| csv_field(f)).collect();
                self.buf.extend_from_slice(line.join(",").as_bytes());
                self.buf.push(b'\n');
            }
            Format::Yaml => {
                let mut fields = vec![
                    ("tenant_id", Value::from(record.tenant_id.as_str())),
                    ("workspace_id", Value::from(record.workspace_id.as_str())),
                    ("tenant_name", Value::from(record.tenant_name.as_str())),
                ];
                if let Some(id) = &record.central_tenant_id {
                    fields.push(("central_tenant_id", Value::from(id.as_str())));
                }
                if let Some(cluster) = &record.cluster {
                    fields.push(("cluster", Value::from(cluster.as_str())));
                }
                fields.push(("resource", Value::from(record.resource.as_str())));
                fields.push(("collected_at", Value::from(record.collected_at.as_str())));
                fields.push(("data", record.value()));
                let mut text = String::new();
                crate::yaml::push_ordered_entry(&mut text, &fields);
                self.buf.extend_from_slice(text.as_bytes());
            }
            Format::Table => {
                let d = &record.value();
                let row = [
                    record.tenant_name.clone(),
                    record.resource.clone(),
                    item_id(d),
                    first_str(
                        d,
                        &["deviceName", "name", "siteName", "clientName", "hostname"],
                    ),
                    first_str(d, &["model", "deviceModel", "platform"]),
                    first_str(d, &["status", "health", "connectionStatus"]),
                    first_str(d, &["severity"]),
                ];
                self.buf
                    .extend_from_slice(RECORD_TABLE.line(&row).as_bytes());
            }
        }
        self.written += 1;
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes what is buffered (whole lines only) and flushes the output.
    pub fn flush(&mut self) -> io::Result<()> {
        // A JSON array is valid only once closed; its lines are still whole.
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }

    /// Closes the format (the JSON array) and flushes.
    pub fn finish(mut self) -> io::Result<()> {
        if self.format == Format::Json {
            self.buf.extend_from_slice(b"\n]\n");
        }
        self.flush()
    }
}

/// The most identifying field of an item: serial number, id, MAC, or name.
fn item_id(data: &Value) -> String {
    first_str(
        data,
        &[
            "serialNumber",
            "serial",
            "id",
            // A client's MAC before its site's id.
            "mac",
            "macAddress",
            "siteId",
            "name",
        ],
    )
}

fn first_str(data: &Value, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|k| match data.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

/// RFC 4180 quoting: quote when needed, double inner quotes. A value a spreadsheet would run
/// as a formula is prefixed with `'` (OWASP's CSV injection list): one starting with `=`, `+`,
/// `@`, a tab or a carriage return, or with `-` unless the whole value is a plain number
/// (`-67`, `-1.5`, `-2e3`) or a lone `-`. So data keeps its value: a negative RSSI stays a
/// number and a `-` placeholder stays `-`, while `-2+3` or `-cmd` are guarded.
pub fn csv_field(value: &str) -> String {
    let guarded = if needs_formula_guard(value) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Whether a spreadsheet would read `value` as a formula (see [`csv_field`]).
fn needs_formula_guard(value: &str) -> bool {
    match value.strip_prefix('-') {
        Some("") => false,
        Some(rest) => !is_plain_unsigned_number(rest),
        None => value.starts_with(['=', '+', '@', '\t', '\r']),
    }
}

/// `digits[.digits][e[+-]digits]` or `.digits[...]`: a number and nothing else (no `inf`, no
/// `nan`, no second sign, no operator).
fn is_plain_unsigned_number(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            (digits(whole) || whole.is_empty())
                && (digits(fraction) || fraction.is_empty())
                && !(whole.is_empty() && fraction.is_empty())
        }
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn record(n: u32) -> Record {
        Record {
            tenant_id: "t-1".into(),
            workspace_id: "t-1".into(),
            tenant_name: "Café, \"Ünïcode\"".into(),
            central_tenant_id: None,
            cluster: None,
            resource: "aps".into(),
            collected_at: "2026-12-01T23:59:07Z".into(),
            data: serde_json::value::to_raw_value(&serde_json::json!({"serialNumber": format!("SN{n}"), "model": "AP-505", "status": "Up", "x": [1, 2]})).expect("raw"),
        }
    }

    fn render(format: Format, n: u32) -> String {
        let shared = Shared::default();
        let mut w = RecordWriter::new(format, Box::new(shared.clone())).expect("writer");
        for i in 0..n {
            w.write(&record(i)).expect("write");
        }
        w.finish().expect("finish");
        let bytes = shared.0.lock().expect("lock").clone();
        String::from_utf8(bytes).expect("utf8")
    }

    #[test]
    fn jsonl_is_one_complete_object_per_line() {
        let text = render(Format::Jsonl, 3);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        for line in lines {
            let v: Value = serde_json::from_str(line).expect("json line");
            assert_eq!(v["resource"], "aps");
            assert_eq!(v["data"]["x"], serde_json::json!([1, 2]));
        }
    }

    #[test]
    fn json_is_an_array_even_when_empty() {
        let v: Value = serde_json::from_str(&render(Format::Json, 2)).expect("json");
        assert_eq!(v.as_array().map(Vec::len), Some(2));
        let v: Value = serde_json::from_str(&render(Format::Json, 0)).expect("json");
        assert_eq!(v, serde_json::json!([]));
    }

    #[test]
    fn csv_and_table_snapshots() {
        insta::assert_snapshot!("csv", render(Format::Csv, 2));
        insta::assert_snapshot!("table", render(Format::Table, 2));
        insta::assert_snapshot!("yaml", render(Format::Yaml, 2));
    }

    #[test]
    fn an_alerts_table_line_shows_its_severity() {
        let shared = Shared::default();
        let mut w = RecordWriter::new(Format::Table, Box::new(shared.clone())).expect("writer");
        let alert = serde_json::json!({"id": "a-1", "name": "AP Down", "status": "Active",
                                       "severity": "Critical"});
        w.write(&Record::from_value("t-1", "Acme", "alerts", &alert))
            .expect("write");
        w.finish().expect("finish");
        let text = String::from_utf8(shared.0.lock().expect("lock").clone()).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("STATUS      SEVERITY"), "{text}");
        assert!(lines[1].ends_with("Active      Critical"), "{text}");
    }

    #[test]
    fn csv_quoting_and_formula_guard() {
        assert_eq!(csv_field("\t=cmd()"), "'\t=cmd()");
        assert_eq!(csv_field("\r=cmd()"), "\"'\r=cmd()\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
    }

    #[test]
    fn the_formula_guard_keeps_numbers_and_placeholders() {
        // Data that is not a formula keeps its value.
        for kept in [
            "-", "-67", "-1.5", "-.5", "-3.", "-2e3", "-2E-3", "0", "12", "a-b",
        ] {
            assert_eq!(csv_field(kept), kept, "{kept} is data, not a formula");
        }
        // What a spreadsheet would run is guarded.
        for guarded in [
            "-2+3", "-cmd", "--1", "-1-1", "-inf", "-nan", "-1e", "-.", "- 1", "-A1", "+1", "@x",
            "=1",
        ] {
            assert_eq!(
                csv_field(guarded),
                format!("'{guarded}"),
                "{guarded} is guarded"
            );
        }
    }
}
