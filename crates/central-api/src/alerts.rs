//! Central's alerts (`network-notifications/v1/alerts`): the [`Alert`] item and the order of
//! its severities.

use crate::models::model;

model! {
    /// One alert of a tenant (HPE's notifications spec, operation `getAlertListV1`). Every field
    /// is an `Option` (the spec requires them all, yet its own example sends `null` for
    /// `updatedBy` and `clearedReason` and `""` for `updatedAt`); every other field is kept in
    /// `extra`.
    Alert {
        /// The alert's id, e.g. `22071893000:47765082406`.
        id: String,
        /// The alert key (shared by alerts of one kind).
        key: String,
        /// `System`, `Clients`, `LAN`, `WLAN`, `WAN`, `Cluster`, `Routing`, `Security`.
        category: String,
        /// The alert type's id, e.g. `102`.
        type_id: String,
        /// The alert's name, e.g. `Insufficient PoE Received`.
        name: String,
        /// `Critical`, `Major`, `Minor`, `Info` (see [`severity_rank`]).
        severity: String,
        /// E.g. `Very High`, `Medium`.
        priority: String,
        /// `Active`, `Deferred` or `Cleared` (see [`Alert::is_open`]).
        status: String,
        /// One sentence about what happened.
        summary: String,
        /// When the alert was raised (RFC 3339).
        created_at: String,
        /// When it last changed (RFC 3339; blank reads as `None`).
        updated_at: String,
        /// Who last changed it.
        updated_by: String,
        /// The resource's type, `network-notifications/alerts`.
        #[serde(rename = "type")]
        kind: String,
        /// `Access Point`, `Gateway`, `Switch`, `Bridge`, ...
        device_type: String,
        /// Why it was cleared (only for cleared alerts).
        cleared_reason: String,
    }
}

impl Alert {
    /// Whether the alert is open: any status but `Cleared` (case-insensitive); an alert without
    /// a status counts as open.
    pub fn is_open(&self) -> bool {
        self.status.as_deref().is_none_or(status_is_open)
    }
}

/// Whether an alert `status` is an open one: anything but `Cleared` (case-insensitive).
pub fn status_is_open(status: &str) -> bool {
    !status.trim().eq_ignore_ascii_case("cleared")
}

/// The severities of alerts, worst first, as HPE's notification rules name them
/// (`CRITICAL`, `MAJOR`, `MINOR`, `INFO`; items spell them `Critical`, ...).
pub const SEVERITIES: [&str; 4] = ["Critical", "Major", "Minor", "Info"];

/// The rank of a severity, 0 for the worst (`Critical`), case-insensitive; an unknown one
/// ranks after `Info`.
pub fn severity_rank(severity: &str) -> usize {
    let severity = severity.trim();
    SEVERITIES
        .iter()
        .position(|s| s.eq_ignore_ascii_case(severity))
        .unwrap_or(SEVERITIES.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_reads_with_its_nulls_and_blanks() {
        let alert: Alert = serde_json::from_value(serde_json::json!({
            "category": "System", "clearedReason": null, "createdAt": "2025-12-10T07:04:33.352Z",
            "deviceType": "Access Point", "id": "22071893000:47765082406", "key": "k",
            "name": "Insufficient PoE Received", "priority": "Very High", "severity": "Critical",
            "status": "Cleared", "summary": "s", "type": "network-notifications/alerts",
            "updatedAt": "", "updatedBy": null, "siteId": "7"
        }))
        .expect("the example");
        assert_eq!(alert.id.as_deref(), Some("22071893000:47765082406"));
        assert_eq!(alert.kind.as_deref(), Some("network-notifications/alerts"));
        assert_eq!(
            (alert.updated_at.as_deref(), alert.updated_by.as_deref()),
            (Some(""), None)
        );
        assert!(!alert.is_open());
        assert_eq!(alert.extra["siteId"], "7");
    }

    #[test]
    fn severities_rank_worst_first() {
        assert_eq!(severity_rank("critical"), 0);
        assert_eq!(severity_rank(" Major"), 1);
        assert_eq!(severity_rank("Info"), 3);
        assert_eq!(severity_rank("Weird"), 4);
        assert!(status_is_open("Active") && status_is_open("Deferred"));
        assert!(!status_is_open("CLEARED"));
    }
}
