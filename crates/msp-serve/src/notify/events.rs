//! The events of a run: what changed since the finished run before it.

use std::collections::HashSet;

use msp_orchestrator::msp_store::{
    ChangeKind, DiffOptions, RunId, Store, StoreError, is_alerts, is_offline,
};
use serde::Serialize;
use serde_json::Value;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A device's status became offline (or down).
    DeviceOffline,
    /// An offline device's status is no longer offline.
    DeviceOnline,
    /// A critical alert is open that was not in the run before.
    CriticalAlert,
    /// The tenant failed to collect in two runs in a row.
    TenantFailing,
}

impl EventKind {
    /// The name in the JSON and in the event's key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DeviceOffline => "device_offline",
            Self::DeviceOnline => "device_online",
            Self::CriticalAlert => "critical_alert",
            Self::TenantFailing => "tenant_failing",
        }
    }
}

/// One event, as the generic webhook receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// What happened.
    pub event: EventKind,
    /// Its key, unique per event: it is sent once per target (`kind:tenant:subject:run`).
    pub key: String,
    /// The run that saw it.
    pub run_id: RunId,
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The device's serial number, or the alert's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The device's or the alert's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The device's status before (device events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_before: Option<String>,
    /// The device's status now (device events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Runs in a row the tenant failed (`tenant_failing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<u64>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The events of run `run`: devices that went offline or came back and new open critical
/// alerts, against the finished run before it (none for the first run, or for a tenant that
/// run lacks: there is nothing to compare with), and tenants that failed in this run and the
/// one before (once: when the row reaches two).
pub fn events(store: &Store, run: RunId) -> Result<Vec<Event>, StoreError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |out: &mut Vec<Event>, event: Event| {
        if seen.insert(event.key.clone()) {
            out.push(event);
        }
    };
    let base = |kind: EventKind, tenant_id: &str, tenant_name: &str, subject: &str| Event {
        event: kind,
        key: format!("{}:{tenant_id}:{subject}:{run}", kind.as_str()),
        run_id: run,
        tenant_id: tenant_id.to_owned(),
        tenant_name: tenant_name.to_owned(),
        subject: Some(subject.to_owned()).filter(|s| !s.is_empty()),
        name: None,
        status_before: None,
        status: None,
        failures: None,
    };
    if let Some(before) = store.finished_run_before(run)? {
        let diff = store.diff(before, run, &DiffOptions::default())?;
        for change in diff
            .changes
            .iter()
            .filter(|c| c.change == ChangeKind::Changed && !is_alerts(&c.resource))
        {
            let Some(status) = change.fields.iter().find(|f| f.field == "status") else {
                continue;
            };
            let (was, now) = (text(&status.before), text(&status.after));
            let kind = match (is_offline(&was), is_offline(&now)) {
                (false, true) => EventKind::DeviceOffline,
                (true, false) => EventKind::DeviceOnline,
                _ => continue,
            };
            let mut event = base(kind, &change.tenant_id, &change.tenant_name, &change.key);
            event.name = change.about.name.clone();
            event.status_before = Some(was);
            event.status = Some(now);
            push(&mut out, event);
        }
        for resource in store.resources()?.iter().filter(|r| is_alerts(r)) {
            let (compared, earlier) = store.open_alerts_of_run(before, resource, "Critical")?;
            let earlier: HashSet<(String, String)> =
                earlier.into_iter().map(|a| (a.tenant_id, a.id)).collect();
            let (_, now) = store.open_alerts_of_run(run, resource, "Critical")?;
            for alert in now {
                if !compared.contains(&alert.tenant_id)
                    || earlier.contains(&(alert.tenant_id.clone(), alert.id.clone()))
                {
                    continue;
                }
                let mut event = base(
                    EventKind::CriticalAlert,
                    &alert.tenant_id,
                    &alert.tenant_name,
                    &alert.id,
                );
                event.name = match (alert.name, alert.device) {
                    (Some(name), Some(device)) => Some(format!("{name} ({device})")),
                    (name, device) => name.or(device),
                };
                push(&mut out, event);
            }
        }
    }
    for tenant in store.tenant_health()? {
        if tenant.last_run == run && tenant.consecutive_failures == 2 {
            let mut event = base(
                EventKind::TenantFailing,
                &tenant.tenant_id,
                &tenant.tenant_name,
                "",
            );
            event.failures = Some(tenant.consecutive_failures);
            push(&mut out, event);
        }
    }
    Ok(out)
}
