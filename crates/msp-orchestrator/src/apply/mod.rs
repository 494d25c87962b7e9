//! Writes across the MSP from a desired state, never twice and never by surprise (issue 22):
//! a [`Manifest`] (the types; a front end parses its file), a [`Plan`] computed against the
//! tenants as they are (one [`Action`] per entry, with the state's fingerprint and
//! [`Plan::drift`] to catch a state that moved), and [`execute`], which carries the plan out
//! with bounded concurrency and re-reads before writing again when an answer was lost.
//!
//! It covers `[[tenants]]`, `[[delete_tenants]]`, `[[notification_rules]]` (the same
//! Central rule in every selected tenant: [`RuleEntry`], planned per tenant by [`plan_rule`]
//! on the rules [`read_rules`] found, carried out by [`execute_rules`]; a tenant a glob
//! selected that no Central lists is skipped, [`NO_CENTRAL`]),
//! `[[delete_notification_rules]]` ([`RuleDeletion`], planned by [`plan_rule_delete`], only
//! with deletion allowed) and
//! `[[device_assignments]]` (devices of a tenant assigned to an application in a region and
//! licensed with a tier: [`DeviceEntry`], planned per tenant by [`plan_devices`] on what
//! [`plan_assignments`] read, carried out by [`execute_devices`] in batches of five, each
//! asynchronous operation polled to its end), and `[[device_unassignments]]` (devices
//! unlicensed and/or unassigned, only when deletion is allowed: [`UnassignEntry`], planned
//! per tenant by [`plan_unassign`], carried out by the same [`execute_devices`]).
//! asynchronous operation polled to its end), and `[[subscriptions]]` (keys that must be
//! present in the MSP's workspace or one tenant's: [`SubscriptionEntry`], planned by
//! [`plan_subscriptions`], carried out by [`execute_subscriptions`], keys shown masked).

/// `writes` and `kind` of a plan's action enum from one table (the variants that write, then
/// the others, each with its word for `kind`), accessors of a field every variant holds, and
/// (after `;`) of a field only the variants listed hold. The doc comment given first is
/// `kind`'s.
macro_rules! action_kinds {
    (
        $(#[$kind_doc:meta])*
        $action:ident writes $writes:tt else $others:tt
        $(, $(#[$field_doc:meta])* $field:ident: $field_ty:ty)* $(,)?
        $(; $(#[$some_doc:meta])* $some:ident in [$($holder:ident),+]: $some_ty:ty)*
    ) => {
        action_kinds!(@kinds $(#[$kind_doc])* $action $writes $others);
        $(action_kinds!(@field $action $writes $others $(#[$field_doc])* $field: $field_ty);)*
        $(
            impl $action {
                $(#[$some_doc])*
                pub(crate) fn $some(&self) -> Option<&$some_ty> {
                    match self {
                        $(Self::$holder { $some, .. })|+ => Some($some),
                        _ => None,
                    }
                }
            }
        )*
    };
    (
        @kinds $(#[$kind_doc:meta])* $action:ident
        [$($write:ident => $write_kind:literal),+ $(,)?]
        [$($other:ident => $other_kind:literal),+ $(,)?]
    ) => {
        impl $action {
            /// Whether carrying it out writes.
            pub fn writes(&self) -> bool {
                matches!(self, $(Self::$write { .. })|+)
            }

            $(#[$kind_doc])*
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Self::$write { .. } => $write_kind,)+
                    $(Self::$other { .. } => $other_kind,)+
                }
            }
        }
    };
    (
        @field $action:ident
        [$($write:ident => $write_kind:literal),+ $(,)?]
        [$($other:ident => $other_kind:literal),+ $(,)?]
        $(#[$field_doc:meta])* $field:ident: $field_ty:ty
    ) => {
        impl $action {
            $(#[$field_doc])*
            pub fn $field(&self) -> &$field_ty {
                match self {
                    $(Self::$write { $field, .. } => $field,)+
                    $(Self::$other { $field, .. } => $field,)+
                }
            }
        }
    };
}

mod devices;
mod devices_execute;
mod devices_plan;
mod devices_seen;
#[cfg(test)]
mod devices_tests;
mod execute;
mod manifest;
mod once;
mod plan;
mod rules;
mod rules_delete;
mod rules_execute;
mod rules_plan;
mod subscriptions;
mod subscriptions_execute;
#[cfg(test)]
mod subscriptions_tests;
#[cfg(test)]
mod test_data;
#[cfg(test)]
mod tests;
mod unassign;
#[cfg(test)]
mod unassign_tests;

pub use devices::{
    DeviceAction, DeviceEntry, MAX_DEVICE_SELECTORS, Resolved, SeenDevice, SeenSubscription,
    plan_devices,
};
pub use devices_execute::execute_devices;
pub use devices_plan::{NOT_READY, plan_assignments, resolve};
pub use execute::{ActionResult, ActionStatus, ApplyOptions, ApplyReport, execute};
pub use manifest::{DeleteTenant, MAX_ENTRIES, Manifest, ManifestError};
pub use plan::{Action, Change, ObservedTenant, PLAN_FORMAT, Plan, observe, state_fingerprint};
pub use rules::{
    NO_CENTRAL, RuleAction, RuleEntry, RuleTenant, plan_rule, rule_changes, same_name,
};
pub use rules_delete::{RuleDeletion, plan_rule_delete};
pub use rules_execute::{execute_rules, read_rules};
pub use rules_plan::plan_rules;
pub use subscriptions::{
    MAX_KEYS_PER_ENTRY, SubscriptionAction, SubscriptionEntry, SubscriptionWorkspace, masked,
    plan_subscription, plan_subscriptions,
};
pub use subscriptions_execute::execute_subscriptions;
pub use unassign::{HELD_BACK, UnassignEntry, plan_unassign};

/// A fingerprint of `bytes`: 64-bit FNV-1a, 16 hex digits. It tells states apart, it is no
/// protection against a forger (a plan file is trusted as much as the manifest).
pub(crate) fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
