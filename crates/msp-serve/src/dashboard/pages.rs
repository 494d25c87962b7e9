//! The HTML of the dashboard's pages (maud: every `(text)` is escaped). Every text from the
//! store is the server's, shown through [`redact`](glp_core::text::redact) so that no
//! registered secret appears; the runs' command lines are never shown.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use msp_orchestrator::msp_store::{Change, ChangeKind, DeviceRow, RunSummary};

use super::{TenantLine, TenantPage};

/// The style of every page: small, inline (the CSP allows no other), wide tables scroll.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;padding:.5rem;\
max-width:70rem;color:#222}nav a{margin-right:1rem}h1{font-size:1.3rem}h2{font-size:1.1rem}\
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem}\
th,td{padding:.25rem .5rem;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}\
.failed,.down{color:#b00020;font-weight:bold}.ok{color:#1b5e20}.note{color:#555}\
input{font-size:1rem;padding:.3rem;max-width:100%}";

/// Server text as shown: without any registered secret.
fn t(text: &str) -> String {
    glp_core::text::redact(text).into_owned()
}

/// `text` percent-encoded for a URL path segment or query value.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn tenant_href(id: &str) -> String {
    format!("/tenants/{}", encode(id))
}

/// A whole page around `body`.
fn layout(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · msp-orchestrator" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                nav {
                    a href="/" { "Overview" }
                    a href="/runs" { "Runs" }
                    a href="/search" { "Search" }
                }
                h1 { (title) }
                (body)
            }
        }
    }
    .into_string()
}

fn opt(v: Option<&str>) -> String {
    v.map_or_else(|| "-".to_owned(), t)
}

/// What a page says where the store holds no run.
const NO_RUN: &str = "The store holds no run yet.";

/// A table that scrolls when wide: its id and class (when it has them), its column heads and
/// its rows.
fn table(id: Option<&str>, class: Option<&str>, heads: &[&str], rows: Markup) -> Markup {
    html! {
        div.scroll { table id=[id] class=[class] {
            thead { tr { @for head in heads { th { (head) } } } }
            tbody { (rows) }
        } }
    }
}

/// `/`: every tenant, worst first.
pub(super) fn overview(lines: &[TenantLine]) -> String {
    let failing = lines.iter().filter(|l| l.failing()).count();
    let down: u64 = lines.iter().map(|l| l.down).sum();
    layout(
        "MSP overview",
        html! {
            p {
                (lines.len()) " tenants; " (failing) " failing to collect; "
                (down) " devices down. Worst first, from the store (not live)."
            }
            @if lines.is_empty() {
                p.note { (NO_RUN) }
            } @else {
                (table(Some("tenants"), None, &[
                    "Tenant", "Collection", "Down", "Devices", "Critical alerts", "Open alerts",
                    "Failures in a row", "Last success",
                ], html! {
                    @for l in lines {
                        tr.tenant data-tenant-id=(t(&l.id)) {
                            td { a href=(tenant_href(&l.id)) { (t(&l.name)) } }
                            td class=(l.outcome) {
                                (l.outcome)
                                @if let Some(e) = &l.error { " " span.note { (t(e)) } }
                            }
                            td class=@if l.down > 0 { "down" } @else { "" } { (l.down) }
                            td { (l.devices) }
                            td { (l.critical) }
                            td { (l.open_alerts) }
                            td { (l.failures) }
                            td { (opt(l.last_success.as_deref())) }
                        }
                    }
                }))
            }
        },
    )
}

/// The devices' table (tenant column with `with_tenant`).
fn devices_table(devices: &[DeviceRow], with_tenant: bool) -> Markup {
    let heads = [
        "Tenant", "Serial", "Name", "Status", "Type", "Model", "MAC", "IP", "Site", "Firmware",
        "Resource", "Run",
    ];
    let heads = if with_tenant { &heads[..] } else { &heads[1..] };
    let rows = html! {
        @for d in devices {
            tr.device {
                @if with_tenant {
                    td.tenant { a href=(tenant_href(&d.tenant_id)) { (t(&d.tenant_name)) } }
                }
                td.serial { (t(&d.serial)) }
                td { (opt(d.name.as_deref())) }
                td class=@if d.is_offline() { "down" } @else { "" } {
                    (opt(d.status.as_deref()))
                }
                td { (opt(d.device_type.as_deref())) }
                td { (opt(d.model.as_deref())) }
                td { (opt(d.mac.as_deref())) }
                td { (opt(d.ip.as_deref())) }
                td { (opt(d.site.as_deref())) }
                td { (opt(d.firmware.as_deref())) }
                td { (t(&d.resource)) }
                td { (d.run_id) }
            }
        }
    };
    table(None, Some("devices"), heads, rows)
}

/// A field's value as shown: a string without its quotes, `-` for none.
fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn change_line(c: &Change) -> Markup {
    let kind = match c.change {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Changed => "changed",
    };
    let fields: Vec<String> = c
        .fields
        .iter()
        .map(|f| format!("{}: {} → {}", f.field, value(&f.before), value(&f.after)))
        .collect();
    html! {
        tr {
            td { (kind) }
            td { (t(&c.key)) }
            td { (opt(c.about.name.as_deref())) }
            td { (t(&c.resource)) }
            td { (t(&fields.join("; "))) }
        }
    }
}

/// A collection's duration, in seconds to the millisecond (`1.250 s`).
fn took(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// `/tenants/{id}`: devices (down first), open alerts, what changed in the last runs.
pub(super) fn tenant(page: &TenantPage) -> String {
    let l = &page.line;
    layout(
        &t(&l.name),
        html! {
            p {
                "Tenant id " code { (t(&l.id)) } ". Collection: "
                span class=(l.outcome) { (l.outcome) }
                @if l.failures > 0 { " (" (l.failures) " runs in a row failed)" }
                @if let Some(e) = &l.error { " " span.note { (t(e)) } }
                ". Last success: " (opt(l.last_success.as_deref()))
                @if let Some(ms) = l.last_success_ms { ", which took " (took(ms)) }
                "."
            }
            h2 { "Devices (" (page.devices.len()) ", " (l.down) " down)" }
            @if page.devices.is_empty() {
                p.note { "No complete device data for this tenant." }
            } @else {
                (devices_table(&page.devices, false))
            }
            h2 { "Open alerts" }
            @if page.alerts.is_empty() {
                p.note { "No open alerts (or alerts are not collected)." }
            } @else {
                (table(None, Some("alerts"), &["Severity", "Open", "Run"], html! {
                    @for a in &page.alerts {
                        tr { td { (t(&a.severity)) } td { (a.count) } td { (a.run_id) } }
                    }
                }))
            }
            h2 { "What changed in the last runs" }
            @if page.changes.is_empty() {
                p.note { "Fewer than two finished runs: nothing to compare." }
            }
            @for (a, b, changes) in &page.changes {
                h3 { "Run " (a) " → " (b) }
                @if changes.is_empty() {
                    p.note { "No change." }
                } @else {
                    (table(None, Some("changes"), &["Change", "Serial", "Name", "Resource", "Fields"],
                        html! { @for c in changes { (change_line(c)) } }))
                }
            }
            @if page.changes_cut { p.note { "(more changes: see `msp-orchestrator diff`)" } }
        },
    )
}

/// `/runs`: the runs, newest first (never their command lines).
pub(super) fn runs(runs: &[RunSummary]) -> String {
    layout(
        "Runs",
        html! {
            @if runs.is_empty() {
                p.note { (NO_RUN) }
            } @else {
                (table(Some("runs"), None, &[
                    "Run", "Started", "Ended", "Status", "Tenants ok", "Failed", "Missing",
                    "Records", "Resources",
                ], html! {
                    @for r in runs {
                        tr {
                            td { (r.id) }
                            td { (t(&r.started)) }
                            td { (opt(r.ended.as_deref())) }
                            td class=(r.status.as_str()) { (r.status.as_str()) }
                            td { (r.tenants_ok) }
                            td class=@if r.tenants_failed > 0 { "failed" } @else { "" } {
                                (r.tenants_failed)
                            }
                            td { (r.tenants_missing) }
                            td { (r.records) }
                            td { (t(&r.resources.join(", "))) }
                        }
                    }
                }))
            }
        },
    )
}

/// `/search`: the form, and the devices found for `q` when there is a search.
pub(super) fn search_page(q: &str, found: Option<&[DeviceRow]>, cut: bool) -> String {
    layout(
        "Search",
        html! {
            form method="get" action="/search" {
                input type="search" name="q" value=(q) maxlength=(super::MAX_QUERY_CHARS)
                    placeholder="serial, MAC or name" aria-label="serial, MAC or name";
                " "
                button type="submit" { "Search" }
            }
            @if let Some(found) = found {
                p { (found.len()) " devices found for " code { (q) } "." }
                @if !found.is_empty() { (devices_table(found, true)) }
                @if cut { p.note { "(more: narrow the search)" } }
            }
        },
    )
}
