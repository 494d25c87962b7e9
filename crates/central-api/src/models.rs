//! Typed items of the tenant-scoped monitoring lists.
//!
//! Every model types the common fields as `Option`s (missing and `null` read as `None`; text
//! fields also accept numbers, number fields also accept numbers in strings, and a blank number
//! reads as `None`) and keeps every other field,
//! exactly as received, in `extra`. Serialising a model writes the typed fields back under their
//! JSON names (skipping `None`s) followed by `extra`, so nothing the server sent is lost.
//!
//! The fields every device model has under the same JSON names are one group,
//! [`DeviceFields`], flattened into [`Device`], [`AccessPoint`], [`Switch`] and [`Gateway`] as
//! their `common` field (`device.common.serial_number`); the JSON is unchanged.
//!
//! The models are `#[non_exhaustive]`: fields may be added. Build one with `Default` and field
//! assignment, or deserialise it.

use serde_json::Value;

/// Declares a model: the listed fields as lenient `Option`s, plus `extra`; after `..`, a group
/// of fields every model of a kind shares (declared with `model! { group ... }`), flattened
/// first. `model! { group Name { ... } }` declares such a group: the fields without `extra`
/// (the model that flattens it keeps the fields no group names).
macro_rules! model {
    (
        $(#[$meta:meta])*
        group $name:ident { $($fields:tt)* }
    ) => {
        model!(@struct $(#[$meta])* $name [] [] $($fields)*);
    };
    (
        $(#[$meta:meta])*
        $name:ident { .. $group:ident : $gty:ty, $($fields:tt)* }
    ) => {
        model!(
            @struct $(#[$meta])* $name
            [
                #[doc = concat!("The fields every model of its kind has ([`", stringify!($gty), "`]).")]
                #[serde(flatten)]
                pub $group: $gty,
            ]
            [
                /// Every other field, exactly as received.
                #[serde(flatten)]
                pub extra: ::serde_json::Map<String, ::serde_json::Value>,
            ]
            $($fields)*
        );
    };
    (
        $(#[$meta:meta])*
        $name:ident { $($fields:tt)* }
    ) => {
        model!(
            @struct $(#[$meta])* $name
            []
            [
                /// Every other field, exactly as received.
                #[serde(flatten)]
                pub extra: ::serde_json::Map<String, ::serde_json::Value>,
            ]
            $($fields)*
        );
    };
    (
        @struct $(#[$meta:meta])* $name:ident [$($head:tt)*] [$($tail:tt)*]
        $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct $name {
            $($head)*
            $(
                $(#[$fmeta])*
                #[serde(
                    default,
                    deserialize_with = "crate::lenient::option",
                    skip_serializing_if = "Option::is_none"
                )]
                pub $field: Option<$ty>,
            )*
            $($tail)*
        }
    };
}
pub(crate) use model;

model! {
    /// The fields every device model ([`Device`], [`AccessPoint`], [`Switch`], [`Gateway`])
    /// has, under the same JSON names.
    group DeviceFields {
        /// The device's id (often its serial number).
        id: String,
        /// Serial number.
        serial_number: String,
        /// MAC address.
        mac_address: String,
        /// Name given to the device.
        device_name: String,
        /// Hardware model, e.g. `AP-635`, `6300M 48G`, `A9004`.
        model: String,
        /// Part number (SKU).
        part_number: String,
        /// `ONLINE`, `OFFLINE`, ...
        status: String,
        /// Deployment mode, e.g. `Standalone`, `Cluster`, `Stack`.
        deployment: String,
        /// Role, e.g. `Conductor`, `Member`, `Isolated Leader`.
        role: String,
        /// Firmware version, where the server calls it so (see [`DeviceFields::firmware`]).
        firmware_version: String,
        /// Firmware version, where the server calls it `softwareVersion`.
        software_version: String,
        /// IPv4 address.
        ipv4: String,
        /// IPv6 address.
        ipv6: String,
        /// Id of the site the device is assigned to (none when unassigned).
        site_id: String,
        /// Name of that site.
        site_name: String,
    }
}

impl DeviceFields {
    /// The firmware version, whichever of `firmwareVersion` and `softwareVersion` the server
    /// sent.
    pub fn firmware(&self) -> Option<&str> {
        self.firmware_version
            .as_deref()
            .or(self.software_version.as_deref())
    }
}

model! {
    /// A device of the tenant's inventory (`device-inventory`), monitored or not; also the item
    /// of `devices` (monitored devices only).
    Device {
        .. common: DeviceFields,
        /// `ACCESS_POINT`, `SWITCH`, `GATEWAY`, ...
        device_type: String,
        /// Persona, e.g. `Instant`, `Campus AP`.
        persona: String,
        /// Device function, e.g. `Branch GW`.
        device_function: String,
        /// Device group name.
        device_group_name: String,
        /// Stack id (switch stacks).
        stack_id: String,
        /// Subscription tier, e.g. `ADVANCED_AP`.
        tier: String,
    }
}

model! {
    /// An access point (`aps`).
    AccessPoint {
        .. common: DeviceFields,
        /// Persona, e.g. `Instant`, `Campus AP`.
        persona: String,
        /// Device function.
        device_function: String,
        /// AP cluster (swarm) name.
        cluster_name: String,
        /// AP cluster id.
        cluster_id: String,
        /// Building id (floor plans).
        building_id: String,
        /// Floor id (floor plans).
        floor_id: String,
        /// When the AP was last heard from (RFC 3339).
        last_seen_at: String,
        /// Uptime in milliseconds.
        uptime_in_millis: u64,
        /// Connected clients.
        client_count: u64,
    }
}

model! {
    /// A switch (`switches`).
    Switch {
        .. common: DeviceFields,
        /// Stack id.
        stack_id: String,
        /// When the switch was last heard from (RFC 3339).
        last_seen_at: String,
        /// Uptime in milliseconds.
        uptime_in_millis: u64,
    }
}

model! {
    /// A gateway (`gateways`).
    Gateway {
        .. common: DeviceFields,
        /// Device function, e.g. `Branch GW`, `VPNC`.
        device_function: String,
        /// Gateway cluster name.
        cluster_name: String,
        /// When the gateway was last heard from (RFC 3339).
        last_seen_at: String,
        /// Uptime in milliseconds.
        uptime_in_millis: u64,
    }
}

model! {
    /// A wired or wireless client (`clients`).
    Client {
        /// Client name (host name or user-given).
        name: String,
        /// MAC address, where the server calls it `mac` (see [`Client::hardware_address`]).
        mac: String,
        /// MAC address, where the server calls it `macAddress`.
        mac_address: String,
        /// IPv4 address.
        ipv4: String,
        /// IPv6 address.
        ipv6: String,
        /// `Wireless` or `Wired` (the JSON field `type`).
        #[serde(rename = "type")]
        client_type: String,
        /// `Connected`, `Failed`, ...
        status: String,
        /// Why the status is what it is.
        status_reason: String,
        /// Experience, e.g. `Good`.
        experience: String,
        /// Serial number of the device the client is connected to.
        connected_device_serial: String,
        /// Name of the device the client is connected to.
        connected_to: String,
        /// WLAN (SSID) or wired network.
        network: String,
        /// VLAN id.
        vlan_id: String,
        /// Switch port, for wired clients.
        port: String,
        /// User role.
        role: String,
        /// Site id.
        site_id: String,
        /// Site name.
        site_name: String,
        /// Authentication method.
        authentication: String,
        /// Key management, e.g. `WPA2_PSK`.
        key_management: String,
        /// Connected since (RFC 3339).
        connected_since: String,
        /// Last seen (RFC 3339).
        last_seen_at: String,
    }
}

model! {
    /// A site with its health (`sites-health`), as the vendor SDK reads it: the site, the
    /// health of its devices and clients (`{"groups": [{"name": "Poor", "value": n}, ...]}`), its
    /// alerts (`{"totalCount", "groups": [{"name", "count"}]}`) and the reasons for its health.
    /// The breakdowns are kept as JSON, as the server sends them.
    SiteHealth {
        /// Site id, where the server calls it `id`.
        id: String,
        /// Site name, where the server calls it `name`.
        name: String,
        /// Site id, where the server calls it `siteId`.
        site_id: String,
        /// Site name, where the server calls it `siteName`.
        site_name: String,
        /// Postal address: a string or an object, as the server sends it.
        address: Value,
        /// Time zone, e.g. `Europe/Berlin`.
        timezone: String,
        /// The site's health by group (`Poor`, `Fair`, `Good`).
        health: Value,
        /// The site's devices: `count` and `health`.
        devices: Value,
        /// The site's clients: `count` and `health`.
        clients: Value,
        /// The site's alerts: `totalCount` and `groups`.
        alerts: Value,
        /// Why the site's health is what it is.
        reasons: Value,
    }
}

/// `firmware()` for the device models.
macro_rules! firmware {
    ($($name:ident),*) => {$(
        impl $name {
            /// The firmware version, whichever of `firmwareVersion` and `softwareVersion` the
            /// server sent ([`DeviceFields::firmware`]).
            pub fn firmware(&self) -> Option<&str> {
                self.common.firmware()
            }
        }
    )*};
}
firmware!(Device, AccessPoint, Switch, Gateway);

impl Client {
    /// The client's MAC address, whichever of `mac` and `macAddress` the server sent.
    pub fn hardware_address(&self) -> Option<&str> {
        self.mac.as_deref().or(self.mac_address.as_deref())
    }
}

impl SiteHealth {
    /// The site's id, whichever of `siteId` and `id` the server sent.
    pub fn key(&self) -> Option<&str> {
        self.site_id.as_deref().or(self.id.as_deref())
    }

    /// The site's name, whichever of `siteName` and `name` the server sent.
    pub fn display_name(&self) -> Option<&str> {
        self.site_name.as_deref().or(self.name.as_deref())
    }

    /// `devices.count`, when it is a number.
    pub fn device_count(&self) -> Option<u64> {
        self.devices.as_ref()?.get("count")?.as_u64()
    }

    /// `clients.count`, when it is a number.
    pub fn client_count(&self) -> Option<u64> {
        self.clients.as_ref()?.get("count")?.as_u64()
    }

    /// `alerts.totalCount`, when it is a number.
    pub fn alert_count(&self) -> Option<u64> {
        self.alerts.as_ref()?.get("totalCount")?.as_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_null_blank_and_numbers_are_tolerated() {
        let d: Device = serde_json::from_value(json!({
            "serialNumber": "SG1",
            "siteId": 24833497,
            "model": null,
            "tier": "",
            "shiny": [1, 2],
        }))
        .expect("decodes");
        assert_eq!(d.common.serial_number.as_deref(), Some("SG1"));
        assert_eq!(d.common.site_id.as_deref(), Some("24833497"));
        assert_eq!(d.common.model, None);
        assert_eq!(d.tier.as_deref(), Some(""));
        assert_eq!(d.common.device_name, None);
        assert_eq!(d.extra["shiny"], json!([1, 2]));
        let back = serde_json::to_value(&d).expect("encodes");
        assert_eq!(
            back,
            json!({"serialNumber": "SG1", "siteId": "24833497", "tier": "", "shiny": [1, 2]})
        );
    }

    #[test]
    fn wrong_shapes_are_errors_not_silence() {
        let err = serde_json::from_value::<AccessPoint>(json!({"uptimeInMillis": "soon"}))
            .expect_err("not a number");
        assert!(err.to_string().contains("integer"), "{err}");
    }

    #[test]
    fn client_type_is_the_json_type_field() {
        let c: Client = serde_json::from_value(json!({"type": "Wired"})).expect("decodes");
        assert_eq!(c.client_type.as_deref(), Some("Wired"));
        assert!(c.extra.is_empty());
    }
}
