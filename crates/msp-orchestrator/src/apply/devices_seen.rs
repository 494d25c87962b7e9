//! What the plan reads of a tenant's devices and subscriptions: [`SeenDevice`] and
//! [`SeenSubscription`], the fields it compares, each text bounded.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A device as the plan saw it (the fields it compares).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenDevice {
    /// The device id.
    pub id: String,
    /// Its serial number.
    pub serial_number: String,
    /// Its `deviceType`.
    pub device_type: String,
    /// The id of the application it is assigned to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Its region, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The ids of the subscriptions it holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<String>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(|s| s.chars().take(200).collect())
}

impl SeenDevice {
    /// The device of a listed item (`devices/v1/devices`), if it has an id.
    pub fn of(v: &Value) -> Option<Self> {
        Some(Self {
            id: text(v, "id").filter(|id| !id.is_empty())?,
            serial_number: text(v, "serialNumber").unwrap_or_default(),
            device_type: text(v, "deviceType").unwrap_or_default(),
            application_id: v.get("application").and_then(|a| text(a, "id")),
            region: text(v, "region"),
            subscriptions: v
                .get("subscription")
                .and_then(Value::as_array)
                .map(|subs| subs.iter().filter_map(|s| text(s, "id")).collect())
                .unwrap_or_default(),
        })
    }
}

/// A subscription as the plan saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenSubscription {
    /// Its id.
    pub id: String,
    /// Its key.
    pub key: String,
    /// Its tier.
    pub tier: String,
    /// `subscriptionStatus` (`STARTED`, `ENDED`, ...).
    pub status: String,
    /// `availableQuantity` (a number in a string in the spec), when it reads as one.
    pub available: Option<u64>,
    /// `endTime`, as sent.
    pub end_time: String,
}

impl SeenSubscription {
    /// The subscription of a listed item (`subscriptions/v1/subscriptions`), if it has an id.
    pub fn of(v: &Value) -> Option<Self> {
        let available = match v.get("availableQuantity") {
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(n) => n.as_u64(),
            None => None,
        };
        Some(Self {
            id: text(v, "id").filter(|id| !id.is_empty())?,
            key: text(v, "key").unwrap_or_default(),
            tier: text(v, "tier").unwrap_or_default(),
            status: text(v, "subscriptionStatus").unwrap_or_default(),
            available,
            end_time: text(v, "endTime").unwrap_or_default(),
        })
    }
}
