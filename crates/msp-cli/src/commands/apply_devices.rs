//! The `[[device_assignments]]` and `[[device_unassignments]]` part of `plan` and `apply`:
//! their lines in the plan, and the check that a saved plan's device actions are still what the
//! tenants give (`apply` reads them with the rules).

use glp_auth::text::escape_control;
use msp_orchestrator::apply::DeviceAction;

use crate::commands::apply_drift::{DriftWords, tenant_drift};

/// One line per device action (tenant named), then the counts; nothing when there is none.
pub(crate) fn write_device_plan(
    out: &mut impl std::io::Write,
    actions: &[DeviceAction],
) -> std::io::Result<()> {
    for a in actions {
        let t = a.tenant();
        let at = format!("in '{}' ({})", escape_control(&t.name), t.id);
        let what = escape_control(&a.describe()).into_owned();
        match a {
            DeviceAction::Assign { .. } => writeln!(out, "~ assign  {what} {at}")?,
            DeviceAction::License { .. } => writeln!(out, "~ license {what} {at}")?,
            DeviceAction::Unlicense { .. } => writeln!(out, "- unlicense {what} {at}")?,
            DeviceAction::Unassign { .. } => writeln!(out, "- unassign  {what} {at}")?,
            DeviceAction::Nothing { .. } => writeln!(out, "= nothing {what} {at}")?,
            DeviceAction::Skipped { why, .. } => {
                writeln!(out, ". skipped {what} {at}: {}", escape_control(why))?;
            }
            DeviceAction::Cannot { why, .. } => {
                writeln!(out, "! cannot  {what} {at}: {}", escape_control(why))?;
            }
        }
    }
    if !actions.is_empty() {
        let n = |k: &str| actions.iter().filter(|a| a.kind() == k).count();
        let devices = |k: &str| -> usize {
            actions
                .iter()
                .filter(|a| a.kind() == k)
                .map(|a| a.devices().len())
                .sum()
        };
        let removals = if n("unlicense") + n("unassign") > 0 {
            format!(
                "{} to unlicense ({} devices), {} to unassign ({} devices), ",
                n("unlicense"),
                devices("unlicense"),
                n("unassign"),
                devices("unassign")
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "Devices: {} to assign ({} devices), {} to license ({} devices), {removals}{} \
             unchanged, {} skipped, {} cannot be done.",
            n("assign"),
            devices("assign"),
            n("license"),
            devices("license"),
            n("nothing"),
            n("skip"),
            n("cannot")
        )?;
    }
    Ok(())
}

/// How the device actions read now differ from those a saved plan holds, one line per tenant
/// whose actions differ (its devices or subscriptions moved: each action carries the
/// fingerprint of what it read); empty when they are the same.
pub(crate) fn device_drift(saved: &[DeviceAction], now: &[DeviceAction]) -> Vec<String> {
    let words = DriftWords {
        kind: "devices",
        moved: "devices or subscriptions",
    };
    let word = |a: &DeviceAction| format!("{} ({})", a.describe(), a.kind());
    tenant_drift((saved, now), DeviceAction::tenant, word, &words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::apply_drift::test_tenant;

    fn nothing(n: u8, state: &str) -> DeviceAction {
        DeviceAction::Nothing {
            tenant: test_tenant(n),
            what: "3 devices already hold FOUNDATION_AP".into(),
            state: state.into(),
        }
    }

    #[test]
    fn a_saved_plan_s_devices_that_moved_are_named_per_tenant() {
        let saved = vec![nothing(1, "a"), nothing(2, "b")];
        assert!(device_drift(&saved, &saved).is_empty());
        let now = vec![nothing(1, "a2"), nothing(3, "c")];
        assert_eq!(
            device_drift(&saved, &now),
            [
                "devices in 'Tenant 1': its devices or subscriptions changed since the plan (3 \
                 devices already hold FOUNDATION_AP (nothing))",
                "devices in 'Tenant 2': planned 3 devices already hold FOUNDATION_AP (nothing), \
                 now not selected",
                "devices in 'Tenant 3': planned not selected, now 3 devices already hold \
                 FOUNDATION_AP (nothing)",
            ]
        );
        let mut out = Vec::new();
        write_device_plan(&mut out, &now).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.starts_with("= nothing 3 devices already hold FOUNDATION_AP in 'Tenant 1'"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "Devices: 0 to assign (0 devices), 0 to license (0 devices), 2 unchanged, 0 \
                 skipped, 0 cannot be done.\n"
            ),
            "{text}"
        );
    }
}
