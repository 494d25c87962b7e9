//! The bodies of the webhooks: generic JSON, Slack's and Teams' incoming-webhook shapes.

use serde_json::{Value, json};

use super::{Event, EventKind};

/// The shape of a webhook's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotifyFormat {
    /// `{"source": "glp-msp", "events": [...]}`: every field of each [`Event`].
    #[default]
    Generic,
    /// Slack's incoming webhook: `{"text": ...}`, one line per event.
    Slack,
    /// A Microsoft Teams incoming webhook: a `MessageCard` whose text has one line per event.
    Teams,
}

impl std::str::FromStr for NotifyFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "generic" | "json" => Ok(Self::Generic),
            "slack" => Ok(Self::Slack),
            "teams" => Ok(Self::Teams),
            _ => Err(format!(
                "`{s}` is no notification format: generic, slack or teams"
            )),
        }
    }
}

/// Server text made safe for a chat line: redacted, control characters escaped, and the
/// characters a chat renders as markup (`&`, `<`, `>`) as entities.
fn safe(text: &str) -> String {
    let text = glp_core::text::redact(text);
    glp_core::text::escape_control(&text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One event as a line of text.
fn line(e: &Event) -> String {
    let tenant = safe(&e.tenant_name);
    let subject = e.subject.as_deref().map(safe).unwrap_or_default();
    let name = e.name.as_deref().map(safe);
    let device = match &name {
        Some(name) => format!("{name} ({subject})"),
        None => subject.clone(),
    };
    let status = |s: &Option<String>| s.as_deref().map(safe).unwrap_or_default();
    match e.event {
        EventKind::DeviceOffline => format!(
            "{tenant}: device {device} went {} (was {})",
            status(&e.status),
            status(&e.status_before)
        ),
        EventKind::DeviceOnline => format!(
            "{tenant}: device {device} is back ({}, was {})",
            status(&e.status),
            status(&e.status_before)
        ),
        EventKind::CriticalAlert => format!(
            "{tenant}: new critical alert {} [{subject}]",
            name.unwrap_or_default()
        ),
        EventKind::TenantFailing => format!(
            "{tenant}: failed to collect {} runs in a row",
            e.failures.unwrap_or(2)
        ),
    }
}

/// The body that tells `events` (at least one) in `format`.
pub(crate) fn body(format: NotifyFormat, events: &[Event]) -> Value {
    let title = format!(
        "glp-msp: {} event{}",
        events.len(),
        if events.len() == 1 { "" } else { "s" }
    );
    let text = || {
        events
            .iter()
            .map(|e| format!("• {}", line(e)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match format {
        NotifyFormat::Generic => json!({ "source": "glp-msp", "events": events }),
        NotifyFormat::Slack => json!({ "text": format!("*{title}*\n{}", text()) }),
        NotifyFormat::Teams => json!({
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": title,
            "title": title,
            "text": text().replace('\n', "\n\n"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline() -> Event {
        Event {
            event: EventKind::DeviceOffline,
            key: "device_offline:t:SN1:2".into(),
            run_id: 2,
            tenant_id: "t".into(),
            tenant_name: "Acme <script>\u{1b}[2J".into(),
            subject: Some("SN1".into()),
            name: Some("AP-lobby".into()),
            status_before: Some("ONLINE".into()),
            status: Some("OFFLINE".into()),
            failures: None,
        }
    }

    #[test]
    fn each_shape_tells_the_event_and_chat_text_is_escaped() {
        let events = [offline()];
        let generic = body(NotifyFormat::Generic, &events);
        assert_eq!(generic["events"][0]["event"], "device_offline");
        assert_eq!(generic["events"][0]["subject"], "SN1");
        let slack = body(NotifyFormat::Slack, &events);
        let text = slack["text"].as_str().expect("text");
        assert!(
            text.contains("device AP-lobby (SN1) went OFFLINE (was ONLINE)"),
            "{text}"
        );
        assert!(
            text.contains("&lt;script&gt;") && !text.contains('\u{1b}'),
            "{text}"
        );
        let teams = body(NotifyFormat::Teams, &events);
        assert_eq!(teams["@type"], "MessageCard");
        assert!(
            teams["text"]
                .as_str()
                .expect("text")
                .contains("went OFFLINE")
        );
        assert_eq!("Slack".parse::<NotifyFormat>(), Ok(NotifyFormat::Slack));
        assert!("email".parse::<NotifyFormat>().is_err());
    }
}
